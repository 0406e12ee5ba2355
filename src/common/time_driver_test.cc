#include "common/time_driver.h"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace eddy {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

// Fires at each of its deadlines (epoch ms), recording "name@time" into a shared log.
class ListTimekeeper final : public Timekeeper {
 public:
  ListTimekeeper(std::string name, const Clock& clock, std::vector<std::string>* log, std::mutex* mu)
      : name_(std::move(name)), clock_(clock), log_(log), log_mu_(mu) {}
  void Schedule(int64_t at) {
    std::lock_guard lock(mu_);
    deadlines_.push_back(at);
    std::sort(deadlines_.begin(), deadlines_.end());
  }
  int64_t NextDeadlineMs() override {
    std::lock_guard lock(mu_);
    return deadlines_.empty() ? INT64_MAX : deadlines_.front();
  }
  void Tick() override {
    ++ticks;
    const int64_t now = clock_.NowMs();
    std::vector<int64_t> fired;
    {
      std::lock_guard lock(mu_);
      while (!deadlines_.empty() && deadlines_.front() <= now) {
        fired.push_back(deadlines_.front());
        deadlines_.erase(deadlines_.begin());
      }
    }
    std::lock_guard lock(*log_mu_);
    for (int64_t at : fired) {
      log_->push_back(name_ + "@" + std::to_string((at - kStart) / 1000) + "/" +
                      std::to_string((now - kStart) / 1000));
    }
    if (on_tick) on_tick(now);
  }
  std::function<void(int64_t)> on_tick;
  std::atomic<int> ticks{0};

 private:
  std::string name_;
  const Clock& clock_;
  std::vector<std::string>* log_;
  std::mutex* log_mu_;
  std::mutex mu_;
  std::vector<int64_t> deadlines_;
};

// Always claims to be due: a buggy timekeeper.
class StuckTimekeeper final : public Timekeeper {
 public:
  int64_t NextDeadlineMs() override { return INT64_MIN; }
  void Tick() override { ++ticks; }
  int ticks = 0;
};

TEST(VirtualClockTest, MovesOnlyWhenSet) {
  VirtualClock clock(kStart);
  EXPECT_EQ(clock.NowMs(), kStart);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(clock.NowMs(), kStart);
  clock.Set(kStart + 42);
  EXPECT_EQ(clock.NowMs(), kStart + 42);
}

