#pragma once
// Reactor: one thread that watches file descriptors (child-process pipes and pidfds) and runs timers
// (invoke deadlines, memory checks, idle reaping). Callbacks run on the reactor thread, never under the
// reactor's own lock, so they may call back into the reactor.
//
// Timers use the monotonic clock: they bound how long real processes may run, which a virtual clock
// must not fast-forward.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace eddy::lambda {

class Reactor {
 public:
  Reactor();
  ~Reactor();  // stops the thread; pending timers are dropped
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Calls `on_ready` whenever `fd` is readable (or hung up) until Unwatch(fd). The fd stays owned by
  // the caller; Unwatch before closing it.
  void Watch(int fd, std::function<void()> on_ready);
  void Unwatch(int fd);

  using TimerId = uint64_t;
  TimerId RunAfter(int64_t delay_ms, std::function<void()> fn);
  void Cancel(TimerId id);  // harmless if it already ran

  static int64_t MonotonicMs();

 private:
  void Loop();
  void Wake();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mu_;
  std::unordered_map<int, std::function<void()>> watches_;
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;
  std::unordered_map<TimerId, int64_t> timer_due_;
  TimerId next_timer_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eddy::lambda
