#pragma once
// Schedules: EventBridge Scheduler's schedules and schedule groups for every account and region, and
// the clock-driven firing of their targets (reference/lambda.md §6.5). No HTTP: http_handler.cc parses
// requests into ScheduleSpec (model.h) and renders what it gets back.
//
// State: one record per schedule and per explicit schedule group under one mutex. Every change appends
// the record's whole document (`scheduler/schedule/<region>/<account>/<group>/<name>`,
// `scheduler/group/<region>/<account>/<name>`) to the store's meta table while holding the lock; callers
// answer only once `Change::ticket` is durable. Recover() reads the documents back. The `default`
// group of every region exists implicitly (it has a document only once tagged) and cannot be deleted;
// deleting another group deletes its schedules in the same atomic append.
//
// Firing (Timekeeper): each enabled schedule has at most one pending occurrence. Tick() fires every
// occurrence due at clock.NowMs() once, in time order, as one events::Delivery to the Dispatcher
// (outside the lock), then plans the schedule's next occurrence:
//   - cron(...) in ScheduleExpressionTimezone (DST handled by ScheduleExpression); rate(...) counted
//     from StartDate, or from the creation/last update when there is none (its first fire is then
//     immediate); at(...) once, StartDate/EndDate ignored.
//   - nothing fires before StartDate or after EndDate; ActionAfterCompletion DELETE removes a one-time
//     schedule right after its invocation and a recurring one once EndDate has passed.
//   - FlexibleTimeWindow FLEXIBLE fires at a uniformly random point of [scheduled, scheduled + window]
//     (seeded RNG: SchedulesOptions::seed makes tests deterministic).
//   - No catch-up after downtime (Recover) or a clock jump: a recurring schedule resumes with its first
//     occurrence after now; a one-time schedule whose time passed while Eddy was down (or that is
//     created with a time in the past) fires once, immediately, if that time is no older than its
//     RetryPolicy's MaximumEventAgeInSeconds, and otherwise completes without firing.
// The delivery carries the Input (or "{}"), with <aws.scheduler.*> context attributes substituted for
// the first attempt, the RetryPolicy, the DLQ and the dead-letter context FormatScheduleDeadLetter
// reads (EXECUTION_ID, SCHEDULED_TIME). Its event_time_ms is the moment of invocation, so a FLEXIBLE
// window does not eat into MaximumEventAgeInSeconds.
//
// `wake` is called (outside the lock) whenever a change creates a deadline earlier than any pending one,
// so a real-time driver can re-plan its sleep.
//
// Thread-safety: every public method may be called from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/timekeeper.h"
#include "events/dispatcher.h"
#include "scheduler/errors.h"
#include "scheduler/model.h"
#include "store/message_store.h"

namespace eddy::events {
class ScheduleExpression;
}

namespace eddy::scheduler {

struct RequestContext {
  std::string region = "us-east-1";
  std::string account = "000000000000";
};

// A committed change: the ARN it concerns and the store ticket to wait for (0 = nothing written).
struct Change {
  std::string arn;
  uint64_t ticket = 0;
};

struct ListSchedulesQuery {
  std::optional<std::string> group;  // ScheduleGroup
  std::string name_prefix;
  std::optional<bool> enabled;       // State
  std::string next_token;
  int32_t max_results = 100;
};

struct ListGroupsQuery {
  std::string name_prefix;
  std::string next_token;
  int32_t max_results = 100;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_token;  // "" = last page
};

struct SchedulesOptions {
  uint64_t seed = 0;  // FLEXIBLE window offsets; 0 = seeded from std::random_device
};

class Schedules final : public Timekeeper {
 public:
  Schedules(const Clock& clock, store::MessageStore& store, events::Dispatcher& dispatcher,
            std::function<void()> wake, SchedulesOptions options = {});
  ~Schedules() override;
  Schedules(const Schedules&) = delete;
  Schedules& operator=(const Schedules&) = delete;

  // Loads every group and schedule document and plans their next occurrences (no catch-up). Call
  // once, before serving and before anything else appends to the store.
  eddy::Status Recover();

  // ---- Schedules ----
  Result<Change> CreateSchedule(const RequestContext& ctx, ScheduleSpec spec);
  Result<Change> UpdateSchedule(const RequestContext& ctx, ScheduleSpec spec);  // replaces everything
  Result<Change> DeleteSchedule(const RequestContext& ctx, const std::string& group, const std::string& name);
  Result<ScheduleRecord> GetSchedule(const RequestContext& ctx, const std::string& group,
                                     const std::string& name) const;
  Result<Page<ScheduleRecord>> ListSchedules(const RequestContext& ctx, const ListSchedulesQuery& q) const;

  // ---- Schedule groups ----
  Result<Change> CreateGroup(const RequestContext& ctx, const std::string& name,
                             std::map<std::string, std::string> tags);
  Result<GroupRecord> GetGroup(const RequestContext& ctx, const std::string& name) const;
  Result<Change> DeleteGroup(const RequestContext& ctx, const std::string& name);
  Result<Page<GroupRecord>> ListGroups(const RequestContext& ctx, const ListGroupsQuery& q) const;

  // ---- Tags (schedule groups only; the region and account come from the ARN) ----
  Result<std::map<std::string, std::string>> ListTags(const std::string& group_arn) const;
  Result<Change> Tag(const std::string& group_arn, const std::map<std::string, std::string>& tags);
  Result<Change> Untag(const std::string& group_arn, const std::vector<std::string>& keys);

  // ---- Timekeeper ----
  int64_t NextDeadlineMs() override;
  void Tick() override;

  // The time the pending occurrence of a schedule fires at (tests, diagnostics); nullopt = none.
  std::optional<int64_t> PendingFireMs(const RequestContext& ctx, const std::string& group,
                                       const std::string& name) const;

 private:
  struct Entry;

  Result<Change> PutSchedule(const RequestContext& ctx, ScheduleSpec spec, bool create);
  // Computes the entry's pending action from its record, for occurrences strictly after `after_ms`
  // (recurring) and the time `now`. Updates timeline_. May mark a one-time schedule completed
  // (returns true then: the caller persists it).
  bool PlanLocked(Entry& e, int64_t after_ms, int64_t now);
  void UnplanLocked(Entry& e);
  uint64_t PersistLocked(const ScheduleRecord& r);
  uint64_t EraseScheduleLocked(const std::string& key);  // returns the store ticket
  std::optional<GroupRecord> FindGroupLocked(const std::string& region, const std::string& account,
                                             const std::string& name) const;
  int64_t EarliestLocked() const;
  void WakeIfEarlier(int64_t before);  // after unlocking
  int64_t FlexibleOffsetLocked(const ScheduleSpec& spec);

  const Clock& clock_;
  store::MessageStore& store_;
  events::Dispatcher& dispatcher_;
  const std::function<void()> wake_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> schedules_;  // by ScheduleRecord::Key()
  std::map<std::string, GroupRecord> groups_;                // by region/account/name
  std::set<std::pair<int64_t, std::string>> timeline_;       // (fire at, schedule key)
  std::mt19937_64 rng_;
};

}  // namespace eddy::scheduler
