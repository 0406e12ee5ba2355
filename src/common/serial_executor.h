#pragma once
// SerialExecutor: one thread that runs posted tasks one at a time, in due-time order (FIFO among equal
// due times). For components whose continuations arrive on other threads' stacks (engine callbacks,
// invoke completions): posting them here keeps their state single-threaded and their recursion bounded.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace eddy {

class SerialExecutor {
 public:
  explicit SerialExecutor(std::string thread_name);
  ~SerialExecutor();  // Stop()
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Runs `task` on the executor's thread, `delay_ms` from now (monotonic). Dropped after Stop().
  void Post(std::function<void()> task, int64_t delay_ms = 0);
  // Drops pending tasks, waits for the running one, and joins the thread. Idempotent; not from a task.
  void Stop();

 private:
  void Loop(const std::string& thread_name);

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<int64_t, std::function<void()>> tasks_;  // by due time (steady ms)
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eddy
