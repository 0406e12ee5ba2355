#include "scheduler/schedules.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <cctz/time_zone.h>

#include "common/crypto.h"
#include "common/log.h"
#include "events/schedule_expression.h"
#include "events/target_input.h"

namespace eddy::scheduler {
namespace {

constexpr std::string_view kScheduleDocPrefix = "scheduler/schedule/";
constexpr std::string_view kGroupDocPrefix = "scheduler/group/";
constexpr int64_t kStartDateGraceMs = 5 * 60 * 1000;
// Bounds one Tick (the TimeDriver ticks again while a deadline is due).
constexpr int kMaxActionsPerTick = 10000;

std::string GroupKey(const std::string& region, const std::string& account, const std::string& name) {
  return region + "/" + account + "/" + name;
}
std::string ScheduleKey(const std::string& region, const std::string& account, const std::string& group,
                        const std::string& name) {
  return region + "/" + account + "/" + group + "/" + name;
}
std::string ScheduleDocKey(const std::string& key) { return std::string(kScheduleDocPrefix) + key; }
std::string GroupDocKey(const std::string& key) { return std::string(kGroupDocPrefix) + key; }

int64_t AtMs(const events::ScheduleExpression& e, const cctz::time_zone& tz) {
  auto tp = cctz::convert(e.at_time(), tz);
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

// Page tokens are the (URL-safe base64) sort key of the last item returned.
std::string EncodeToken(const std::string& last) { return Base64UrlEncode(last); }
Result<std::string> DecodeToken(const std::string& token) {
  if (token.empty()) return std::string();
  std::optional<std::string> last = Base64UrlDecode(token);
  // [?] AWS's wording for a bad NextToken is not confirmed.
  if (!last || last->empty()) return Fail(Errc::kValidation, "Invalid NextToken.");
  return std::move(*last);
}

}  // namespace

struct Schedules::Entry {
  enum class Action { kNone, kFire, kFinish };

  ScheduleRecord record;
  std::string key;
  std::optional<events::ScheduleExpression> expression;
  cctz::time_zone tz;
  Action action = Action::kNone;
  int64_t scheduled_ms = 0;  // the pending occurrence (kFire)
  int64_t due_ms = 0;        // when the action runs: its slot in timeline_

