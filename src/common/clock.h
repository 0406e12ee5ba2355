#pragma once
// Clock: every timer in Eddy reads time through this interface, so tests (and later the virtual clock)
// control time without sleeping. Time is epoch milliseconds.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

// "2026-03-01T12:00:03.012Z": UTC with milliseconds, as AWS prints times in logs and records.
std::string FormatIsoUtcMs(int64_t epoch_ms);

// Parses a point in time: epoch milliseconds (digits only) or ISO-8601 "YYYY-MM-DD[THH:MM[:SS[.fff]]]"
// with "Z", "±HH:MM" or "±HHMM" (no zone = UTC). nullopt if malformed or out of range.
std::optional<int64_t> ParseTimeMs(std::string_view text);
// Parses a non-negative duration: seconds as a plain number ("90", "1.5"), units ("500ms", "90s",
// "15m", "2h", "1d", "1w", combined largest first: "1h30m"), or ISO-8601 ("PT15M", "P1DT2H").
// nullopt if malformed, negative or over ~100 years.
std::optional<int64_t> ParseDurationMs(std::string_view text);

// Wall-clock time (CLOCK_REALTIME), the default.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

// `eddy serve --clock virtual`: frozen between calls to Set(), which only the TimeDriver makes (so that
// whatever falls due on the way fires in order). Thread-safe.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(int64_t start_ms) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(std::memory_order_acquire); }
  void Set(int64_t ms) { now_.store(ms, std::memory_order_release); }

 private:
  std::atomic<int64_t> now_;
};

// A clock that only moves when told to (unit tests). Thread-safe.
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
