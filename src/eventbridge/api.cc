#include "eventbridge/api.h"

#include <algorithm>

#include <boost/json.hpp>

#include "aws/json_members.h"
#include "aws/violations.h"
#include "common/crypto.h"

namespace eddy::eventbridge {
namespace {

namespace json = boost::json;

constexpr std::string_view kNamePattern = "[\\.\\-_A-Za-z0-9]+";
constexpr size_t kMaxPutEventsBytes = 256 * 1024;

bool IsName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

// Typed members; a wrong JSON type is a SerializationException, as AWS's framework reports it.
class Body : public aws::JsonMembers {
 public:
  using JsonMembers::JsonMembers;
  Status status() const {
    if (wrong_type_member().empty()) return {};
    return Fail(Errc::kSerialization, "Unexpected type for member " + wrong_type_member() + ".");
  }
};

#define EDDY_TRY(expr)                       \
  do {                                       \
    if (auto eddy_st_ = (expr); !eddy_st_) { \
      return std::move(eddy_st_).error();    \
    }                                        \
  } while (0)

Status Validated(const aws::Violations& v) {
  if (v.empty()) return {};
  return Fail(Errc::kValidation, v.Message());
}

// The bus a request names: only the default bus exists.
Result<std::string> ResolveBus(const std::optional<std::string>& name, const RequestContext& ctx) {
  if (!name || *name == kDefaultBus) return std::string(kDefaultBus);
  const std::string arn = "arn:aws:events:" + ctx.region + ":" + ctx.account + ":event-bus/default";
  if (*name == arn) return std::string(kDefaultBus);
  std::string shown = *name;
  if (auto slash = shown.rfind('/'); shown.starts_with("arn:") && slash != std::string::npos) {
    shown = shown.substr(slash + 1);
  }
  return Fail(Errc::kResourceNotFound, "Event bus " + shown + " does not exist.");
}

void CheckName(aws::Violations& v, const std::optional<std::string>& name, std::string_view field) {
  if (!name) {
    v.Null(field);
    return;
  }
  v.Length(*name, field, 1, 64);
  if (!name->empty() && name->size() <= 64) v.Pattern(*name, field, IsName(*name), kNamePattern);
}

void CheckBus(aws::Violations& v, const std::optional<std::string>& bus) {
  if (bus) v.Length(*bus, "eventBusName", 1, 1600);
}

json::object RuleObject(const Rule& r) {
  json::object o;
  o["Name"] = r.key.name;
  o["Arn"] = r.Arn();
  if (!r.event_pattern.empty()) o["EventPattern"] = r.event_pattern;
  if (!r.schedule_expression.empty()) o["ScheduleExpression"] = r.schedule_expression;
  o["State"] = r.enabled ? "ENABLED" : "DISABLED";
  if (!r.description.empty()) o["Description"] = r.description;
  if (!r.role_arn.empty()) o["RoleArn"] = r.role_arn;
  o["EventBusName"] = r.key.bus;
  return o;
}

// NextToken for the List* calls: the index of the next item, opaque to clients.
std::optional<size_t> ParseToken(const std::optional<std::string>& token) {
  if (!token) return 0;
  std::optional<std::string> decoded = Base64Decode(*token);
  if (!decoded || !decoded->starts_with("eddy:")) return std::nullopt;
  try {
    return static_cast<size_t>(std::stoull(decoded->substr(5)));
  } catch (...) {
    return std::nullopt;
  }
}
std::string MakeToken(size_t next) { return Base64Encode("eddy:" + std::to_string(next)); }

template <typename T, typename F>
Result<json::object> Page(const std::vector<T>& items, const std::optional<std::string>& token,
                          std::optional<int64_t> limit, std::string_view member, F&& render) {
  std::optional<size_t> start = ParseToken(token);
  if (!start) return Fail(Errc::kValidation, "The NextToken provided is invalid.");
  const size_t n = limit ? static_cast<size_t>(*limit) : 100;
  json::array out;
  size_t i = *start;
  for (; i < items.size() && out.size() < n; ++i) out.push_back(render(items[i]));
  json::object o;
  o[member] = std::move(out);
  if (i < items.size()) o["NextToken"] = MakeToken(i);
  return o;
}

std::vector<std::pair<std::string, std::string>> ReadTags(const json::array* tags) {
  std::vector<std::pair<std::string, std::string>> out;
  if (tags == nullptr) return out;
  for (const auto& t : *tags) {
    if (!t.is_object()) continue;
    const auto& o = t.get_object();
    auto k = o.find("Key");
    auto v = o.find("Value");
    out.emplace_back(k != o.end() && k->value().is_string() ? std::string(k->value().get_string()) : "",
                     v != o.end() && v->value().is_string() ? std::string(v->value().get_string()) : "");
  }
  return out;
}

std::string PatternError(std::string_view reason) {
  return "Event pattern is not valid. Reason: " + std::string(reason);
}

// ---- Operations ----

Result<Reply> PutRule(Rules& rules, const json::object& in, const RequestContext& ctx) {
  Body b(in);
  auto name = b.Str("Name");
  auto schedule = b.Str("ScheduleExpression");
  auto pattern = b.Str("EventPattern");
  auto state = b.Str("State");
  auto description = b.Str("Description");
  auto role = b.Str("RoleArn");
  auto bus = b.Str("EventBusName");
  const json::array* tags = b.Arr("Tags");
  EDDY_TRY(b.status());
  aws::Violations v;
  CheckName(v, name, "name");
  if (schedule) v.Length(*schedule, "scheduleExpression", 0, 256);
  if (pattern) v.Length(*pattern, "eventPattern", 0, 4096);
  if (state) v.Enum(*state, "state", {"ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"});
  if (description) v.Length(*description, "description", 0, 512);
  if (role) v.Length(*role, "roleArn", 1, 1600);
  CheckBus(v, bus);
  EDDY_TRY(Validated(v));
  auto bus_name = ResolveBus(bus, ctx);
  if (!bus_name) return std::move(bus_name).error();
  const bool has_schedule = schedule && !schedule->empty();
  const bool has_pattern = pattern && !pattern->empty();
  if (!has_schedule && !has_pattern) {
    return Fail(Errc::kValidation, "Parameter(s) EventPattern or ScheduleExpression must be specified.");
  }
  if (has_schedule &&
      !ScheduleExpression::Parse(*schedule, ScheduleExpression::Dialect::kRule)) {
    return Fail(Errc::kValidation, "Parameter ScheduleExpression is not valid.");
  }
  if (has_pattern) {
    std::string why;
    if (!Pattern::Parse(*pattern, &why)) return Fail(Errc::kInvalidEventPattern, PatternError(why));
  }
  Rule r;
  r.key = {ctx.region, ctx.account, *bus_name, *name};
  r.schedule_expression = has_schedule ? *schedule : "";
  r.event_pattern = has_pattern ? *pattern : "";
  r.enabled = !state || *state != "DISABLED";
  r.description = description.value_or("");
  r.role_arn = role.value_or("");
  r.tags = ReadTags(tags);
  auto ticket = rules.Put(r);
  if (!ticket) return std::move(ticket).error();
  Reply reply;
  reply.body["RuleArn"] = r.Arn();
  reply.ticket = *ticket;
  return reply;
}

Result<RuleKey> ReadRuleKey(const json::object& in, const RequestContext& ctx, std::string_view member,
                            std::string_view field) {
  Body b(in);
  auto name = b.Str(member);
  auto bus = b.Str("EventBusName");
  EDDY_TRY(b.status());
  aws::Violations v;
  CheckName(v, name, field);
  CheckBus(v, bus);
  EDDY_TRY(Validated(v));
  auto bus_name = ResolveBus(bus, ctx);
  if (!bus_name) return std::move(bus_name).error();
  return RuleKey{ctx.region, ctx.account, *bus_name, *name};
}

Result<Reply> DescribeRule(Rules& rules, const json::object& in, const RequestContext& ctx) {
  auto key = ReadRuleKey(in, ctx, "Name", "name");
  if (!key) return std::move(key).error();
  auto rule = rules.Describe(*key);
  if (!rule) return std::move(rule).error();
  Reply reply;
  reply.body = RuleObject(*rule);
  reply.body["CreatedBy"] = ctx.account;
  return reply;
}

Result<Reply> ListRules(Rules& rules, const json::object& in, const RequestContext& ctx) {
  Body b(in);
  auto prefix = b.Str("NamePrefix");
  auto bus = b.Str("EventBusName");
  auto token = b.Str("NextToken");
  auto limit = b.Int("Limit");
  EDDY_TRY(b.status());
  aws::Violations v;
  if (prefix) v.Length(*prefix, "namePrefix", 1, 64);
  CheckBus(v, bus);
  v.Range(limit, "limit", 1, 100);
  EDDY_TRY(Validated(v));
  auto bus_name = ResolveBus(bus, ctx);
  if (!bus_name) return std::move(bus_name).error();
  auto list = rules.List(ctx.region, ctx.account, *bus_name, prefix.value_or(""));
  auto page = Page(list, token, limit, "Rules", RuleObject);
  if (!page) return std::move(page).error();
  return Reply{std::move(*page), 0};
}

Result<Reply> SetState(Rules& rules, const json::object& in, const RequestContext& ctx, bool enabled) {
  auto key = ReadRuleKey(in, ctx, "Name", "name");
  if (!key) return std::move(key).error();
  auto ticket = rules.SetEnabled(*key, enabled);
  if (!ticket) return std::move(ticket).error();
  return Reply{{}, *ticket};
}

Result<Reply> DeleteRule(Rules& rules, const json::object& in, const RequestContext& ctx) {
  auto key = ReadRuleKey(in, ctx, "Name", "name");
  if (!key) return std::move(key).error();
  Body b(in);
  auto force = b.Bool("Force");
  EDDY_TRY(b.status());
  auto ticket = rules.Delete(*key, force.value_or(false));
  if (!ticket) return std::move(ticket).error();
  return Reply{{}, *ticket};
}

// PutTargets and RemoveTargets: every entry applies or the request fails as a whole, so no
// per-entry failures are ever reported.
Reply TargetsReply(uint64_t ticket) {
  Reply reply;
  reply.body["FailedEntryCount"] = 0;
  reply.body["FailedEntries"] = json::array();
  reply.ticket = ticket;
  return reply;
}

Result<Reply> PutTargets(Rules& rules, const json::object& in, const RequestContext& ctx) {
  auto key = ReadRuleKey(in, ctx, "Rule", "rule");
  if (!key) return std::move(key).error();
  Body b(in);
  const json::array* targets = b.Arr("Targets");
  EDDY_TRY(b.status());
  aws::Violations v;
  if (targets == nullptr) {
    v.Null("targets");
  } else if (targets->empty() || targets->size() > 100) {
    v.Add("[]", "targets", targets->empty() ? "Member must have length greater than or equal to 1"
                                            : "Member must have length less than or equal to 100");
  }
  EDDY_TRY(Validated(v));
  std::vector<RuleTarget> parsed;
  for (size_t i = 0; i < targets->size(); ++i) {
    const json::value& t = (*targets)[i];
    if (!t.is_object()) return Fail(Errc::kSerialization, "Unexpected type for member Targets.");
    Body tb(t.get_object());
    auto id = tb.Str("Id");
    auto arn = tb.Str("Arn");
    EDDY_TRY(tb.status());
    const std::string at = "targets." + std::to_string(i + 1) + ".member.";
    aws::Violations tv;
    CheckName(tv, id, at + "id");
    if (!arn) {
      tv.Null(at + "arn");
    } else {
      tv.Length(*arn, at + "arn", 1, 1600);
    }
    if (auto rp = t.get_object().find("RetryPolicy"); rp != t.get_object().end() && rp->value().is_object()) {
      Body rb(rp->value().get_object());
      tv.Range(rb.Int("MaximumRetryAttempts"), at + "retryPolicy.maximumRetryAttempts", 0, 185);
      tv.Range(rb.Int("MaximumEventAgeInSeconds"), at + "retryPolicy.maximumEventAgeInSeconds", 60, 86400);
      EDDY_TRY(rb.status());
    }
    TargetInput::CheckConstraints(t.get_object(), "targets." + std::to_string(i + 1) + ".member", tv);
    EDDY_TRY(Validated(tv));
    std::string error;
    std::optional<RuleTarget> target = TargetFromSpec(t.get_object(), &error, static_cast<int>(i + 1));
    if (!target) return Fail(Errc::kValidation, error);
    parsed.push_back(std::move(*target));
  }
  auto ticket = rules.PutTargets(*key, std::move(parsed));
  if (!ticket) return std::move(ticket).error();
  return TargetsReply(*ticket);
}

Result<Reply> RemoveTargets(Rules& rules, const json::object& in, const RequestContext& ctx) {
  auto key = ReadRuleKey(in, ctx, "Rule", "rule");
  if (!key) return std::move(key).error();
  Body b(in);
  const json::array* ids_in = b.Arr("Ids");
  b.Bool("Force");  // read for its type check only: targets are never managed by another service here
  EDDY_TRY(b.status());
  aws::Violations v;
  if (ids_in == nullptr) v.Null("ids");
  EDDY_TRY(Validated(v));
  std::vector<std::string> ids;
  for (const auto& id : *ids_in) {
    if (!id.is_string()) return Fail(Errc::kSerialization, "Unexpected type for member Ids.");
    ids.emplace_back(id.get_string());
  }
  auto ticket = rules.RemoveTargets(*key, ids);
  if (!ticket) return std::move(ticket).error();
  return TargetsReply(*ticket);
}

Result<Reply> ListTargetsByRule(Rules& rules, const json::object& in, const RequestContext& ctx) {
  auto key = ReadRuleKey(in, ctx, "Rule", "rule");
  if (!key) return std::move(key).error();
  Body b(in);
  auto token = b.Str("NextToken");
  auto limit = b.Int("Limit");
  EDDY_TRY(b.status());
  aws::Violations v;
  v.Range(limit, "limit", 1, 100);
  EDDY_TRY(Validated(v));
  auto rule = rules.Describe(*key);
  if (!rule) return std::move(rule).error();
  auto page = Page(rule->targets, token, limit, "Targets", [](const RuleTarget& t) { return t.spec; });
  if (!page) return std::move(page).error();
  return Reply{std::move(*page), 0};
}

Result<Reply> ListRuleNamesByTarget(Rules& rules, const json::object& in, const RequestContext& ctx) {
  Body b(in);
  auto arn = b.Str("TargetArn");
  auto bus = b.Str("EventBusName");
  auto token = b.Str("NextToken");
  auto limit = b.Int("Limit");
  EDDY_TRY(b.status());
  aws::Violations v;
  if (!arn) {
    v.Null("targetArn");
  } else {
    v.Length(*arn, "targetArn", 1, 1600);
  }
  CheckBus(v, bus);
  v.Range(limit, "limit", 1, 100);
  EDDY_TRY(Validated(v));
  auto bus_name = ResolveBus(bus, ctx);
  if (!bus_name) return std::move(bus_name).error();
  auto names = rules.RuleNamesByTarget(ctx.region, ctx.account, *bus_name, *arn);
  auto page = Page(names, token, limit, "RuleNames", [](const std::string& n) { return json::value(n); });
  if (!page) return std::move(page).error();
  return Reply{std::move(*page), 0};
}

Result<Reply> PutEvents(Rules& rules, const Clock& clock, const json::object& in, const RequestContext& ctx) {
  Body b(in);
  const json::array* entries = b.Arr("Entries");
  EDDY_TRY(b.status());
  aws::Violations v;
  if (entries == nullptr) {
    v.Null("entries");
  } else if (entries->empty() || entries->size() > 10) {
    v.Add("[]", "entries", entries->empty() ? "Member must have length greater than or equal to 1"
                                            : "Member must have length less than or equal to 10");
  }
  EDDY_TRY(Validated(v));
  size_t total = 0;
  for (const auto& e : *entries) {
    if (!e.is_object()) return Fail(Errc::kSerialization, "Unexpected type for member Entries.");
    for (const auto& [k, val] : e.get_object()) {
      if (val.is_string()) total += val.get_string().size();
    }
  }
  if (total > kMaxPutEventsBytes) {
    return Fail(Errc::kValidation, "Total size of the entries in the request is over the limit.");
  }
  json::array results;
  int failed = 0;
  size_t matched = 0;
  for (const auto& e : *entries) {
    Body eb(e.get_object());
    auto source = eb.Str("Source");
    auto detail_type = eb.Str("DetailType");
    auto detail = eb.Str("Detail");
    auto bus = eb.Str("EventBusName");
    const json::array* resources = eb.Arr("Resources");
    EDDY_TRY(eb.status());
    auto fail = [&](std::string_view code, std::string message) {
      ++failed;
      results.push_back(json::object{{"ErrorCode", code}, {"ErrorMessage", std::move(message)}});
    };
    if (!source || source->empty()) {
      fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.");
      continue;
    }
    if (!detail_type || detail_type->empty()) {
      fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
      continue;
    }
    if (!detail || detail->empty()) {
      fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.");
      continue;
    }
    boost::system::error_code ec;
    json::value detail_json = json::parse(*detail, ec);
    if (ec || !detail_json.is_object()) {
      fail("MalformedDetail", "Detail is malformed.");
      continue;
    }
    auto bus_name = ResolveBus(bus, ctx);
    if (!bus_name) {
      fail("InvalidArgument", bus_name.error().message);
      continue;
    }
    int64_t time_ms = clock.NowMs();
    if (auto t = e.get_object().find("Time"); t != e.get_object().end() && t->value().is_number()) {
      time_ms = static_cast<int64_t>(t->value().to_number<double>() * 1000);
    }
    std::vector<std::string> res;
    if (resources != nullptr) {
      for (const auto& r : *resources) {
        if (r.is_string()) res.emplace_back(r.get_string());
      }
    }
    const std::string id = NewUuid();
    json::object event = events::MakeEvent(id, *detail_type, *source, ctx.account, time_ms, ctx.region, res,
                                           std::move(detail_json));
    matched += rules.Publish(RuleKey{ctx.region, ctx.account, *bus_name, ""}, event);
    results.push_back(json::object{{"EventId", id}});
  }
  Reply reply;
  reply.body["FailedEntryCount"] = failed;
  reply.body["Entries"] = std::move(results);
  if (matched > 0) reply.ticket = rules.DurabilityBarrier();
  return reply;
}

Result<Reply> TestEventPattern(const json::object& in) {
  Body b(in);
  auto pattern = b.Str("EventPattern");
  auto event = b.Str("Event");
  EDDY_TRY(b.status());
  aws::Violations v;
  if (!pattern) v.Null("eventPattern");
  if (!event) v.Null("event");
  EDDY_TRY(Validated(v));
  std::string why;
  auto parsed = Pattern::Parse(*pattern, &why);
  if (!parsed) return Fail(Errc::kInvalidEventPattern, PatternError(why));
  boost::system::error_code ec;
  json::value ev = json::parse(*event, ec);
  if (ec || !ev.is_object()) return Fail(Errc::kValidation, "Parameter Event is not valid.");
  Reply reply;
  reply.body["Result"] = parsed->Matches(ev);
  return reply;
}

json::object DefaultBus(const RequestContext& ctx) {
  return json::object{{"Name", "default"},
                      {"Arn", "arn:aws:events:" + ctx.region + ":" + ctx.account + ":event-bus/default"}};
}

Result<Reply> DescribeEventBus(const json::object& in, const RequestContext& ctx) {
  Body b(in);
  auto name = b.Str("Name");
  EDDY_TRY(b.status());
  auto bus = ResolveBus(name, ctx);
  if (!bus) return std::move(bus).error();
  return Reply{DefaultBus(ctx), 0};
}

Result<Reply> ListEventBuses(const json::object& in, const RequestContext& ctx) {
  Body b(in);
  auto prefix = b.Str("NamePrefix");
  EDDY_TRY(b.status());
  json::array buses;
  if (!prefix || std::string_view("default").starts_with(*prefix)) buses.push_back(DefaultBus(ctx));
  Reply reply;
  reply.body["EventBuses"] = std::move(buses);
  return reply;
}

Result<Reply> TagOperation(Rules& rules, std::string_view op, const json::object& in) {
  Body b(in);
  auto arn = b.Str("ResourceARN");
  const json::array* tags = op == "TagResource" ? b.Arr("Tags") : nullptr;
  const json::array* keys = op == "UntagResource" ? b.Arr("TagKeys") : nullptr;
  EDDY_TRY(b.status());
  aws::Violations v;
  if (!arn) v.Null("resourceARN");
  if (op == "TagResource" && tags == nullptr) v.Null("tags");
  if (op == "UntagResource" && keys == nullptr) v.Null("tagKeys");
  EDDY_TRY(Validated(v));
  Reply reply;
  if (op == "ListTagsForResource") {
    auto list = rules.Tags(*arn);
    if (!list) return std::move(list).error();
    json::array out;
    for (const auto& [k, val] : *list) out.push_back(json::object{{"Key", k}, {"Value", val}});
    reply.body["Tags"] = std::move(out);
    return reply;
  }
  Result<uint64_t> ticket = 0;
  if (op == "TagResource") {
    ticket = rules.Tag(*arn, ReadTags(tags));
  } else {
    std::vector<std::string> names;
    for (const auto& k : *keys) {
      if (k.is_string()) names.emplace_back(k.get_string());
    }
    ticket = rules.Untag(*arn, names);
  }
  if (!ticket) return std::move(ticket).error();
  reply.ticket = *ticket;
  return reply;
}

}  // namespace

Result<Reply> Api::Handle(std::string_view op, const json::object& in, const RequestContext& ctx) {
  if (op == "PutRule") return PutRule(rules_, in, ctx);
  if (op == "DescribeRule") return DescribeRule(rules_, in, ctx);
  if (op == "ListRules") return ListRules(rules_, in, ctx);
  if (op == "DeleteRule") return DeleteRule(rules_, in, ctx);
  if (op == "EnableRule") return SetState(rules_, in, ctx, true);
  if (op == "DisableRule") return SetState(rules_, in, ctx, false);
  if (op == "PutTargets") return PutTargets(rules_, in, ctx);
  if (op == "RemoveTargets") return RemoveTargets(rules_, in, ctx);
  if (op == "ListTargetsByRule") return ListTargetsByRule(rules_, in, ctx);
  if (op == "ListRuleNamesByTarget") return ListRuleNamesByTarget(rules_, in, ctx);
  if (op == "PutEvents") return PutEvents(rules_, clock_, in, ctx);
  if (op == "TestEventPattern") return TestEventPattern(in);
  if (op == "DescribeEventBus") return DescribeEventBus(in, ctx);
  if (op == "ListEventBuses") return ListEventBuses(in, ctx);
  if (op == "TagResource" || op == "UntagResource" || op == "ListTagsForResource") {
    return TagOperation(rules_, op, in);
  }
  return Fail(Errc::kUnknownOperation, "Unknown operation " + std::string(op) + ".");
}

}  // namespace eddy::eventbridge
