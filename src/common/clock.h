#pragma once
// Clock: every timer in Eddy reads time through this interface, so tests (and later the virtual clock)
// control time without sleeping. Time is epoch milliseconds.

#include <atomic>
#include <cstdint>
#include <string>

namespace eddy {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

// "2026-03-01T12:00:03.012Z": UTC with milliseconds, as AWS prints times in logs and records.
std::string FormatIsoUtcMs(int64_t epoch_ms);

// Wall-clock time (CLOCK_REALTIME), the default.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t ms) { now_.store(ms, std::memory_order_relaxed); }
  void Advance(int64_t ms) { now_.fetch_add(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace eddy
