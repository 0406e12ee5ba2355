#pragma once
// Timekeeper: a component whose work falls due at times read from the Clock (SQS timers, rule and
// schedule fires, delivery retries). The TimeDriver (time_driver.h) calls Tick() at each deadline: from
// a thread against the real clock, or step by step when the virtual clock is advanced, so that
// everything due fires in deadline order.

#include <cstdint>

namespace eddy {

class Timekeeper {
 public:
  virtual ~Timekeeper() = default;
  // The earliest time (epoch ms, on the Clock) at which Tick() has work; INT64_MAX if none.
  virtual int64_t NextDeadlineMs() = 0;
  // Does everything due at the Clock's current time.
  virtual void Tick() = 0;
};

}  // namespace eddy
