#include "common/serial_executor.h"

#include <pthread.h>

#include <chrono>
#include <utility>

namespace eddy {
namespace {

int64_t SteadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

SerialExecutor::SerialExecutor(std::string thread_name)
    : thread_([this, name = std::move(thread_name)] { Loop(name); }) {}

SerialExecutor::~SerialExecutor() { Stop(); }

void SerialExecutor::Post(std::function<void()> task, int64_t delay_ms) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    tasks_.emplace(SteadyMs() + delay_ms, std::move(task));
  }
  cv_.notify_one();
}

void SerialExecutor::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    tasks_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SerialExecutor::Loop(const std::string& thread_name) {
  pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return;
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const int64_t wait = tasks_.begin()->first - SteadyMs();
    if (wait > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(wait));
      continue;
    }
    std::function<void()> task = std::move(tasks_.begin()->second);
    tasks_.erase(tasks_.begin());
    lock.unlock();
    task();
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
  }
}

}  // namespace eddy
