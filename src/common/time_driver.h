#pragma once
// TimeDriver: calls Timekeeper::Tick() when each timekeeper's work falls due.
//
// Real clock (the default): one thread sleeps until the earliest NextDeadlineMs() (at most 1 s, so a
// wall-clock jump is noticed) and ticks the timekeepers that are due. A timekeeper whose deadline moves
// earlier calls Wake(deadline); that costs one comparison unless the thread sleeps past it.
//
// Virtual clock (`eddy serve --clock virtual`): time moves only in AdvanceTo()/AdvanceBy(). An advance
// walks the deadlines in order: it sets the clock to the earliest one, ticks the timekeepers due then
// (in the order they were added), and repeats until the target, so that everything falling due on the
// way fires in time order and the same way every run. Advances are serialized. Listeners added with
// OnJump() run after each advance (e.g. to retire Lambda environments that see the old time). The thread
// only ticks work due at the current (frozen) time that a Wake() reports, never amid an advance.
//
// Thread-safety: Add() and OnJump() before Start(); everything else from any thread. Timekeepers are
// ticked from the driver's thread (real) or the advancing caller's thread (virtual), never under the
// driver's lock, so Tick() may call Wake().

#include <climits>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/timekeeper.h"

namespace eddy {

class TimeDriver {
 public:
  // Real mode.
  explicit TimeDriver(const Clock& clock);
  // Virtual mode: the driver is the only one that moves `clock`.
  explicit TimeDriver(VirtualClock& clock);
  ~TimeDriver();  // Stop()
  TimeDriver(const TimeDriver&) = delete;
  TimeDriver& operator=(const TimeDriver&) = delete;

  void Add(Timekeeper* timekeeper);
  // Called with the new time after every advance (virtual mode), on the advancing thread.
  void OnJump(std::function<void(int64_t now_ms)> listener);

  // Starts the thread.
  void Start();
  // Joins the thread; later Wake()s are ignored. Idempotent.
  void Stop();

  // A timekeeper's next deadline is now `deadline_ms` (or earlier); INT64_MIN = re-plan at once. Cheap
  // (no wake-up) unless the thread sleeps past it.
  void Wake(int64_t deadline_ms = INT64_MIN);

  bool is_virtual() const { return virtual_clock_ != nullptr; }
  const Clock& clock() const { return clock_; }
  int64_t NowMs() const { return clock_.NowMs(); }

  // Virtual mode: moves the clock to `target_ms`, firing everything due on the way; returns the new
  // time. Errors: the clock is real; the target is in the past.
  Result<int64_t> AdvanceTo(int64_t target_ms);
  Result<int64_t> AdvanceBy(int64_t delta_ms);

  // How many times in a row a timekeeper may report a deadline that its Tick() left in the past before
  // the advance stops waiting for it (a timekeeper bug must not hang the clock).
  static constexpr int kMaxStuckTicks = 100;

 private:
  void Loop();
  // Ticks every timekeeper whose deadline is <= now (each once).
  void TickDue(int64_t now);
  // The advance itself (advance_mu_ held, target_ms >= now); returns the new time.
  int64_t AdvanceLocked(int64_t target_ms);

  const Clock& clock_;
  VirtualClock* const virtual_clock_;  // null in real mode
  std::vector<Timekeeper*> timekeepers_;
  std::vector<std::function<void(int64_t)>> jump_listeners_;

  std::mutex advance_mu_;  // serializes advances

  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  int64_t wake_at_ = INT64_MIN;  // when the sleeping thread wakes; INT64_MIN = awake (or no thread)
  bool replan_ = false;
  bool stopping_ = false;
};

}  // namespace eddy
