#include "eventbridge/rules.h"

#include <algorithm>
#include <climits>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/log.h"

namespace eddy::eventbridge {
namespace {

namespace json = boost::json;
using events::DeadLetterFormat;
using events::InputContext;
using events::MakeEvent;

constexpr std::string_view kDocPrefix = "events/rule/";
constexpr size_t kMaxTargetsPerRule = 5;
// A scheduled fire found more than this late (Eddy was down or stalled) is skipped, not replayed.
constexpr int64_t kMissedFireGraceMs = 60'000;

std::string DocKey(const RuleKey& k) {
  return std::string(kDocPrefix) + k.region + "/" + k.account + "/" + k.bus + "/" + k.name;
}

std::string Str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

Unexpected<Error> RuleNotFound(const RuleKey& k) {
  return Fail(Errc::kResourceNotFound, "Rule " + k.name + " does not exist on EventBus " + k.bus + ".");
}

}  // namespace

std::string Rule::Arn() const {
  return "arn:aws:events:" + key.region + ":" + key.account + ":rule/" +
         (key.bus == kDefaultBus ? std::string() : key.bus + "/") + key.name;
}

std::optional<RuleTarget> TargetFromSpec(const json::object& spec, std::string* error, int target_index) {
  RuleTarget t;
  t.id = Str(spec, "Id");
  t.arn = Str(spec, "Arn");
  std::optional<TargetInput> input = TargetInput::Parse(spec, error, target_index);
  if (!input) return std::nullopt;
  t.input = std::move(*input);
  if (auto it = spec.find("RetryPolicy"); it != spec.end() && it->value().is_object()) {
    const json::object& rp = it->value().get_object();
    if (auto a = rp.find("MaximumRetryAttempts"); a != rp.end() && a->value().is_int64()) {
      t.retry.maximum_retry_attempts = static_cast<int32_t>(a->value().get_int64());
    }
    if (auto a = rp.find("MaximumEventAgeInSeconds"); a != rp.end() && a->value().is_int64()) {
      t.retry.maximum_event_age_seconds = static_cast<int32_t>(a->value().get_int64());
    }
  }
  if (auto it = spec.find("DeadLetterConfig"); it != spec.end() && it->value().is_object()) {
    t.dead_letter_arn = Str(it->value().get_object(), "Arn");
  }
  if (auto it = spec.find("SqsParameters"); it != spec.end() && it->value().is_object()) {
    t.message_group_id = Str(it->value().get_object(), "MessageGroupId");
  }
  t.spec = spec;
  return t;
}

std::string EncodeRule(const Rule& r) {
  json::object o;
  o["Region"] = r.key.region;
  o["Account"] = r.key.account;
  o["EventBusName"] = r.key.bus;
  o["Name"] = r.key.name;
  if (!r.schedule_expression.empty()) o["ScheduleExpression"] = r.schedule_expression;
  if (!r.event_pattern.empty()) o["EventPattern"] = r.event_pattern;
  o["State"] = r.enabled ? "ENABLED" : "DISABLED";
  if (!r.description.empty()) o["Description"] = r.description;
  if (!r.role_arn.empty()) o["RoleArn"] = r.role_arn;
  json::array tags;
  for (const auto& [k, v] : r.tags) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  o["Tags"] = std::move(tags);
  o["CreatedMs"] = r.created_ms;
  json::array targets;
  for (const auto& t : r.targets) targets.push_back(t.spec);
  o["Targets"] = std::move(targets);
  return json::serialize(o);
}

std::optional<Rule> DecodeRule(const std::string& doc) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  Rule r;
  r.key = {Str(o, "Region"), Str(o, "Account"), Str(o, "EventBusName"), Str(o, "Name")};
  r.schedule_expression = Str(o, "ScheduleExpression");
  r.event_pattern = Str(o, "EventPattern");
  r.enabled = Str(o, "State") != "DISABLED";
  r.description = Str(o, "Description");
  r.role_arn = Str(o, "RoleArn");
  if (auto it = o.find("Tags"); it != o.end() && it->value().is_array()) {
    for (const auto& t : it->value().get_array()) {
      if (t.is_object()) r.tags.emplace_back(Str(t.get_object(), "Key"), Str(t.get_object(), "Value"));
    }
  }
  if (auto it = o.find("CreatedMs"); it != o.end() && it->value().is_int64()) r.created_ms = it->value().get_int64();
  if (auto it = o.find("Targets"); it != o.end() && it->value().is_array()) {
    for (const auto& t : it->value().get_array()) {
      if (!t.is_object()) continue;
      std::string error;
      if (auto target = TargetFromSpec(t.get_object(), &error)) r.targets.push_back(std::move(*target));
    }
  }
  if (r.key.name.empty()) return std::nullopt;
  return r;
}