TEST(TimeDriverTest, AdvanceFiresEverythingDueInDeadlineOrderAcrossTimekeepers) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  std::mutex mu;
  std::vector<std::string> log;
  ListTimekeeper a("a", clock, &log, &mu), b("b", clock, &log, &mu);
  driver.Add(&a);
  driver.Add(&b);
  driver.Start();
  a.Schedule(kStart + 30'000);
  a.Schedule(kStart + 10'000);
  b.Schedule(kStart + 20'000);
  b.Schedule(kStart + 10'000);  // same instant as a's: a was added first
  b.Schedule(kStart + 90'000);  // beyond the target
  // a's tick at 30 s schedules b for 40 s: work created on the way fires on the way too.
  a.on_tick = [&](int64_t now) {
    if (now == kStart + 30'000) b.Schedule(kStart + 40'000);
  };
  auto now = driver.AdvanceBy(60'000);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(*now, kStart + 60'000);
  EXPECT_EQ(clock.NowMs(), kStart + 60'000);
  // "name@deadline/clock at the tick", seconds after the start: each fires exactly at its deadline.
  EXPECT_EQ(log, (std::vector<std::string>{"a@10/10", "b@10/10", "b@20/20", "a@30/30", "b@40/40"}));
  EXPECT_EQ(b.NextDeadlineMs(), kStart + 90'000);
  driver.Stop();
}

TEST(TimeDriverTest, SetIsAnAdvanceAndBackwardsIsRefused) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  std::mutex mu;
  std::vector<std::string> log;
  ListTimekeeper a("a", clock, &log, &mu);
  driver.Add(&a);
  a.Schedule(kStart + 5'000);
  auto set = driver.AdvanceTo(kStart + 3'600'000);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(log, (std::vector<std::string>{"a@5/5"}));
  auto back = driver.AdvanceTo(kStart + 1'000);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().message(),
            "The virtual clock only moves forward: it is 2023-11-14T23:13:20.000Z, later than "
            "2023-11-14T22:13:21.000Z.");
  EXPECT_EQ(clock.NowMs(), kStart + 3'600'000);
  EXPECT_TRUE(driver.AdvanceTo(kStart + 3'600'000).ok()) << "setting the current time is fine";
  EXPECT_FALSE(driver.AdvanceBy(-1).ok());
}

TEST(TimeDriverTest, RealModeRefusesToMoveTheClock) {
  SystemClock clock;
  TimeDriver driver(clock);
  auto r = driver.AdvanceBy(1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "The clock is real; start eddy with --clock virtual to set it.");
  EXPECT_FALSE(driver.is_virtual());
}

TEST(TimeDriverTest, AStuckTimekeeperDoesNotHangTheAdvance) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  std::mutex mu;
  std::vector<std::string> log;
  StuckTimekeeper stuck;
  ListTimekeeper a("a", clock, &log, &mu);
  driver.Add(&stuck);
  driver.Add(&a);
  a.Schedule(kStart + 1'000);
  a.Schedule(kStart + 2'000);
  auto now = driver.AdvanceBy(10'000);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(log, (std::vector<std::string>{"a@1/1", "a@2/2"}));
  // At most kMaxStuckTicks per instant (start, 1 s, 2 s), plus the final tick.
  EXPECT_LE(stuck.ticks, 3 * TimeDriver::kMaxStuckTicks + 1);
}

TEST(TimeDriverTest, JumpListenersRunAfterEachAdvanceWithTheNewTime) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  std::vector<int64_t> jumps;
  driver.OnJump([&](int64_t now) { jumps.push_back(now); });
  ASSERT_TRUE(driver.AdvanceBy(1'000).ok());
  ASSERT_TRUE(driver.AdvanceTo(kStart + 5'000).ok());
  EXPECT_EQ(jumps, (std::vector<int64_t>{kStart + 1'000, kStart + 5'000}));
}

TEST(TimeDriverTest, ConcurrentAdvancesAddUp) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) ASSERT_TRUE(driver.AdvanceBy(1'000).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.NowMs(), kStart + 200'000);
}

TEST(TimeDriverTest, RealModeTicksAtDeadlinesAndWakesForEarlierOnes) {
  SystemClock clock;
  TimeDriver driver(clock);
  std::mutex mu;
  std::vector<std::string> log;
  ListTimekeeper a("a", clock, &log, &mu);
  std::promise<int64_t> fired;
  std::atomic<bool> once{false};
  a.on_tick = [&](int64_t now) {
    if (!once.exchange(true)) fired.set_value(now);
  };
  driver.Add(&a);
  driver.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the thread sleeps (nothing due)
  const int64_t due = clock.NowMs() + 50;
  a.Schedule(due);
  driver.Wake(due);
  auto f = fired.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  const int64_t at = f.get();
  EXPECT_GE(at, due);
  EXPECT_LT(at, due + 900) << "woken for the new deadline, not after the 1 s cap";
  driver.Stop();
  driver.Wake(0);  // after Stop: ignored
}

TEST(TimeDriverTest, VirtualModeThreadTicksWorkDueNowWithoutMovingTheClock) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  std::mutex mu;
  std::vector<std::string> log;
  ListTimekeeper a("a", clock, &log, &mu);
  std::promise<void> fired;
  a.on_tick = [&](int64_t) { fired.set_value(); };
  driver.Add(&a);
  driver.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // asleep
  a.Schedule(kStart + 60'000);
  driver.Wake(kStart + 60'000);  // future virtual time: waits for an advance
  a.Schedule(kStart);
  driver.Wake(kStart);  // due now: the thread ticks it
  auto f = fired.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::milliseconds(500)), std::future_status::ready);
  driver.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(log, (std::vector<std::string>{"a@0/0"}));
  EXPECT_EQ(clock.NowMs(), kStart);
}

TEST(ParseTimeMsTest, EpochMillisAndIso8601) {
  EXPECT_EQ(ParseTimeMs("1700000000000"), kStart);
  EXPECT_EQ(ParseTimeMs("2023-11-14T22:13:20Z"), kStart);
  EXPECT_EQ(ParseTimeMs("2023-11-14T22:13:20.123Z"), kStart + 123);
  EXPECT_EQ(ParseTimeMs("2023-11-14T22:13:20.5Z"), kStart + 500);
  EXPECT_EQ(ParseTimeMs("2023-11-14T22:13:20"), kStart) << "no zone = UTC";
  EXPECT_EQ(ParseTimeMs("2023-11-14 22:13:20Z"), kStart);
  EXPECT_EQ(ParseTimeMs("2023-11-15T07:13:20+09:00"), kStart);
  EXPECT_EQ(ParseTimeMs("2023-11-14T17:13:20-0500"), kStart);
  EXPECT_EQ(ParseTimeMs("2023-11-14T22:13Z"), kStart - 20'000);
  EXPECT_EQ(ParseTimeMs("1970-01-01"), 0);
  EXPECT_EQ(ParseTimeMs("2024-02-29T00:00:00Z"), 1'709'164'800'000);
  EXPECT_EQ(ParseTimeMs("2026-11-24T21:00:00.000Z"), 1'795'554'000'000);
  for (const char* bad : {"", "2023-11-14T25:00:00Z", "2023-02-29", "2023-13-01", "2023-11-14T22:13:20Q",
                          "2023-11-14T22", "yesterday", "-5", "1e12", "2023-11-14T22:13:20.Z",
                          "1969-12-31T23:59:59Z", "2023-11-14T22:13:20+5"}) {
    EXPECT_EQ(ParseTimeMs(bad), std::nullopt) << bad;
  }
}

TEST(ParseDurationMsTest, SecondsUnitsAndIso8601) {
  EXPECT_EQ(ParseDurationMs("90"), 90'000);
  EXPECT_EQ(ParseDurationMs("1.5"), 1'500);
  EXPECT_EQ(ParseDurationMs("0"), 0);
  EXPECT_EQ(ParseDurationMs("90s"), 90'000);
  EXPECT_EQ(ParseDurationMs("15m"), 900'000);
  EXPECT_EQ(ParseDurationMs("2h"), 7'200'000);
  EXPECT_EQ(ParseDurationMs("1d"), 86'400'000);
  EXPECT_EQ(ParseDurationMs("1w"), 7 * 86'400'000LL);
  EXPECT_EQ(ParseDurationMs("1h30m"), 5'400'000);
  EXPECT_EQ(ParseDurationMs("1d2h3m4s5ms"), 93'784'005);
  EXPECT_EQ(ParseDurationMs("500ms"), 500);
  EXPECT_EQ(ParseDurationMs("1.5h"), 5'400'000);
  EXPECT_EQ(ParseDurationMs("PT15M"), 900'000);
  EXPECT_EQ(ParseDurationMs("P1DT2H"), 93'600'000);
  EXPECT_EQ(ParseDurationMs("PT0.5S"), 500);
  for (const char* bad : {"", "-5", "-1h", "5x", "m", "30m1h", "1h1h", "1.5ms", "P", "PT", "P1H", "PT1D",
                          "1h 30m", "99999999999999999999", "200y"}) {
    EXPECT_EQ(ParseDurationMs(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace eddy
