#include "scheduler/model.h"

#include <cmath>
#include <limits>
#include <regex>
#include <utility>

#include <boost/json.hpp>

#include "events/schedule_expression.h"

namespace eddy::scheduler {
namespace json = boost::json;
namespace {

// The model's patterns (botocore scheduler/2021-06-30), verbatim in messages.
constexpr std::string_view kNamePattern = "^[0-9a-zA-Z-_.]+$";
constexpr std::string_view kClientTokenPattern = "^[a-zA-Z0-9-_]+$";
constexpr std::string_view kRoleArnPattern = R"(^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@\/-]+$)";
constexpr std::string_view kDeadLetterArnPattern = R"(^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$)";
constexpr std::string_view kKmsKeyArnPattern =
    R"(^arn:aws(-[a-z]+)?:kms:[a-z0-9\-]+:\d{12}:(key|alias)\/[0-9a-zA-Z-_]*$)";

bool Matches(std::string_view pattern, const std::string& value) {
  // Cold path (control-plane requests only); the model's patterns are valid ECMAScript regexes once
  // the in-class '-' is placed where std::regex reads it literally.
  static const std::regex kName("^[0-9a-zA-Z_.-]+$");
  static const std::regex kToken("^[a-zA-Z0-9_-]+$");
  static const std::regex kRole(R"(^arn:aws(-[a-z]+)?:iam::\d{12}:role/[\w+=,.@/-]+$)");
  static const std::regex kDlq(R"(^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]+$)");
  static const std::regex kKms(R"(^arn:aws(-[a-z]+)?:kms:[a-z0-9-]+:\d{12}:(key|alias)/[0-9a-zA-Z_-]*$)");
  const std::regex* re = nullptr;
  if (pattern == kNamePattern) re = &kName;
  else if (pattern == kClientTokenPattern) re = &kToken;
  else if (pattern == kRoleArnPattern) re = &kRole;
  else if (pattern == kDeadLetterArnPattern) re = &kDlq;
  else if (pattern == kKmsKeyArnPattern) re = &kKms;
  return re != nullptr && std::regex_match(value, *re);
}

// Reads members, collecting constraint violations; a member of the wrong JSON type is reported as
// such (SDKs never send one) and wins over the violations.
struct Checker {
  aws::Violations v;
  std::optional<Error> type_error;

  void WrongType(std::string_view member, std::string_view expected) {
    if (!type_error) {
      type_error = Error{Errc::kValidation, "Invalid type for member " + std::string(member) +
                                                ": expected " + std::string(expected) + "."};
    }
  }

  std::optional<std::string> Str(const json::object& o, std::string_view key, std::string_view path) {
    const json::value* x = o.if_contains(key);
    if (x == nullptr || x->is_null()) return std::nullopt;
    if (!x->is_string()) {
      WrongType(path, "a string");
      return std::nullopt;
    }
    return std::string(x->get_string());
  }

  std::optional<int64_t> Int(const json::object& o, std::string_view key, std::string_view path) {
    const json::value* x = o.if_contains(key);
    if (x == nullptr || x->is_null()) return std::nullopt;
    if (x->is_int64()) return x->get_int64();
    if (x->is_uint64()) return x->get_uint64() > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(x->get_uint64());
    if (x->is_double() && std::trunc(x->get_double()) == x->get_double() && std::abs(x->get_double()) < 9e18) {
      return int64_t(x->get_double());
    }
    WrongType(path, "an integer");
    return std::nullopt;
  }

  const json::object* Obj(const json::object& o, std::string_view key, std::string_view path) {
    const json::value* x = o.if_contains(key);
    if (x == nullptr || x->is_null()) return nullptr;
    if (!x->is_object()) {
      WrongType(path, "a structure");
      return nullptr;
    }
    return &x->get_object();
  }