Rules::Rules(const Clock& clock, store::MessageStore& store, Dispatcher& dispatcher,
             std::function<void()> wake)
    : clock_(clock), store_(store), dispatcher_(dispatcher), wake_(std::move(wake)) {}

eddy::Status Rules::Recover() {
  std::vector<Rule> loaded;
  eddy::Status st = store_.LoadMeta(std::string(kDocPrefix), [&](const std::string& key, const std::string& doc) {
    std::optional<Rule> r = DecodeRule(doc);
    if (!r) {
      log::Warn("skipping an unreadable EventBridge rule document: " + key);
      return;
    }
    loaded.push_back(std::move(*r));
  });
  if (!st.ok()) return st;
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  for (Rule& r : loaded) {
    Entry e;
    e.schedule = r.schedule_expression.empty()
                     ? std::nullopt
                     : ScheduleExpression::Parse(r.schedule_expression, ScheduleExpression::Dialect::kRule);
    e.pattern = r.event_pattern.empty() ? std::nullopt : Pattern::Parse(r.event_pattern);
    RuleKey key = r.key;
    e.rule = std::move(r);
    Entry& stored = rules_[key] = std::move(e);
    ScheduleLocked(stored, now);  // missed fires are skipped: the next one after now
  }
  return st;
}

void Rules::ScheduleLocked(Entry& e, int64_t after_ms) {
  UnscheduleLocked(e);
  if (!e.schedule || !e.rule.enabled) return;
  static const cctz::time_zone utc = cctz::utc_time_zone();
  std::optional<int64_t> next = e.schedule->NextFireAfter(after_ms, e.rule.created_ms, utc);
  if (!next) return;
  e.next_fire_ms = *next;
  const bool earliest = fires_.empty() || *next < fires_.begin()->first;
  fires_.emplace(*next, e.rule.key);
  if (earliest && wake_) wake_();
}

void Rules::UnscheduleLocked(Entry& e) {
  if (e.next_fire_ms != INT64_MAX) fires_.erase({e.next_fire_ms, e.rule.key});
  e.next_fire_ms = INT64_MAX;
}

uint64_t Rules::PersistLocked(const Entry& e) {
  return store_.Append(store::PutMeta{DocKey(e.rule.key), EncodeRule(e.rule)});
}

Result<Rules::Entry*> Rules::FindLocked(const RuleKey& key) {
  auto it = rules_.find(key);
  if (it == rules_.end()) return RuleNotFound(key);
  return &it->second;
}

Rules::Entry* Rules::FindByArnLocked(const std::string& arn) {
  for (auto& [key, e] : rules_) {
    if (e.rule.Arn() == arn) return &e;
  }
  return nullptr;
}

Result<uint64_t> Rules::Put(Rule rule) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  auto it = rules_.find(rule.key);
  Entry e;
  if (it != rules_.end()) {
    // PutRule replaces the rule's attributes; its targets and tags stay, and a rate keeps its anchor
    // unless the expression changed.
    rule.targets = std::move(it->second.rule.targets);
    rule.tags = std::move(it->second.rule.tags);
    rule.created_ms = it->second.rule.schedule_expression == rule.schedule_expression
                          ? it->second.rule.created_ms
                          : now;
    UnscheduleLocked(it->second);
  } else {
    rule.created_ms = now;
  }
  e.schedule = rule.schedule_expression.empty()
                   ? std::nullopt
                   : ScheduleExpression::Parse(rule.schedule_expression, ScheduleExpression::Dialect::kRule);
  e.pattern = rule.event_pattern.empty() ? std::nullopt : Pattern::Parse(rule.event_pattern);
  RuleKey key = rule.key;
  e.rule = std::move(rule);
  Entry& stored = rules_[key] = std::move(e);
  ScheduleLocked(stored, now);
  return PersistLocked(stored);
}

