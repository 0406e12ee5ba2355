#include "lambda/runtime/reactor.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace eddy::lambda {

int64_t Reactor::MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

Reactor::Reactor() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    std::perror("eddy: reactor");
    std::abort();
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { Loop(); });
}

Reactor::~Reactor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
  close(wake_fd_);
  close(epoll_fd_);
}

void Reactor::Wake() {
  uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof one);
  (void)n;  // a full counter already means "wake up"
}

void Reactor::Watch(int fd, std::function<void()> on_ready) {
  {
    std::lock_guard lock(mu_);
    watches_[fd] = std::move(on_ready);
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void Reactor::Unwatch(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  std::lock_guard lock(mu_);
  watches_.erase(fd);
}

Reactor::TimerId Reactor::RunAfter(int64_t delay_ms, std::function<void()> fn) {
  bool earliest;
  TimerId id;
  {
    std::lock_guard lock(mu_);
    id = next_timer_++;
    int64_t due = MonotonicMs() + std::max<int64_t>(0, delay_ms);
    auto it = timers_.emplace(std::make_pair(due, id), std::move(fn)).first;
    timer_due_[id] = due;
    earliest = it == timers_.begin();
  }
  if (earliest) Wake();
  return id;
}

void Reactor::Cancel(TimerId id) {
  std::lock_guard lock(mu_);
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase({it->second, id});
  timer_due_.erase(it);
}

void Reactor::Loop() {
  pthread_setname_np(pthread_self(), "eddy-lambda");
  std::vector<epoll_event> events(64);
  for (;;) {
    int timeout = -1;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      if (!timers_.empty()) {
        int64_t wait = timers_.begin()->first.first - MonotonicMs();
        timeout = static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
      }
    }
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        uint64_t v;
        ssize_t r = read(wake_fd_, &v, sizeof v);
        (void)r;
        continue;
      }
      std::function<void()> cb;
      {
        std::lock_guard lock(mu_);
        auto it = watches_.find(fd);
        if (it == watches_.end()) continue;
        cb = it->second;  // a copy: the callback may Unwatch itself
      }
      cb();
    }
    // Due timers, one at a time so that each may add or cancel others.
    for (;;) {
      std::function<void()> fn;
      {
        std::lock_guard lock(mu_);
        if (stopping_ || timers_.empty() || timers_.begin()->first.first > MonotonicMs()) break;
        auto it = timers_.begin();
        fn = std::move(it->second);
        timer_due_.erase(it->first.second);
        timers_.erase(it);
      }
      fn();
    }
  }
}

}  // namespace eddy::lambda
