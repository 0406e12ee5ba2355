#pragma once
// Test helpers for the Scheduler (test binaries only): an in-memory store that replays its meta
// documents, a Dispatcher that records deliveries, a TimeDriver-like stepper and UTC time literals.

#include <cctz/time_zone.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "common/clock.h"
#include "events/dispatcher.h"
#include "scheduler/schedules.h"
#include "store/message_store.h"
#include "store/test_meta_store.h"

namespace eddy::scheduler::testing {

using store::testing::MetaStore;

class RecordingDispatcher final : public events::Dispatcher {
 public:
  void Deliver(events::Delivery d) override {
    std::lock_guard<std::mutex> lock(mu);
    deliveries.push_back(std::move(d));
  }
  std::mutex mu;
  std::vector<events::Delivery> deliveries;
};

// "2026-03-08T07:30:00Z" -> epoch ms.
inline int64_t Utc(const std::string& text) {
  std::chrono::system_clock::time_point tp;
  if (!cctz::parse("%Y-%m-%dT%H:%M:%E*SZ", text, cctz::utc_time_zone(), &tp)) return INT64_MIN;
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

inline std::string IsoUtc(int64_t ms) {
  return cctz::format("%Y-%m-%dT%H:%M:%E3SZ",
                      std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)),
                      cctz::utc_time_zone());
}

// Moves `clock` to `target_ms` the way the virtual TimeDriver does: deadline by deadline, ticking at
// each, so everything due on the way fires in order.
inline void RunUntil(FakeClock& clock, Timekeeper& keeper, int64_t target_ms) {
  for (int guard = 0; guard < 100000; ++guard) {
    int64_t next = keeper.NextDeadlineMs();
    if (next > target_ms) break;
    if (next > clock.NowMs()) clock.Set(next);
    keeper.Tick();
  }
  clock.Set(target_ms);
}

// A ScheduleSpec from a CreateSchedule body (JSON text); fails the test on a parse error.
inline ScheduleSpec Spec(const std::string& name, const std::string& body_json) {
  auto spec = ParseScheduleRequest(name, boost::json::parse(body_json).as_object());
  if (!spec) throw std::runtime_error("spec " + name + ": " + spec.error().message);
  return std::move(spec).value();
}

}  // namespace eddy::scheduler::testing
