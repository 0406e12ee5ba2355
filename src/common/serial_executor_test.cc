#include "common/serial_executor.h"

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

#include <gtest/gtest.h>

namespace eddy {
namespace {

TEST(SerialExecutorTest, RunsInDueOrderOneAtATime) {
  SerialExecutor ex("test-exec");
  std::mutex mu;
  std::vector<int> order;
  std::promise<void> done;
  ex.Post([&] { std::lock_guard l(mu); order.push_back(3); done.set_value(); }, 60);
  ex.Post([&] { std::lock_guard l(mu); order.push_back(2); }, 30);
  ex.Post([&] { std::lock_guard l(mu); order.push_back(1); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  std::lock_guard l(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(SerialExecutorTest, StopDropsPendingAndLaterTasks) {
  std::atomic<int> ran{0};
  SerialExecutor ex("test-exec");
  ex.Post([&] { ++ran; }, 10'000);
  ex.Stop();
  ex.Post([&] { ++ran; });
  ex.Stop();
  EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace eddy