  // restJson1 timestamps in bodies are epoch seconds (a number, possibly fractional).
  std::optional<int64_t> Timestamp(const json::object& o, std::string_view key, std::string_view path) {
    const json::value* x = o.if_contains(key);
    if (x == nullptr || x->is_null()) return std::nullopt;
    double seconds = 0;
    if (x->is_int64()) seconds = double(x->get_int64());
    else if (x->is_uint64()) seconds = double(x->get_uint64());
    else if (x->is_double()) seconds = x->get_double();
    else {
      WrongType(path, "a timestamp (epoch seconds)");
      return std::nullopt;
    }
    if (!std::isfinite(seconds) || std::abs(seconds) > 1e13) {
      WrongType(path, "a timestamp (epoch seconds)");
      return std::nullopt;
    }
    return std::llround(seconds * 1000.0);
  }

  void Length(const std::string& s, std::string_view path, size_t min, size_t max) {
    if (s.size() < min) {
      v.Add(s, path, "Member must have length greater than or equal to " + std::to_string(min));
    } else if (s.size() > max) {
      v.Add(s, path, "Member must have length less than or equal to " + std::to_string(max));
    }
  }

  void Range(int64_t x, std::string_view path, int64_t min, int64_t max) {
    if (x < min) {
      v.Add(std::to_string(x), path, "Member must have value greater than or equal to " + std::to_string(min));
    } else if (x > max) {
      v.Add(std::to_string(x), path, "Member must have value less than or equal to " + std::to_string(max));
    }
  }

  void Pattern(const std::string& s, std::string_view path, std::string_view pattern) {
    if (!s.empty() && !Matches(pattern, s)) {
      v.Add(s, path, "Member must satisfy regular expression pattern: " + std::string(pattern));
    }
  }

  // Returns the index of `s` in `values`, or -1 after recording the violation.
  int Enum(const std::string& s, std::string_view path, std::initializer_list<std::string_view> values) {
    int i = 0;
    std::string set = "[";
    for (std::string_view candidate : values) {
      if (s == candidate) return i;
      if (i++ > 0) set += ", ";
      set += candidate;
    }
    v.Add(s, path, "Member must satisfy enum value set: " + set + "]");
    return -1;
  }
};

void ParseTarget(Checker& c, const json::object& t, TargetConfig* out) {
  if (auto arn = c.Str(t, "Arn", "target.arn")) {
    c.Length(*arn, "target.arn", 1, 1600);
    out->arn = std::move(*arn);
  } else {
    c.v.Null("target.arn");
  }
  if (auto role = c.Str(t, "RoleArn", "target.roleArn")) {
    c.Length(*role, "target.roleArn", 1, 1600);
    c.Pattern(*role, "target.roleArn", kRoleArnPattern);
    out->role_arn = std::move(*role);
  } else {
    c.v.Null("target.roleArn");
  }
  if (auto input = c.Str(t, "Input", "target.input")) {
    c.Length(*input, "target.input", 1, std::numeric_limits<size_t>::max());
    out->input = std::move(*input);
  }
  if (const json::object* retry = c.Obj(t, "RetryPolicy", "target.retryPolicy")) {
    if (auto age = c.Int(*retry, "MaximumEventAgeInSeconds", "target.retryPolicy.maximumEventAgeInSeconds")) {
      c.Range(*age, "target.retryPolicy.maximumEventAgeInSeconds", 60, 86400);
      out->retry.maximum_event_age_seconds = int32_t(std::clamp<int64_t>(*age, 0, INT32_MAX));
    }
    if (auto attempts = c.Int(*retry, "MaximumRetryAttempts", "target.retryPolicy.maximumRetryAttempts")) {
      c.Range(*attempts, "target.retryPolicy.maximumRetryAttempts", 0, 185);
      out->retry.maximum_retry_attempts = int32_t(std::clamp<int64_t>(*attempts, 0, INT32_MAX));
    }
  }
  if (const json::object* dlq = c.Obj(t, "DeadLetterConfig", "target.deadLetterConfig")) {
    if (auto arn = c.Str(*dlq, "Arn", "target.deadLetterConfig.arn")) {
      c.Length(*arn, "target.deadLetterConfig.arn", 1, 1600);
      c.Pattern(*arn, "target.deadLetterConfig.arn", kDeadLetterArnPattern);
      out->dead_letter_arn = std::move(*arn);
    }
  }
  if (const json::object* sqs = c.Obj(t, "SqsParameters", "target.sqsParameters")) {
    out->has_sqs_parameters = true;
    if (auto group = c.Str(*sqs, "MessageGroupId", "target.sqsParameters.messageGroupId")) {
      c.Length(*group, "target.sqsParameters.messageGroupId", 1, 128);
      out->message_group_id = std::move(*group);
    }
  }
  json::object others;
  for (std::string_view key : {"EcsParameters", "EventBridgeParameters", "KinesisParameters",
                               "SageMakerPipelineParameters"}) {
    if (const json::value* x = t.if_contains(key); x != nullptr && !x->is_null()) {
      if (!x->is_object()) {
        c.WrongType("target." + std::string(1, char(std::tolower(key[0]))) + std::string(key.substr(1)),
                    "a structure");
        continue;
      }
      others[key] = *x;
    }
  }
  out->other_parameters = json::serialize(others);
}

std::string FormatWindowMessage(bool flexible) {
  // [?] AWS's wording for an inconsistent FlexibleTimeWindow is not confirmed.
  return flexible ? "MaximumWindowInMinutes is required when FlexibleTimeWindow Mode is FLEXIBLE."
                  : "MaximumWindowInMinutes must not be set when FlexibleTimeWindow Mode is OFF.";
}

double Seconds(int64_t ms) { return double(ms) / 1000.0; }

}  // namespace

std::string ScheduleArn(std::string_view region, std::string_view account, std::string_view group,
                        std::string_view name) {
  std::string arn = "arn:aws:scheduler:";
  arn += region;
  arn += ":";
  arn += account;
  arn += ":schedule/";
  arn += group;
  arn += "/";
  arn += name;
  return arn;
}

std::string GroupArn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:scheduler:";
  arn += region;
  arn += ":";
  arn += account;
  arn += ":schedule-group/";
  arn += name;
  return arn;
}