Result<Rule> Rules::Describe(const RuleKey& key) {
  std::lock_guard lock(mu_);
  auto e = FindLocked(key);
  if (!e) return std::move(e).error();
  return (*e)->rule;
}

std::vector<Rule> Rules::List(const std::string& region, const std::string& account, const std::string& bus,
                              const std::string& prefix) {
  std::lock_guard lock(mu_);
  std::vector<Rule> out;
  for (auto it = rules_.lower_bound(RuleKey{region, account, bus, prefix}); it != rules_.end(); ++it) {
    const RuleKey& k = it->first;
    if (k.region != region || k.account != account || k.bus != bus || !k.name.starts_with(prefix)) break;
    out.push_back(it->second.rule);
  }
  return out;
}

Result<uint64_t> Rules::SetEnabled(const RuleKey& key, bool enabled) {
  std::lock_guard lock(mu_);
  auto e = FindLocked(key);
  if (!e) return std::move(e).error();
  Entry& entry = **e;
  entry.rule.enabled = enabled;
  ScheduleLocked(entry, clock_.NowMs());
  return PersistLocked(entry);
}

Result<uint64_t> Rules::Delete(const RuleKey& key, bool force) {
  std::lock_guard lock(mu_);
  auto it = rules_.find(key);
  if (it == rules_.end()) return store_.Append(store::DeleteMeta{DocKey(key)});  // AWS: no error
  if (!it->second.rule.targets.empty() && !force) {
    return Fail(Errc::kValidation, "Rule can't be deleted since it has targets.");
  }
  UnscheduleLocked(it->second);
  rules_.erase(it);
  return store_.Append(store::DeleteMeta{DocKey(key)});
}

Result<uint64_t> Rules::PutTargets(const RuleKey& key, std::vector<RuleTarget> targets) {
  std::lock_guard lock(mu_);
  auto e = FindLocked(key);
  if (!e) return std::move(e).error();
  std::vector<RuleTarget> merged = (*e)->rule.targets;
  for (auto& t : targets) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const RuleTarget& m) { return m.id == t.id; });
    if (same != merged.end()) {
      *same = std::move(t);
    } else {
      merged.push_back(std::move(t));
    }
  }
  if (merged.size() > kMaxTargetsPerRule) {
    return Fail(Errc::kLimitExceeded, "The requested resource exceeds the maximum number allowed.");
  }
  (*e)->rule.targets = std::move(merged);
  return PersistLocked(**e);
}

Result<uint64_t> Rules::RemoveTargets(const RuleKey& key, const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  auto e = FindLocked(key);
  if (!e) return std::move(e).error();
  auto& targets = (*e)->rule.targets;
  std::erase_if(targets, [&](const RuleTarget& t) {
    return std::find(ids.begin(), ids.end(), t.id) != ids.end();
  });
  return PersistLocked(**e);
}