  bool one_time() const { return expression->kind() == events::ScheduleExpression::Kind::kAt; }
};

Schedules::Schedules(const Clock& clock, store::MessageStore& store, events::Dispatcher& dispatcher,
                     std::function<void()> wake, SchedulesOptions options)
    : clock_(clock),
      store_(store),
      dispatcher_(dispatcher),
      wake_(std::move(wake)),
      rng_(options.seed != 0 ? options.seed : std::random_device{}()) {}

Schedules::~Schedules() = default;

// ---- Planning ----

void Schedules::UnplanLocked(Entry& e) {
  if (e.action != Entry::Action::kNone) timeline_.erase({e.due_ms, e.key});
  e.action = Entry::Action::kNone;
}

int64_t Schedules::FlexibleOffsetLocked(const ScheduleSpec& spec) {
  if (!spec.flexible) return 0;
  std::uniform_int_distribution<int64_t> offset(0, int64_t(spec.maximum_window_minutes) * 60'000);
  return offset(rng_);
}

bool Schedules::PlanLocked(Entry& e, int64_t after_ms, int64_t now) {
  UnplanLocked(e);
  ScheduleRecord& r = e.record;
  const ScheduleSpec& s = r.spec;
  if (!s.enabled || r.completed) return false;
  bool completed_now = false;
  auto schedule = [&](Entry::Action action, int64_t scheduled, int64_t due) {
    e.action = action;
    e.scheduled_ms = scheduled;
    e.due_ms = due;
    timeline_.insert({due, e.key});
  };
  if (e.one_time()) {
    const int64_t at = AtMs(*e.expression, e.tz);
    if (at >= now) {
      schedule(Entry::Action::kFire, at, at + FlexibleOffsetLocked(s));
    } else if (now - at <= int64_t(s.target.retry.maximum_event_age_seconds) * 1000) {
      schedule(Entry::Action::kFire, at, now);  // missed (downtime, or created in the past): once, now
    } else {
      r.completed = true;  // too old to deliver
      completed_now = true;
      if (s.delete_after_completion) schedule(Entry::Action::kFinish, at, now);
    }
    return completed_now;
  }
  // Recurring: nothing before StartDate, nothing after EndDate.
  int64_t lower = after_ms;
  if (s.start_date_ms) lower = std::max(lower, *s.start_date_ms - 1);
  const int64_t anchor = s.start_date_ms.value_or(r.modified_ms);
  std::optional<int64_t> next = e.expression->NextFireAfter(lower, anchor, e.tz);
  if (next && (!s.end_date_ms || *next <= *s.end_date_ms)) {
    schedule(Entry::Action::kFire, *next, *next + FlexibleOffsetLocked(s));
  } else if (s.delete_after_completion) {
    const int64_t finish = std::max(s.end_date_ms.value_or(now), now);
    schedule(Entry::Action::kFinish, finish, finish);
  }
  return false;
}

int64_t Schedules::EarliestLocked() const {
  return timeline_.empty() ? INT64_MAX : timeline_.begin()->first;
}

void Schedules::WakeIfEarlier(int64_t before) {
  int64_t after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    after = EarliestLocked();
  }
  if (after < before && wake_) wake_();
}

// ---- Persistence ----

uint64_t Schedules::PersistLocked(const ScheduleRecord& r) {
  return store_.Append(store::PutMeta{ScheduleDocKey(r.Key()), EncodeSchedule(r)});
}

uint64_t Schedules::EraseScheduleLocked(const std::string& key) {
  auto it = schedules_.find(key);
  if (it != schedules_.end()) {
    UnplanLocked(*it->second);
    schedules_.erase(it);
  }
  return store_.Append(store::DeleteMeta{ScheduleDocKey(key)});
}

eddy::Status Schedules::Recover() {
  std::map<std::string, GroupRecord> groups;
  eddy::Status st = store_.LoadMeta(std::string(kGroupDocPrefix), [&](const std::string& key, const std::string& doc) {
    GroupRecord g;
    if (!DecodeGroup(doc, &g)) {
      log::Warn("skipping an unreadable schedule group document: " + key);
      return;
    }
    groups[GroupKey(g.region, g.account, g.name)] = std::move(g);
  });
  if (!st.ok()) return st;
  std::vector<ScheduleRecord> records;
  st = store_.LoadMeta(std::string(kScheduleDocPrefix), [&](const std::string& key, const std::string& doc) {
    ScheduleRecord r;
    if (!DecodeSchedule(doc, &r)) {
      log::Warn("skipping an unreadable schedule document: " + key);
      return;
    }
    records.push_back(std::move(r));
  });
  if (!st.ok()) return st;

  const int64_t now = clock_.NowMs();
  int64_t before;
  {
    std::lock_guard<std::mutex> lock(mu_);
    before = EarliestLocked();
    groups_ = std::move(groups);
    for (ScheduleRecord& r : records) {
      auto e = std::make_unique<Entry>();
      e->key = r.Key();
      e->expression = events::ScheduleExpression::Parse(r.spec.expression,
                                                        events::ScheduleExpression::Dialect::kScheduler);
      std::optional<cctz::time_zone> tz = events::LoadTimeZone(r.spec.timezone);
      if (!e->expression || !tz) {
        log::Warn("skipping schedule " + r.Arn() + ": its expression or time zone no longer parses");
        continue;
      }
      e->tz = *tz;
      e->record = std::move(r);
      Entry& entry = *e;
      schedules_[entry.key] = std::move(e);
      // No catch-up: recurring schedules resume after now (see the header).
      if (PlanLocked(entry, now - 1, now)) PersistLocked(entry.record);
    }
  }
  WakeIfEarlier(before);
  return eddy::Status::Ok();
}

// ---- Schedules ----

std::optional<GroupRecord> Schedules::FindGroupLocked(const std::string& region, const std::string& account,
                                                      const std::string& name) const {
  auto it = groups_.find(GroupKey(region, account, name));
  if (it != groups_.end()) return it->second;
  if (name == kDefaultGroup) return GroupRecord{region, account, std::string(kDefaultGroup), 0, 0, {}};
  return std::nullopt;
}

Result<Change> Schedules::PutSchedule(const RequestContext& ctx, ScheduleSpec spec, bool create) {
  auto e = std::make_unique<Entry>();
  e->expression = events::ScheduleExpression::Parse(spec.expression,
                                                    events::ScheduleExpression::Dialect::kScheduler);
  if (!e->expression) return InvalidExpression(spec.expression);
  std::optional<cctz::time_zone> tz = events::LoadTimeZone(spec.timezone);
  if (!tz) return Fail(Errc::kValidation, "Invalid ScheduleExpressionTimezone " + spec.timezone + ".");
  e->tz = *tz;
  const int64_t now = clock_.NowMs();
  if (!e->one_time() && spec.start_date_ms && *spec.start_date_ms < now - kStartDateGraceMs) {
    return Fail(Errc::kValidation, "The StartDate you specify cannot be earlier than 5 minutes ago.");
  }

  int64_t before;
  Change change;
  {
    std::lock_guard<std::mutex> lock(mu_);
    before = EarliestLocked();
    if (!FindGroupLocked(ctx.region, ctx.account, spec.group)) return GroupNotFound(spec.group);
    const std::string key = ScheduleKey(ctx.region, ctx.account, spec.group, spec.name);
    auto it = schedules_.find(key);
    if (create && it != schedules_.end()) return ScheduleExists(spec.name);
    if (!create && it == schedules_.end()) return ScheduleNotFound(spec.name);

    e->key = key;
    e->record.region = ctx.region;
    e->record.account = ctx.account;
    e->record.created_ms = create ? now : it->second->record.created_ms;
    e->record.modified_ms = now;
    e->record.spec = std::move(spec);
    if (it != schedules_.end()) UnplanLocked(*it->second);
    Entry& entry = *e;
    schedules_[key] = std::move(e);
    PlanLocked(entry, now - 1, now);
    change = Change{entry.record.Arn(), PersistLocked(entry.record)};
  }
  WakeIfEarlier(before);
  return change;
}

Result<Change> Schedules::CreateSchedule(const RequestContext& ctx, ScheduleSpec spec) {
  return PutSchedule(ctx, std::move(spec), true);
}

Result<Change> Schedules::UpdateSchedule(const RequestContext& ctx, ScheduleSpec spec) {
  return PutSchedule(ctx, std::move(spec), false);
}

Result<Change> Schedules::DeleteSchedule(const RequestContext& ctx, const std::string& group,
                                         const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = ScheduleKey(ctx.region, ctx.account, group, name);
  auto it = schedules_.find(key);
  if (it == schedules_.end()) return ScheduleNotFound(name);
  std::string arn = it->second->record.Arn();
  return Change{std::move(arn), EraseScheduleLocked(key)};
}

Result<ScheduleRecord> Schedules::GetSchedule(const RequestContext& ctx, const std::string& group,
                                              const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = schedules_.find(ScheduleKey(ctx.region, ctx.account, group, name));
  if (it == schedules_.end()) return ScheduleNotFound(name);
  return it->second->record;
}

Result<Page<ScheduleRecord>> Schedules::ListSchedules(const RequestContext& ctx,
                                                      const ListSchedulesQuery& q) const {
  auto after = DecodeToken(q.next_token);
  if (!after) return std::move(after).error();
  Page<ScheduleRecord> page;
  std::lock_guard<std::mutex> lock(mu_);
  if (q.group && !FindGroupLocked(ctx.region, ctx.account, *q.group)) return GroupNotFound(*q.group);
  const std::string prefix = ctx.region + "/" + ctx.account + "/";
  auto it = after->empty() ? schedules_.lower_bound(prefix) : schedules_.upper_bound(prefix + *after);
  for (; it != schedules_.end() && it->first.starts_with(prefix); ++it) {
    const ScheduleRecord& r = it->second->record;
    if (q.group && r.spec.group != *q.group) continue;
    if (!r.spec.name.starts_with(q.name_prefix)) continue;
    if (q.enabled && r.spec.enabled != *q.enabled) continue;
    if (int32_t(page.items.size()) == q.max_results) {
      page.next_token = EncodeToken(page.items.back().spec.group + "/" + page.items.back().spec.name);
      break;
    }
    page.items.push_back(r);
  }
  return page;
}

std::optional<int64_t> Schedules::PendingFireMs(const RequestContext& ctx, const std::string& group,
                                                const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = schedules_.find(ScheduleKey(ctx.region, ctx.account, group, name));
  if (it == schedules_.end() || it->second->action != Entry::Action::kFire) return std::nullopt;
  return it->second->due_ms;
}

// ---- Schedule groups ----

Result<Change> Schedules::CreateGroup(const RequestContext& ctx, const std::string& name,
                                      std::map<std::string, std::string> tags) {
  std::lock_guard<std::mutex> lock(mu_);
  if (FindGroupLocked(ctx.region, ctx.account, name)) return GroupExists(name);
  GroupRecord g{ctx.region, ctx.account, name, clock_.NowMs(), 0, std::move(tags)};
  g.modified_ms = g.created_ms;
  const std::string key = GroupKey(ctx.region, ctx.account, name);
  uint64_t ticket = store_.Append(store::PutMeta{GroupDocKey(key), EncodeGroup(g)});
  std::string arn = g.Arn();
  groups_[key] = std::move(g);
  return Change{std::move(arn), ticket};
}

Result<GroupRecord> Schedules::GetGroup(const RequestContext& ctx, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<GroupRecord> g = FindGroupLocked(ctx.region, ctx.account, name);
  if (!g) return GroupNotFound(name);
  return std::move(*g);
}

Result<Change> Schedules::DeleteGroup(const RequestContext& ctx, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (name == kDefaultGroup) {
    // [?] AWS's wording is not confirmed.
    return Fail(Errc::kValidation, "Cannot delete the default schedule group.");
  }
  const std::string key = GroupKey(ctx.region, ctx.account, name);
  auto git = groups_.find(key);
  if (git == groups_.end()) return GroupNotFound(name);
  // The group and its schedules go together (AWS shows the group DELETING meanwhile; here it is one
  // atomic store write).
  std::vector<store::Mutation> mutations;
  const std::string prefix = key + "/";
  for (auto it = schedules_.lower_bound(prefix); it != schedules_.end() && it->first.starts_with(prefix);) {
    UnplanLocked(*it->second);
    mutations.push_back(store::DeleteMeta{ScheduleDocKey(it->first)});
    it = schedules_.erase(it);
  }
  mutations.push_back(store::DeleteMeta{GroupDocKey(key)});
  std::string arn = git->second.Arn();
  groups_.erase(git);
  return Change{std::move(arn), store_.AppendAtomic(std::move(mutations))};
}

Result<Page<GroupRecord>> Schedules::ListGroups(const RequestContext& ctx, const ListGroupsQuery& q) const {
  auto after = DecodeToken(q.next_token);
  if (!after) return std::move(after).error();
  std::vector<GroupRecord> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.push_back(*FindGroupLocked(ctx.region, ctx.account, std::string(kDefaultGroup)));
    const std::string prefix = ctx.region + "/" + ctx.account + "/";
    for (auto it = groups_.lower_bound(prefix); it != groups_.end() && it->first.starts_with(prefix); ++it) {
      if (!it->second.is_default()) all.push_back(it->second);
    }
  }
  std::sort(all.begin(), all.end(), [](const GroupRecord& a, const GroupRecord& b) { return a.name < b.name; });
  Page<GroupRecord> page;
  for (GroupRecord& g : all) {
    if (!after->empty() && g.name <= *after) continue;
    if (!g.name.starts_with(q.name_prefix)) continue;
    if (int32_t(page.items.size()) == q.max_results) {
      page.next_token = EncodeToken(page.items.back().name);
      break;
    }
    page.items.push_back(std::move(g));
  }
  return page;
}

// ---- Tags ----

Result<std::map<std::string, std::string>> Schedules::ListTags(const std::string& group_arn) const {
  std::optional<GroupArnParts> parts = ParseGroupArn(group_arn);
  if (!parts) return GroupNotFound(group_arn);
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<GroupRecord> g = FindGroupLocked(parts->region, parts->account, parts->name);
  if (!g) return GroupNotFound(parts->name);
  return std::move(g->tags);
}

Result<Change> Schedules::Tag(const std::string& group_arn, const std::map<std::string, std::string>& tags) {
  std::optional<GroupArnParts> parts = ParseGroupArn(group_arn);
  if (!parts) return GroupNotFound(group_arn);
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<GroupRecord> g = FindGroupLocked(parts->region, parts->account, parts->name);
  if (!g) return GroupNotFound(parts->name);
  for (const auto& [k, v] : tags) g->tags[k] = v;
  g->modified_ms = clock_.NowMs();
  const std::string key = GroupKey(g->region, g->account, g->name);
  uint64_t ticket = store_.Append(store::PutMeta{GroupDocKey(key), EncodeGroup(*g)});
  groups_[key] = std::move(*g);
  return Change{group_arn, ticket};
}

Result<Change> Schedules::Untag(const std::string& group_arn, const std::vector<std::string>& keys) {
  std::optional<GroupArnParts> parts = ParseGroupArn(group_arn);
  if (!parts) return GroupNotFound(group_arn);
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<GroupRecord> g = FindGroupLocked(parts->region, parts->account, parts->name);
  if (!g) return GroupNotFound(parts->name);
  for (const std::string& k : keys) g->tags.erase(k);
  g->modified_ms = clock_.NowMs();
  const std::string key = GroupKey(g->region, g->account, g->name);
  uint64_t ticket = store_.Append(store::PutMeta{GroupDocKey(key), EncodeGroup(*g)});
  groups_[key] = std::move(*g);
  return Change{group_arn, ticket};
}

// ---- Timekeeper ----

int64_t Schedules::NextDeadlineMs() {
  std::lock_guard<std::mutex> lock(mu_);
  return EarliestLocked();
}

void Schedules::Tick() {
  const int64_t now = clock_.NowMs();
  std::vector<events::Delivery> deliveries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Everything due by now, earliest first. An occurrence planned while firing is taken in the same
    // pass only when it is due already, which happens only inside an open FLEXIBLE window.
    for (int fired = 0; fired < kMaxActionsPerTick && !timeline_.empty() && timeline_.begin()->first <= now;
         ++fired) {
      const std::pair<int64_t, std::string> slot = *timeline_.begin();
      auto it = schedules_.find(slot.second);
      if (it == schedules_.end() || it->second->action == Entry::Action::kNone ||
          it->second->due_ms != slot.first) {
        timeline_.erase(timeline_.begin());  // cannot happen: every change unplans first
        continue;
      }
      Entry& e = *it->second;
      const Entry::Action action = e.action;
      UnplanLocked(e);
      if (action == Entry::Action::kFinish) {  // only planned with ActionAfterCompletion DELETE
        EraseScheduleLocked(slot.second);
        continue;
      }
      const ScheduleRecord& r = e.record;
      const TargetConfig& t = r.spec.target;
      events::Delivery d;
      d.target_arn = t.arn;
      const std::string execution_id = NewUuid();
      const std::string arn = r.Arn();
      d.payload = t.input ? events::SubstituteSchedulerContext(
                                *t.input, events::SchedulerContext{arn, e.scheduled_ms, execution_id, 1})
                          : std::string("{}");  // [?] AWS's "default notification" is undocumented
      d.message_group_id = t.message_group_id.value_or("");
      d.retry = t.retry;
      d.dead_letter_arn = t.dead_letter_arn;
      d.dead_letter_format = events::DeadLetterFormat::kSchedule;
      d.source_arn = arn;
      d.dead_letter_context = {{"EXECUTION_ID", execution_id},
                               {"SCHEDULED_TIME", events::FormatEventTime(e.scheduled_ms)}};
      d.event_time_ms = now;
      deliveries.push_back(std::move(d));

      if (e.one_time()) {
        if (r.spec.delete_after_completion) {
          EraseScheduleLocked(slot.second);
        } else {
          e.record.completed = true;
          PersistLocked(e.record);
        }
      } else {
        // Flexible windows keep later occurrences whose window is still open; otherwise skip
        // everything up to now (no catch-up after a clock jump).
        const int64_t window = r.spec.flexible ? int64_t(r.spec.maximum_window_minutes) * 60'000 : 0;
        PlanLocked(e, std::max(e.scheduled_ms, now - window), now);
      }
    }
  }
  for (events::Delivery& d : deliveries) dispatcher_.Deliver(std::move(d));
}

}  // namespace eddy::scheduler