std::string ScheduleRecord::Arn() const { return ScheduleArn(region, account, spec.group, spec.name); }
std::string ScheduleRecord::Key() const { return region + "/" + account + "/" + spec.group + "/" + spec.name; }
std::string GroupRecord::Arn() const { return GroupArn(region, account, name); }

std::optional<GroupArnParts> ParseGroupArn(std::string_view arn) {
  // ^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+$
  static const std::regex kGroupArn(
      R"(^arn:aws(-[a-z]+)?:scheduler:([a-z0-9-]+):(\d{12}):schedule-group/([0-9a-zA-Z_.-]+)$)");
  if (arn.size() > 1011) return std::nullopt;
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(arn.begin(), arn.end(), m, kGroupArn)) return std::nullopt;
  return GroupArnParts{m[2].str(), m[3].str(), m[4].str()};
}

void CheckName(std::string_view value, std::string_view field, aws::Violations* v) {
  std::string s(value);
  if (s.empty()) {
    v->Add(s, field, "Member must have length greater than or equal to 1");
  } else if (s.size() > 64) {
    v->Add(s, field, "Member must have length less than or equal to 64");
  } else if (!Matches(kNamePattern, s)) {
    v->Add(s, field, "Member must satisfy regular expression pattern: " + std::string(kNamePattern));
  }
}

void CheckClientToken(const json::value* token, std::string_view field, aws::Violations* v) {
  if (token == nullptr || !token->is_string()) return;
  std::string s(token->get_string());
  if (s.empty()) {
    v->Add(s, field, "Member must have length greater than or equal to 1");
  } else if (s.size() > 64) {
    v->Add(s, field, "Member must have length less than or equal to 64");
  } else if (!Matches(kClientTokenPattern, s)) {
    v->Add(s, field, "Member must satisfy regular expression pattern: " + std::string(kClientTokenPattern));
  }
}

