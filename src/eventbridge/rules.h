#pragma once
// Rules: EventBridge rules on the default event bus, their targets, and what makes them fire
// (reference/lambda.md §6.1–6.4). Plain logic behind a Clock, a MessageStore and a Dispatcher:
//   - a rule with a ScheduleExpression fires at each due minute (UTC) with the "Scheduled Event"
//     envelope; rate(...) counts from the rule's creation;
//   - a rule with an EventPattern receives the PutEvents entries it matches;
//   - each enabled target gets the event through its TargetInput (Input / InputPath / InputTransformer)
//     and the Dispatcher, which owns retries and dead-letter queues.
// Rules are documents in the store's meta table; mutations return the store ticket to wait on.
// After a restart each schedule continues from the current time: fires missed while Eddy was down are
// skipped, not replayed in a burst.
//
// Thread-safety: every method may be called from any thread. Tick() delivers outside the lock.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "common/clock.h"
#include "common/timekeeper.h"
#include "events/dispatcher.h"
#include "eventbridge/errors.h"
#include "events/pattern.h"
#include "events/schedule_expression.h"
#include "events/target_input.h"
#include "store/message_store.h"

namespace eddy::eventbridge {

using events::Delivery;
using events::Dispatcher;
using events::Pattern;
using events::RetryPolicy;
using events::ScheduleExpression;
using events::TargetInput;

inline constexpr std::string_view kDefaultBus = "default";

struct RuleKey {
  std::string region, account, bus, name;
  auto operator<=>(const RuleKey&) const = default;
};

struct RuleTarget {
  std::string id;
  std::string arn;
  boost::json::object spec;  // the Target object as given to PutTargets (ListTargetsByRule echoes it)
  TargetInput input;
  RetryPolicy retry;
  std::string dead_letter_arn;
  std::string message_group_id;
};

struct Rule {
  RuleKey key;
  std::string schedule_expression;  // empty = none
  std::string event_pattern;        // empty = none
  bool enabled = true;
  std::string description;
  std::string role_arn;
  std::vector<std::pair<std::string, std::string>> tags;
  int64_t created_ms = 0;  // rate(...) counts from here
  std::vector<RuleTarget> targets;

  std::string Arn() const;
};

// A target from its PutTargets object; nullopt with AWS's message if its input settings are invalid.
std::optional<RuleTarget> TargetFromSpec(const boost::json::object& spec, std::string* error,
                                         int target_index = 1);

class Rules final : public Timekeeper {
 public:
  Rules(const Clock& clock, store::MessageStore& store, Dispatcher& dispatcher,
        std::function<void()> wake = {});

  eddy::Status Recover();

  // Creates or replaces a rule (every attribute but its targets, tags and creation time). `rule` must be
  // validated (Api does). Returns the store ticket.
  Result<uint64_t> Put(Rule rule);
  Result<Rule> Describe(const RuleKey& key);
  std::vector<Rule> List(const std::string& region, const std::string& account, const std::string& bus,
                         const std::string& prefix);
  Result<uint64_t> SetEnabled(const RuleKey& key, bool enabled);
  Result<uint64_t> Delete(const RuleKey& key, bool force);
  // Adds or replaces targets by Id; at most 5 per rule (LimitExceededException otherwise).
  Result<uint64_t> PutTargets(const RuleKey& key, std::vector<RuleTarget> targets);
  Result<uint64_t> RemoveTargets(const RuleKey& key, const std::vector<std::string>& ids);
  std::vector<std::string> RuleNamesByTarget(const std::string& region, const std::string& account,
                                             const std::string& bus, const std::string& target_arn);
  Result<std::vector<std::pair<std::string, std::string>>> Tags(const std::string& rule_arn);
  Result<uint64_t> Tag(const std::string& rule_arn, const std::vector<std::pair<std::string, std::string>>& tags);
  Result<uint64_t> Untag(const std::string& rule_arn, const std::vector<std::string>& keys);

  // Routes one PutEvents entry (already wrapped in the envelope) to every enabled rule whose pattern
  // matches it. Returns how many rules matched.
  size_t Publish(const RuleKey& bus, const boost::json::object& event);
  // A store ticket after everything deliveries appended so far (SQS sends, queued Lambda events): the
  // store makes appends durable in order, so once it is durable, so are they. PutEvents answers after
  // it, so an accepted event survives a crash.
  uint64_t DurabilityBarrier();

  // Timekeeper: schedule fires.
  int64_t NextDeadlineMs() override;
  void Tick() override;

 private:
  struct Entry {
    Rule rule;
    std::optional<ScheduleExpression> schedule;
    std::optional<Pattern> pattern;
    int64_t next_fire_ms = INT64_MAX;
  };
  struct Fire {
    Rule rule;  // a copy: targets may change while we deliver
    int64_t at_ms;
  };

  Result<Entry*> FindLocked(const RuleKey& key);
  Entry* FindByArnLocked(const std::string& arn);
  void ScheduleLocked(Entry& e, int64_t after_ms);
  void UnscheduleLocked(Entry& e);
  uint64_t PersistLocked(const Entry& e);
  void DeliverToTargets(const Rule& rule, const boost::json::object& event, int64_t event_time_ms);

  const Clock& clock_;
  store::MessageStore& store_;
  Dispatcher& dispatcher_;
  const std::function<void()> wake_;
  std::mutex mu_;
  std::map<RuleKey, Entry> rules_;
  std::set<std::pair<int64_t, RuleKey>> fires_;  // (next fire, rule)
};

// Document codec (exposed for tests).
std::string EncodeRule(const Rule& rule);
std::optional<Rule> DecodeRule(const std::string& doc);

}  // namespace eddy::eventbridge
