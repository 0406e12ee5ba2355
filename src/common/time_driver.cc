#include "common/time_driver.h"

#include <algorithm>
#include <chrono>

namespace eddy {

namespace {
constexpr int64_t kMaxSleepMs = 1000;  // a wall-clock jump is noticed within a second
}  // namespace

TimeDriver::TimeDriver(const Clock& clock) : clock_(clock), virtual_clock_(nullptr) {}

TimeDriver::TimeDriver(VirtualClock& clock) : clock_(clock), virtual_clock_(&clock) {}

TimeDriver::~TimeDriver() { Stop(); }

void TimeDriver::Add(Timekeeper* timekeeper) { timekeepers_.push_back(timekeeper); }

void TimeDriver::OnJump(std::function<void(int64_t)> listener) {
  jump_listeners_.push_back(std::move(listener));
}

void TimeDriver::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void TimeDriver::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void TimeDriver::Wake(int64_t deadline_ms) {
  std::lock_guard lock(mu_);
  if (!thread_.joinable() || stopping_) return;
  if (wake_at_ == INT64_MIN) {
    replan_ = true;  // awake: it may have read the old deadline already, so make it look again
    return;
  }
  // Virtual: a later deadline waits for an advance, which ticks it itself.
  if (is_virtual() ? deadline_ms <= clock_.NowMs() : deadline_ms < wake_at_) {
    replan_ = true;
    cv_.notify_one();
  }
}

void TimeDriver::TickDue(int64_t now) {
  for (Timekeeper* tk : timekeepers_) {
    if (tk->NextDeadlineMs() <= now) tk->Tick();
  }
}

void TimeDriver::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    replan_ = false;
    lock.unlock();
    int64_t next = INT64_MAX;
    for (Timekeeper* tk : timekeepers_) next = std::min(next, tk->NextDeadlineMs());
    int64_t now = clock_.NowMs();
    if (next <= now) {
      {
        std::lock_guard advance(advance_mu_);  // never amid an advance: that keeps its order
        TickDue(clock_.NowMs());
      }
      lock.lock();
      continue;
    }
    lock.lock();
    if (stopping_ || replan_) continue;
    now = clock_.NowMs();
    // Virtual: only work due at the current time is the thread's; Wake() reports it.
    wake_at_ = is_virtual() ? now + 1 : std::min(next, now + kMaxSleepMs);
    const int64_t sleep_ms = is_virtual() ? kMaxSleepMs : std::max<int64_t>(0, wake_at_ - now);
    cv_.wait_for(lock, std::chrono::milliseconds(sleep_ms), [this] { return stopping_ || replan_; });
    wake_at_ = INT64_MIN;
  }
}

namespace {
Status RealClockError() {
  return Status::InvalidArgument("The clock is real; start eddy with --clock virtual to set it.");
}
}  // namespace

Result<int64_t> TimeDriver::AdvanceTo(int64_t target_ms) {
  if (!is_virtual()) return RealClockError();
  std::lock_guard advance(advance_mu_);
  const int64_t now = clock_.NowMs();
  if (target_ms < now) {
    return Status::InvalidArgument("The virtual clock only moves forward: it is " + FormatIsoUtcMs(now) +
                                   ", later than " + FormatIsoUtcMs(target_ms) + ".");
  }
  return AdvanceLocked(target_ms);
}

Result<int64_t> TimeDriver::AdvanceBy(int64_t delta_ms) {
  if (!is_virtual()) return RealClockError();
  if (delta_ms < 0) return Status::InvalidArgument("The clock cannot be advanced by a negative duration.");
  std::lock_guard advance(advance_mu_);  // two concurrent advances add up
  const int64_t now = clock_.NowMs();
  if (delta_ms > INT64_MAX / 2 - now) return Status::InvalidArgument("The duration is too long.");
  return AdvanceLocked(now + delta_ms);
}

int64_t TimeDriver::AdvanceLocked(int64_t target_ms) {
  int64_t now = clock_.NowMs();
  // Per timekeeper: how many ticks in a row at this `now` left its deadline due.
  std::vector<int> stuck(timekeepers_.size(), 0);
  for (;;) {
    int64_t next = INT64_MAX;
    std::vector<int64_t> deadlines(timekeepers_.size());
    for (size_t i = 0; i < timekeepers_.size(); ++i) {
      deadlines[i] = timekeepers_[i]->NextDeadlineMs();
      if (deadlines[i] <= now && stuck[i] >= kMaxStuckTicks) continue;  // given up until time moves
      next = std::min(next, deadlines[i]);
    }
    if (next > target_ms) break;
    if (next > now) {
      now = next;
      virtual_clock_->Set(now);
      std::fill(stuck.begin(), stuck.end(), 0);
    }
    // In the order they were added; each sees the others' effects at this same instant.
    for (size_t i = 0; i < timekeepers_.size(); ++i) {
      if (deadlines[i] > now || stuck[i] >= kMaxStuckTicks) continue;
      timekeepers_[i]->Tick();
      if (timekeepers_[i]->NextDeadlineMs() <= now) ++stuck[i];
    }
  }
  now = target_ms;
  virtual_clock_->Set(now);
  for (Timekeeper* tk : timekeepers_) tk->Tick();
  for (auto& listener : jump_listeners_) listener(now);
  return now;
}

}  // namespace eddy