Result<std::map<std::string, std::string>> ParseTags(const json::value* tags, std::string_view field) {
  std::map<std::string, std::string> out;
  if (tags == nullptr || tags->is_null()) return out;
  if (!tags->is_array()) {
    return Fail(Errc::kValidation, "Invalid type for member " + std::string(field) + ": expected a list.");
  }
  aws::Violations v;
  const json::array& list = tags->get_array();
  if (list.size() > 200) {
    v.Add("[...]", field, "Member must have length less than or equal to 200");
  }
  size_t index = 0;
  for (const json::value& item : list) {
    ++index;
    const std::string path = std::string(field) + "." + std::to_string(index) + ".member";
    if (!item.is_object()) {
      return Fail(Errc::kValidation, "Invalid type for member " + path + ": expected a structure.");
    }
    const json::object& t = item.get_object();
    const json::value* key = t.if_contains("Key");
    const json::value* value = t.if_contains("Value");
    if ((key != nullptr && !key->is_null() && !key->is_string()) ||
        (value != nullptr && !value->is_null() && !value->is_string())) {
      return Fail(Errc::kValidation, "Invalid type for member " + path + ": expected strings.");
    }
    if (key == nullptr || key->is_null()) {
      v.Null(path + ".key");
      continue;
    }
    if (value == nullptr || value->is_null()) {
      v.Null(path + ".value");
      continue;
    }
    std::string k(key->get_string()), val(value->get_string());
    if (k.empty() || k.size() > 128) {
      v.Add(k, path + ".key",
            k.empty() ? "Member must have length greater than or equal to 1"
                      : "Member must have length less than or equal to 128");
    }
    if (val.empty() || val.size() > 256) {
      v.Add(val, path + ".value",
            val.empty() ? "Member must have length greater than or equal to 1"
                        : "Member must have length less than or equal to 256");
    }
    out[std::move(k)] = std::move(val);
  }
  if (!v.empty()) return Invalid(v);
  return out;
}

Result<ScheduleSpec> ParseScheduleRequest(std::string_view name, const json::object& body) {
  Checker c;
  ScheduleSpec s;
  s.name = std::string(name);
  CheckName(name, "name", &c.v);
  if (auto group = c.Str(body, "GroupName", "groupName")) {
    CheckName(*group, "groupName", &c.v);
    s.group = std::move(*group);
  }
  if (auto expression = c.Str(body, "ScheduleExpression", "scheduleExpression")) {
    c.Length(*expression, "scheduleExpression", 1, 256);
    s.expression = std::move(*expression);
  } else {
    c.v.Null("scheduleExpression");
  }
  if (auto tz = c.Str(body, "ScheduleExpressionTimezone", "scheduleExpressionTimezone")) {
    c.Length(*tz, "scheduleExpressionTimezone", 1, 50);
    s.timezone = std::move(*tz);
  }
  s.start_date_ms = c.Timestamp(body, "StartDate", "startDate");
  s.end_date_ms = c.Timestamp(body, "EndDate", "endDate");
  if (auto description = c.Str(body, "Description", "description")) {
    c.Length(*description, "description", 0, 512);
    s.description = std::move(*description);
  }
  if (auto kms = c.Str(body, "KmsKeyArn", "kmsKeyArn")) {
    c.Length(*kms, "kmsKeyArn", 1, 2048);
    c.Pattern(*kms, "kmsKeyArn", kKmsKeyArnPattern);
    s.kms_key_arn = std::move(*kms);
  }
  if (auto state = c.Str(body, "State", "state")) {
    s.enabled = c.Enum(*state, "state", {"ENABLED", "DISABLED"}) != 1;
  }
  if (auto action = c.Str(body, "ActionAfterCompletion", "actionAfterCompletion")) {
    s.delete_after_completion = c.Enum(*action, "actionAfterCompletion", {"NONE", "DELETE"}) == 1;
  }
  CheckClientToken(body.if_contains("ClientToken"), "clientToken", &c.v);

  std::optional<int64_t> window;
  if (const json::object* ftw = c.Obj(body, "FlexibleTimeWindow", "flexibleTimeWindow")) {
    if (auto mode = c.Str(*ftw, "Mode", "flexibleTimeWindow.mode")) {
      s.flexible = c.Enum(*mode, "flexibleTimeWindow.mode", {"OFF", "FLEXIBLE"}) == 1;
    } else {
      c.v.Null("flexibleTimeWindow.mode");
    }
    window = c.Int(*ftw, "MaximumWindowInMinutes", "flexibleTimeWindow.maximumWindowInMinutes");
    if (window) c.Range(*window, "flexibleTimeWindow.maximumWindowInMinutes", 1, 1440);
  } else if (!body.contains("FlexibleTimeWindow") || body.at("FlexibleTimeWindow").is_null()) {
    c.v.Null("flexibleTimeWindow");
  }
  if (const json::object* target = c.Obj(body, "Target", "target")) {
    ParseTarget(c, *target, &s.target);
  } else if (!body.contains("Target") || body.at("Target").is_null()) {
    c.v.Null("target");
  }
  if (c.type_error) return Unexpected<Error>{std::move(*c.type_error)};
  if (!c.v.empty()) return Invalid(c.v);

  if (!events::ScheduleExpression::Parse(s.expression, events::ScheduleExpression::Dialect::kScheduler)) {
    return InvalidExpression(s.expression);
  }
  if (!events::LoadTimeZone(s.timezone)) {
    // [?] AWS's wording for an unknown time zone is not confirmed.
    return Fail(Errc::kValidation, "Invalid ScheduleExpressionTimezone " + s.timezone + ".");
  }
  if (s.flexible != window.has_value()) return Fail(Errc::kValidation, FormatWindowMessage(s.flexible));
  if (window) s.maximum_window_minutes = int32_t(*window);
  if (s.start_date_ms && s.end_date_ms && *s.end_date_ms <= *s.start_date_ms) {
    // [?] wording not confirmed.
    return Fail(Errc::kValidation, "The EndDate you specify must be after the StartDate.");
  }
  return s;
}

