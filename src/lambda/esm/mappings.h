#pragma once
// Mappings: the SQS event source mappings of every account and region (reference/lambda.md §1.10,
// §5) and the rules that change them. No HTTP: the API layer parses requests into the typed arguments
// below and renders the records it gets back.
//
// State: one record per mapping under one mutex. Every change appends the mapping's whole document
// (`lambda/esm/<uuid>`) to the store's meta table while holding the lock; callers answer only once
// `MappingChange::ticket` is durable. Recover() reads the documents back.
//
// States: the stored state is only Enabled/Disabled. The transitional states AWS shows (Creating,
// Updating, Enabling, Disabling, Deleting) appear only in the answer of the call that caused them;
// later reads show the settled state, as functions already do (Pending → Active).
//
// The poller: SetObserver() receives an immutable MappingSnapshot after every create/update (with
// `deleted` after a delete) and once per mapping after Recover(). Observers run outside the state
// lock, one at a time and in commit order (whichever caller finds the queue of pending snapshots
// idle delivers it), so they may call any method; a mutation's own notification may be delivered by
// another thread shortly after the mutation returns.
//
// Thread-safety: every public method may be called from any thread.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "lambda/errors.h"
#include "lambda/esm/mapping.h"
#include "lambda/names.h"
#include "store/message_store.h"

namespace eddy::lambda {

class Registry;

// What the mappings need to know about a queue (wired to the SQS engine). nullopt: no such queue.
struct QueueInfo {
  bool fifo = false;
  int64_t visibility_timeout_s = 30;
};
using QueueLookup = std::function<std::optional<QueueInfo>(const std::string& queue_arn)>;

// The timeout of a function's qualifier ("" = unqualified); nullopt: no such function or qualifier.
using FunctionTimeoutLookup =
    std::function<std::optional<int64_t>(const FunctionId& id, const std::string& qualifier)>;
// The lookup backed by the Lambda registry (an alias counts with the timeout of its main version).
FunctionTimeoutLookup RegistryTimeoutLookup(const Registry& registry);

// One mapping, as stored.
struct MappingRecord {
  std::string uuid;
  FunctionId function;
  std::string qualifier;  // "" = unqualified
  std::string event_source_arn;
  int64_t batch_size = 10;
  int64_t maximum_batching_window_s = 0;
  bool report_batch_item_failures = false;
  int64_t maximum_concurrency = 0;  // 0 = no ScalingConfig
  bool has_filter_criteria = false;  // FilterCriteria given (possibly with no filters)
  std::vector<std::string> filter_patterns;
  bool enabled = true;
  int64_t last_modified_ms = 0;
  std::string last_processing_result = "No records processed";
  std::map<std::string, std::string> tags;

  std::string FunctionArn() const {
    return qualifier.empty() ? function.Arn() : function.QualifiedArn(qualifier);
  }
  std::string MappingArn() const {
    return "arn:aws:lambda:" + function.region + ":" + function.account + ":event-source-mapping:" + uuid;
  }
  std::string SettledState() const { return enabled ? "Enabled" : "Disabled"; }
};

// Create: everything (defaults already applied by the caller where the request was silent).
struct MappingSpec {
  FunctionId function;
  std::string qualifier;
  std::string event_source_arn;
  std::optional<int64_t> batch_size;
  std::optional<int64_t> maximum_batching_window_s;
  bool report_batch_item_failures = false;
  int64_t maximum_concurrency = 0;
  std::optional<std::vector<std::string>> filter_patterns;
  bool enabled = true;
  std::map<std::string, std::string> tags;
};

// Update: the fields given (unset = unchanged).
struct MappingPatch {
  std::optional<FunctionId> function;
  std::optional<std::string> qualifier;  // with `function`
  std::optional<int64_t> batch_size;
  std::optional<int64_t> maximum_batching_window_s;
  std::optional<bool> report_batch_item_failures;
  std::optional<int64_t> maximum_concurrency;  // 0 = remove ScalingConfig
  std::optional<std::vector<std::string>> filter_patterns;  // empty = remove FilterCriteria
  std::optional<bool> enabled;
};

// A committed change: the record afterwards (before, for a delete), the state to answer with and
// the store ticket to wait for.
struct MappingChange {
  MappingRecord record;
  std::string state;  // Creating, Updating, Enabling, Disabling, Deleting
  uint64_t ticket = 0;
};

// EventBridge-style pattern check used for FilterCriteria: a JSON object whose leaves are arrays
// (of values or operator objects). Exposed for tests.
bool IsValidFilterPattern(std::string_view pattern);

class Mappings {
 public:
  Mappings(const Clock& clock, store::MessageStore& store, FunctionTimeoutLookup functions,
           QueueLookup queues);
  Mappings(const Mappings&) = delete;
  Mappings& operator=(const Mappings&) = delete;

  // Loads every mapping document, then tells the observer about each. Call once, before serving.
  eddy::Status Recover();

  // The poller's hook (see the header comment). Set it before Recover().
  void SetObserver(std::function<void(const MappingPtr&)> observer);

  // ---- Reads ----
  Result<MappingRecord> Get(const std::string& uuid) const;  // 404 if missing
  // The mappings of one account in one region, by UUID. Filters: empty = any; `function` matches the
  // name (and, when `qualifier` is set, the qualifier too).
  std::vector<MappingRecord> List(const std::string& region, const std::string& account,
                                  const std::string& event_source_arn,
                                  const std::optional<FunctionId>& function,
                                  const std::optional<std::string>& qualifier) const;
  // Every mapping as the poller sees it.
  std::vector<MappingPtr> Snapshots() const;

  // ---- Changes ----
  Result<MappingChange> Create(MappingSpec spec);
  Result<MappingChange> Update(const std::string& uuid, const MappingPatch& patch);
  Result<MappingChange> Delete(const std::string& uuid);
  Result<MappingChange> Tag(const std::string& uuid, const std::map<std::string, std::string>& tags);
  Result<MappingChange> Untag(const std::string& uuid, const std::vector<std::string>& keys);

  // The poller's report ("OK", "PROBLEM: Function call failed"). In memory only; unknown UUIDs are
  // ignored (the mapping may just have been deleted).
  void RecordProcessingResult(const std::string& uuid, std::string result);

  // "arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID" → UUID (empty if not such an ARN).
  static std::string UuidOfArn(std::string_view arn);
  static MappingPtr Snapshot(const MappingRecord& r, bool deleted);

 private:
  // Checks a would-be record against the function, the queue and the other mappings.
  Status CheckLocked(const MappingRecord& r, const std::string& except_uuid) const;
  // Persists `r` (or its deletion) and returns the ticket; the caller notifies after unlocking.
  uint64_t PersistLocked(const MappingRecord& r, bool deleted);
  // Queues the snapshot (under mu_), then delivers pending snapshots unless another thread is.
  void Notify(std::unique_lock<std::mutex>& state_lock, const MappingRecord& r, bool deleted);
  void DeliverPending(std::unique_lock<std::mutex>& state_lock);

  const Clock& clock_;
  store::MessageStore& store_;
  const FunctionTimeoutLookup functions_;
  const QueueLookup queues_;

  mutable std::mutex mu_;
  std::map<std::string, MappingRecord> mappings_;  // by UUID
  std::function<void(const MappingPtr&)> observer_;
  std::deque<MappingPtr> pending_;  // snapshots not yet delivered, in commit order
  bool delivering_ = false;
};

}  // namespace eddy::lambda