std::vector<std::string> Rules::RuleNamesByTarget(const std::string& region, const std::string& account,
                                                  const std::string& bus, const std::string& target_arn) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, e] : rules_) {
    if (k.region != region || k.account != account || k.bus != bus) continue;
    for (const auto& t : e.rule.targets) {
      if (t.arn == target_arn) {
        out.push_back(k.name);
        break;
      }
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> Rules::Tags(const std::string& rule_arn) {
  std::lock_guard lock(mu_);
  Entry* e = FindByArnLocked(rule_arn);
  if (e == nullptr) return Fail(Errc::kResourceNotFound, "Rule " + rule_arn + " does not exist.");
  return e->rule.tags;
}

Result<uint64_t> Rules::Tag(const std::string& rule_arn,
                            const std::vector<std::pair<std::string, std::string>>& tags) {
  std::lock_guard lock(mu_);
  Entry* e = FindByArnLocked(rule_arn);
  if (e == nullptr) return Fail(Errc::kResourceNotFound, "Rule " + rule_arn + " does not exist.");
  for (const auto& tag : tags) {
    auto same = std::find_if(e->rule.tags.begin(), e->rule.tags.end(),
                             [&](const auto& t) { return t.first == tag.first; });
    if (same != e->rule.tags.end()) {
      same->second = tag.second;
    } else {
      e->rule.tags.push_back(tag);
    }
  }
  return PersistLocked(*e);
}

Result<uint64_t> Rules::Untag(const std::string& rule_arn, const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  Entry* e = FindByArnLocked(rule_arn);
  if (e == nullptr) return Fail(Errc::kResourceNotFound, "Rule " + rule_arn + " does not exist.");
  std::erase_if(e->rule.tags, [&](const auto& t) { return std::find(keys.begin(), keys.end(), t.first) != keys.end(); });
  return PersistLocked(*e);
}

size_t Rules::Publish(const RuleKey& bus, const json::object& event) {
  std::vector<Rule> matched;
  const json::value event_value(event);
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, e] : rules_) {
      if (k.region != bus.region || k.account != bus.account || k.bus != bus.bus) continue;
      if (!e.rule.enabled || !e.pattern || e.rule.targets.empty()) continue;
      if (e.pattern->Matches(event_value)) matched.push_back(e.rule);
    }
  }
  const int64_t now = clock_.NowMs();
  for (const Rule& r : matched) DeliverToTargets(r, event, now);
  return matched.size();
}

uint64_t Rules::DurabilityBarrier() { return store_.Append(store::PutMeta{"events/barrier", ""}); }

void Rules::DeliverToTargets(const Rule& rule, const json::object& event, int64_t event_time_ms) {
  const json::value event_value(event);
  const std::string rule_arn = rule.Arn();
  const std::string event_id = Str(event, "id");
  InputContext ctx{rule_arn, rule.key.name, clock_.NowMs()};
  for (const RuleTarget& t : rule.targets) {
    Delivery d;
    d.target_arn = t.arn;
    d.payload = t.input.Render(event_value, ctx);
    d.message_group_id = t.message_group_id;
    d.retry = t.retry;
    d.dead_letter_arn = t.dead_letter_arn;
    d.dead_letter_format = DeadLetterFormat::kRule;
    d.source_arn = rule_arn;
    d.target_id = t.id;
    d.event_time_ms = event_time_ms;
    d.deduplication_id = event_id;
    dispatcher_.Deliver(std::move(d));
  }
}

int64_t Rules::NextDeadlineMs() {
  std::lock_guard lock(mu_);
  return fires_.empty() ? INT64_MAX : fires_.begin()->first;
}

void Rules::Tick() {
  const int64_t now = clock_.NowMs();
  std::vector<Fire> due;
  {
    std::lock_guard lock(mu_);
    while (!fires_.empty() && fires_.begin()->first <= now) {
      auto [at, key] = *fires_.begin();
      auto it = rules_.find(key);
      if (it == rules_.end()) {
        fires_.erase(fires_.begin());
        continue;
      }
      Entry& e = it->second;
      const bool missed = now - at > kMissedFireGraceMs;
      if (!missed) due.push_back({e.rule, at});
      ScheduleLocked(e, missed ? now : at);  // the next fire after this one (or after now if missed)
    }
  }
  // In fire order; each rule's event goes to all its targets.
  for (const Fire& f : due) {
    if (f.rule.targets.empty()) continue;
    json::object event = MakeEvent(NewUuid(), "Scheduled Event", "aws.events", f.rule.key.account, f.at_ms,
                                   f.rule.key.region, {f.rule.Arn()}, json::object());
    DeliverToTargets(f.rule, event, f.at_ms);
  }
}

}  // namespace eddy::eventbridge