// ---- Renderings ----

boost::json::object ScheduleToJson(const ScheduleRecord& r) {
  const ScheduleSpec& s = r.spec;
  json::object o;
  o["ActionAfterCompletion"] = s.delete_after_completion ? "DELETE" : "NONE";
  o["Arn"] = r.Arn();
  o["CreationDate"] = Seconds(r.created_ms);
  if (s.description) o["Description"] = *s.description;
  if (s.end_date_ms) o["EndDate"] = Seconds(*s.end_date_ms);
  json::object window;
  if (s.flexible) window["MaximumWindowInMinutes"] = s.maximum_window_minutes;
  window["Mode"] = s.flexible ? "FLEXIBLE" : "OFF";
  o["FlexibleTimeWindow"] = std::move(window);
  o["GroupName"] = s.group;
  if (!s.kms_key_arn.empty()) o["KmsKeyArn"] = s.kms_key_arn;
  o["LastModificationDate"] = Seconds(r.modified_ms);
  o["Name"] = s.name;
  o["ScheduleExpression"] = s.expression;
  o["ScheduleExpressionTimezone"] = s.timezone;
  if (s.start_date_ms) o["StartDate"] = Seconds(*s.start_date_ms);
  o["State"] = s.enabled ? "ENABLED" : "DISABLED";

  const TargetConfig& t = s.target;
  json::object target;
  target["Arn"] = t.arn;
  if (!t.dead_letter_arn.empty()) target["DeadLetterConfig"] = json::object{{"Arn", t.dead_letter_arn}};
  boost::system::error_code ec;
  json::value others = json::parse(t.other_parameters, ec);
  if (!ec && others.is_object()) {
    for (const auto& kv : others.get_object()) target[kv.key()] = kv.value();
  }
  if (t.input) target["Input"] = *t.input;
  target["RetryPolicy"] = json::object{{"MaximumEventAgeInSeconds", t.retry.maximum_event_age_seconds},
                                       {"MaximumRetryAttempts", t.retry.maximum_retry_attempts}};
  target["RoleArn"] = t.role_arn;
  if (t.has_sqs_parameters) {
    json::object sqs;
    if (t.message_group_id) sqs["MessageGroupId"] = *t.message_group_id;
    target["SqsParameters"] = std::move(sqs);
  }
  o["Target"] = std::move(target);
  return o;
}

boost::json::object ScheduleSummaryJson(const ScheduleRecord& r) {
  json::object o;
  o["Arn"] = r.Arn();
  o["CreationDate"] = Seconds(r.created_ms);
  o["GroupName"] = r.spec.group;
  o["LastModificationDate"] = Seconds(r.modified_ms);
  o["Name"] = r.spec.name;
  o["State"] = r.spec.enabled ? "ENABLED" : "DISABLED";
  o["Target"] = json::object{{"Arn", r.spec.target.arn}};
  return o;
}

boost::json::object GroupToJson(const GroupRecord& g) {
  json::object o;
  o["Arn"] = g.Arn();
  // The default group exists implicitly in every region; it has no creation record to show.
  if (!g.is_default()) {
    o["CreationDate"] = Seconds(g.created_ms);
    o["LastModificationDate"] = Seconds(g.modified_ms);
  }
  o["Name"] = g.name;
  o["State"] = "ACTIVE";
  return o;
}

boost::json::array TagsToJson(const std::map<std::string, std::string>& tags) {
  json::array out;
  for (const auto& [k, v] : tags) out.push_back(json::object{{"Key", k}, {"Value", v}});
  return out;
}

// ---- Persistence ----

std::string EncodeSchedule(const ScheduleRecord& r) {
  json::object o = ScheduleToJson(r);
  o["eddy.region"] = r.region;
  o["eddy.account"] = r.account;
  o["eddy.created_ms"] = r.created_ms;
  o["eddy.modified_ms"] = r.modified_ms;
  o["eddy.completed"] = r.completed;
  return json::serialize(o);
}

bool DecodeSchedule(std::string_view doc, ScheduleRecord* r) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return false;
  const json::object& o = v.get_object();
  const json::value* region = o.if_contains("eddy.region");
  const json::value* account = o.if_contains("eddy.account");
  const json::value* created = o.if_contains("eddy.created_ms");
  const json::value* modified = o.if_contains("eddy.modified_ms");
  const json::value* completed = o.if_contains("eddy.completed");
  const json::value* name = o.if_contains("Name");
  if (region == nullptr || !region->is_string() || account == nullptr || !account->is_string() ||
      created == nullptr || !created->is_int64() || modified == nullptr || !modified->is_int64() ||
      completed == nullptr || !completed->is_bool() || name == nullptr || !name->is_string()) {
    return false;
  }
  auto spec = ParseScheduleRequest(name->get_string(), o);
  if (!spec) return false;
  r->region = std::string(region->get_string());
  r->account = std::string(account->get_string());
  r->created_ms = created->get_int64();
  r->modified_ms = modified->get_int64();
  r->completed = completed->get_bool();
  r->spec = std::move(spec).value();
  return true;
}

std::string EncodeGroup(const GroupRecord& g) {
  json::object tags;
  for (const auto& [k, v] : g.tags) tags[k] = v;
  return json::serialize(json::object{{"region", g.region},
                                      {"account", g.account},
                                      {"name", g.name},
                                      {"created_ms", g.created_ms},
                                      {"modified_ms", g.modified_ms},
                                      {"tags", std::move(tags)}});
}

bool DecodeGroup(std::string_view doc, GroupRecord* g) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return false;
  const json::object& o = v.get_object();
  auto str = [&](std::string_view k, std::string* out) {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_string()) return false;
    *out = std::string(x->get_string());
    return true;
  };
  auto num = [&](std::string_view k, int64_t* out) {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_int64()) return false;
    *out = x->get_int64();
    return true;
  };
  if (!str("region", &g->region) || !str("account", &g->account) || !str("name", &g->name) ||
      !num("created_ms", &g->created_ms) || !num("modified_ms", &g->modified_ms)) {
    return false;
  }
  if (const json::value* t = o.if_contains("tags"); t != nullptr && t->is_object()) {
    for (const auto& kv : t->get_object()) {
      if (!kv.value().is_string()) return false;
      g->tags[std::string(kv.key())] = std::string(kv.value().get_string());
    }
  }
  return true;
}

}  // namespace eddy::scheduler
