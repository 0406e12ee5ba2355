#include "events/target_input.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

#include <boost/json.hpp>

#include "aws/violations.h"

namespace eddy::events {
namespace {

namespace json = boost::json;

constexpr std::string_view kRuleArn = "aws.events.rule-arn";
constexpr std::string_view kRuleName = "aws.events.rule-name";
constexpr std::string_view kIngestionTime = "aws.events.event.ingestion-time";
constexpr std::string_view kEvent = "aws.events.event";
constexpr std::string_view kEventJson = "aws.events.event.json";

constexpr size_t kMaxInput = 8192;
constexpr size_t kMaxInputPath = 256;
constexpr size_t kMaxTemplate = 8192;
constexpr size_t kMaxPathsMapEntries = 100;
constexpr size_t kMaxPathsMapKey = 256;
// Jackson, which words AWS's "JSON syntax error" messages, quotes at most this much of the input.
constexpr size_t kJacksonSourceLimit = 500;

bool IsPredefined(std::string_view name) {
  return name == kRuleArn || name == kRuleName || name == kIngestionTime || name == kEvent || name == kEventJson;
}

// The characters of a `<name>` placeholder; anything else between angle brackets is literal text.
bool IsPlaceholderChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

bool IsPathsMapKeyChar(char c) { return IsPlaceholderChar(c) && c != '.'; }

// Lengths in the model are in characters, not UTF-8 bytes.
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Appends `s` as the inside of a JSON string literal.
void AppendEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
}

void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  AppendEscaped(out, s);
  out += '"';
}

// Boost.JSON prints doubles as 1.5E0; targets expect the plain decimal form (1.5, 100.0, 1e+21).
void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {  // not representable in JSON
    out += "null";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void AppendJson(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: AppendDouble(out, v.get_double()); break;
    case json::kind::string: AppendQuoted(out, v.get_string()); break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, e);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendQuoted(out, kv.key());
        out += ':';
        AppendJson(out, kv.value());
      }
      out += '}';
      break;
    }
  }
}

// ---- JSONPath: the subset EventBridge accepts -------------------------------------------------------
// `$` then any of `.name` (name: any run of characters but . [ ] ' "), `.*`, `[N]`, `[*]`. Deep scan
// (`..`), quoted brackets (`['a']`, refused by EventBridge), slices, unions and filters are invalid.

struct PathStep {
  enum class Kind { kKey, kIndex, kWildcard } kind;
  std::string key;
  size_t index = 0;
};

struct JsonPath {
  std::vector<PathStep> steps;
  // A path with a wildcard selects any number of values and yields them as an array (Jayway's
  // "indefinite" paths).
  bool indefinite = false;
};

std::optional<JsonPath> ParsePath(std::string_view path) {
  if (path.empty() || path[0] != '$') return std::nullopt;
  JsonPath out;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t start = ++i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') {
        if (path[i] == ']' || path[i] == '\'' || path[i] == '"') return std::nullopt;
        ++i;
      }
      std::string_view name = path.substr(start, i - start);
      if (name.empty()) return std::nullopt;
      if (name == "*") {
        out.steps.push_back({PathStep::Kind::kWildcard, {}, 0});
        out.indefinite = true;
      } else {
        out.steps.push_back({PathStep::Kind::kKey, std::string(name), 0});
      }
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view inside = path.substr(i + 1, close - i - 1);
      if (inside == "*") {
        out.steps.push_back({PathStep::Kind::kWildcard, {}, 0});
        out.indefinite = true;
      } else {
        if (inside.empty() || inside.size() > 9) return std::nullopt;
        size_t index = 0;
        for (char c : inside) {
          if (c < '0' || c > '9') return std::nullopt;
          index = index * 10 + static_cast<size_t>(c - '0');
        }
        out.steps.push_back({PathStep::Kind::kIndex, {}, index});
      }
      i = close + 1;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

void Collect(const json::value& node, const std::vector<PathStep>& steps, size_t at,
             std::vector<const json::value*>& out) {
  if (at == steps.size()) {
    out.push_back(&node);
    return;
  }
  const PathStep& step = steps[at];
  switch (step.kind) {
    case PathStep::Kind::kKey:
      if (const json::object* o = node.if_object()) {
        if (auto it = o->find(step.key); it != o->end()) Collect(it->value(), steps, at + 1, out);
      }
      break;
    case PathStep::Kind::kIndex:
      if (const json::array* a = node.if_array(); a && step.index < a->size()) {
        Collect((*a)[step.index], steps, at + 1, out);
      }
      break;
    case PathStep::Kind::kWildcard:
      if (const json::object* o = node.if_object()) {
        for (const auto& kv : *o) Collect(kv.value(), steps, at + 1, out);
      } else if (const json::array* a = node.if_array()) {
        for (const json::value& e : *a) Collect(e, steps, at + 1, out);
      }
      break;
  }
}

// The value `path` selects in `root`; nullopt when a definite path leads nowhere.
std::optional<json::value> Select(const json::value& root, const JsonPath& path) {
  std::vector<const json::value*> found;
  Collect(root, path.steps, 0, found);
  if (path.indefinite) {
    json::array all;
    for (const json::value* v : found) all.push_back(*v);
    return json::value(std::move(all));
  }
  if (found.empty()) return std::nullopt;
  return *found.front();
}

// ---- Templates ---------------------------------------------------------------------------------------

// Calls on_text(text) for literal template text and on_placeholder(name, in_string) for each `<name>`,
// where in_string says whether the placeholder sits inside a JSON string literal of the template.
template <typename OnText, typename OnPlaceholder>
void ScanTemplate(std::string_view tmpl, OnText on_text, OnPlaceholder on_placeholder) {
  bool in_string = false;
  size_t literal_start = 0;
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c == '<') {
      size_t close = tmpl.find('>', i + 1);
      if (close != std::string_view::npos && close > i + 1) {
        std::string_view name = tmpl.substr(i + 1, close - i - 1);
        bool valid = true;
        for (char n : name) valid = valid && IsPlaceholderChar(n);
        if (valid) {
          on_text(tmpl.substr(literal_start, i - literal_start));
          on_placeholder(name, in_string);
          i = close + 1;
          literal_start = i;
          continue;
        }
      }
      ++i;
    } else if (in_string && c == '\\') {
      i += 2;
    } else {
      if (c == '"') in_string = !in_string;
      ++i;
    }
  }
  on_text(tmpl.substr(std::min(literal_start, tmpl.size())));
}

// JSON text without the whitespace between tokens (EventBridge minifies what it passes to targets).
std::string Minify(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (!IsWhitespace(c)) {
      out += c;
    }
  }
  return out;
}

// nullopt if `text` is one complete JSON value; otherwise the offset where parsing failed.
std::optional<size_t> JsonErrorOffset(std::string_view text) {
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (ec) return consumed;
  if (!parser.done()) {
    parser.finish(ec);  // a top-level number is only complete at the end of the text
    if (ec) return text.size();
  }
  for (size_t i = consumed; i < text.size(); ++i) {
    if (!IsWhitespace(text[i])) return i;
  }
  return std::nullopt;
}

bool IsJson(std::string_view text) { return !JsonErrorOffset(text).has_value(); }

bool IsTokenChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

// "[Source: (String)"<text>"; line: L, column: C]" as Jackson reports a syntax error at `offset`: an
// unrecognized bare token is reported after its last character, any other character just after itself.
std::string JacksonLocation(std::string_view text, size_t offset) {
  size_t end;
  if (offset >= text.size()) {
    end = text.size();
  } else if (IsTokenChar(text[offset])) {
    end = offset;
    while (end < text.size() && IsTokenChar(text[end])) ++end;
  } else {
    end = offset + 1;
  }
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < end && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::string out = "[Source: (String)\"";
  if (text.size() > kJacksonSourceLimit) {
    out += text.substr(0, kJacksonSourceLimit);
    out += "\"[truncated " + std::to_string(text.size() - kJacksonSourceLimit) + " chars]";
  } else {
    out += text;
    out += '"';
  }
  out += "; line: " + std::to_string(line) + ", column: " + std::to_string(end - line_start + 1) + "]";
  return out;
}

std::string JavaMapText(const json::object& map) {
  std::string out = "{";
  bool first = true;
  for (const auto& kv : map) {
    if (!first) out += ", ";
    first = false;
    out += kv.key();
    out += '=';
    if (kv.value().is_string()) {
      out += kv.value().get_string();
    } else {
      AppendJson(out, kv.value());
    }
  }
  out += '}';
  return out;
}

const json::value* Member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

std::string StringMember(const json::object& o, std::string_view key) {
  const json::value* v = Member(o, key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The original event without `detail`, `detail-type` spelled detailType, in the order AWS lists it.
json::object EventWithoutDetail(const json::value& event, const InputContext& context) {
  json::object out;
  const json::object* e = event.if_object();
  if (!e) return out;
  static constexpr std::string_view kOrder[] = {"id",     "account", "detail-type", "time",
                                                "source", "region",  "resources",   "version"};
  for (std::string_view key : kOrder) {
    const json::value* v = Member(*e, key);
    if (!v) continue;
    if (key == "time") {
      out["time"] = FormatEventTime(context.ingestion_time_ms);
    } else {
      out[key == "detail-type" ? "detailType" : key] = *v;
    }
  }
  for (const auto& kv : *e) {
    bool listed = kv.key() == "detail";
    for (std::string_view key : kOrder) listed = listed || kv.key() == key;
    if (!listed) out[kv.key()] = kv.value();
  }
  return out;
}

}  // namespace

std::string FormatEventTime(int64_t time_ms) {
  int64_t seconds = time_ms / 1000 - (time_ms % 1000 < 0 ? 1 : 0);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ToJsonText(const json::value& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

void TargetInput::CheckConstraints(const json::object& target, std::string_view field_prefix,
                                   aws::Violations& violations) {
  std::string prefix(field_prefix);
  if (const json::value* v = Member(target, "Input"); v && v->is_string()) {
    std::string_view s = v->get_string();
    if (CharCount(s) > kMaxInput) {
      violations.Add(s, prefix + ".input",
                     "Member must have length less than or equal to " + std::to_string(kMaxInput));
    }
  }
  if (const json::value* v = Member(target, "InputPath"); v && v->is_string()) {
    std::string_view s = v->get_string();
    if (CharCount(s) > kMaxInputPath) {
      violations.Add(s, prefix + ".inputPath",
                     "Member must have length less than or equal to " + std::to_string(kMaxInputPath));
    }
  }
  const json::value* transformer = Member(target, "InputTransformer");
  if (!transformer || !transformer->is_object()) return;
  const json::object& t = transformer->get_object();
  if (const json::value* v = Member(t, "InputPathsMap"); v && v->is_object()) {
    const json::object& map = v->get_object();
    std::string field = prefix + ".inputTransformer.inputPathsMap";
    if (map.size() > kMaxPathsMapEntries) {
      violations.Add(JavaMapText(map), field,
                     "Member must have length less than or equal to " + std::to_string(kMaxPathsMapEntries));
    }
    bool keys_ok = true;
    bool values_ok = true;
    for (const auto& kv : map) {
      std::string_view key = kv.key();
      bool key_ok = !key.empty() && CharCount(key) <= kMaxPathsMapKey;
      for (char c : key) key_ok = key_ok && IsPathsMapKeyChar(c);
      keys_ok = keys_ok && key_ok;
      values_ok = values_ok && kv.value().is_string() && CharCount(kv.value().get_string()) <= kMaxInputPath;
    }
    if (!keys_ok) {
      violations.Add(JavaMapText(map), field,
                     "Map keys must satisfy constraint: [Member must have length less than or equal to 256, Member "
                     "must have length greater than or equal to 1, Member must satisfy regular expression pattern: "
                     "[A-Za-z0-9\\_\\-]+]");
    }
    if (!values_ok) {
      violations.Add(JavaMapText(map), field,
                     "Map value must satisfy constraint: [Member must have length less than or equal to 256]");
    }
  }
  const json::value* tmpl = Member(t, "InputTemplate");
  std::string field = prefix + ".inputTransformer.inputTemplate";
  if (!tmpl || tmpl->is_null()) {
    violations.Null(field);
  } else if (tmpl->is_string()) {
    std::string_view s = tmpl->get_string();
    size_t n = CharCount(s);
    if (n < 1) {
      violations.Add(s, field, "Member must have length greater than or equal to 1");
    } else if (n > kMaxTemplate) {
      violations.Add(s, field, "Member must have length less than or equal to " + std::to_string(kMaxTemplate));
    }
  }
}

std::optional<TargetInput> TargetInput::Parse(const json::object& target, std::string* error, int target_index) {
  auto fail = [&](std::string message) -> std::optional<TargetInput> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  aws::Violations violations;
  CheckConstraints(target, "targets." + std::to_string(target_index) + ".member", violations);
  if (!violations.empty()) return fail(violations.Message());

  const std::string id = StringMember(target, "Id");
  const json::value* input = Member(target, "Input");
  const json::value* input_path = Member(target, "InputPath");
  const json::value* transformer = Member(target, "InputTransformer");
  if ((input != nullptr) + (input_path != nullptr) + (transformer != nullptr) > 1) {
    return fail("Only one of Input, InputPath, or InputTransformer must be provided for target " + id + ".");
  }

  TargetInput out;
  if (input) {
    std::string text = input->is_string() ? std::string(input->get_string()) : ToJsonText(*input);
    if (std::optional<size_t> at = JsonErrorOffset(text)) {
      return fail("JSON syntax error in input for target " + id + ": " + JacksonLocation(text, *at));
    }
    out.mode_ = Mode::kInput;
    out.input_ = std::move(text);
    return out;
  }
  if (input_path) {
    if (!input_path->is_string() || !ParsePath(input_path->get_string())) {
      return fail("InputPath for target " + id + " is invalid.");
    }
    out.mode_ = Mode::kInputPath;
    out.input_ = input_path->get_string();
    return out;
  }
  if (!transformer) return out;  // the whole event

  if (!transformer->is_object()) return fail("Parameter InputTransformer is not valid for target " + id + ".");
  const json::object& t = transformer->get_object();
  if (!t.at("InputTemplate").is_string()) return fail("Parameter InputTemplate is not valid for target " + id + ".");
  if (const json::value* map = Member(t, "InputPathsMap"); map && map->is_object()) {
    for (const auto& kv : map->get_object()) {
      // The same check as InputPath, and reported as such.
      if (!ParsePath(kv.value().get_string())) return fail("InputPath for target " + id + " is invalid.");
      out.paths_map_.emplace_back(kv.key(), kv.value().get_string());
    }
  }
  out.template_ = t.at("InputTemplate").get_string();

  std::string invalid;
  std::string json_only;
  ScanTemplate(
      out.template_, [](std::string_view) {},
      [&](std::string_view name, bool) {
        bool mapped = false;
        for (const auto& [key, path] : out.paths_map_) mapped = mapped || key == name;
        if (!mapped && !IsPredefined(name) && invalid.empty()) invalid = name;
        if ((name == kEvent || name == kEventJson) && json_only.empty()) json_only = name;
      });
  if (!invalid.empty()) {
    return fail("InputTemplate for target " + id + " contains invalid placeholder " + invalid + ".");
  }
  // The whole event is only allowed where it lands in a JSON object template.
  size_t first = out.template_.find_first_not_of(" \t\r\n");
  if (!json_only.empty() && (first == std::string::npos || out.template_[first] != '{')) {
    return fail("InputTemplate for target " + id + " contains placeholder " + json_only +
                " valid only for JSON template.");
  }
  out.mode_ = Mode::kTransformer;
  return out;
}

std::string TargetInput::Render(const json::value& event, const InputContext& context) const {
  switch (mode_) {
    case Mode::kEvent: return ToJsonText(event);
    case Mode::kInput: return input_;
    case Mode::kInputPath: {
      std::optional<JsonPath> path = ParsePath(input_);
      std::optional<json::value> selected = path ? Select(event, *path) : std::nullopt;
      return selected ? ToJsonText(*selected) : "null";
    }
    case Mode::kTransformer: break;
  }

  auto lookup = [&](std::string_view name) -> std::optional<json::value> {
    if (name == kRuleArn) return json::value(context.rule_arn);
    if (name == kRuleName) return json::value(context.rule_name);
    if (name == kIngestionTime) return json::value(FormatEventTime(context.ingestion_time_ms));
    if (name == kEvent) return json::value(EventWithoutDetail(event, context));
    if (name == kEventJson) return event;
    for (const auto& [key, path_text] : paths_map_) {
      if (key != name) continue;
      std::optional<JsonPath> path = ParsePath(path_text);
      return path ? Select(event, *path) : std::nullopt;
    }
    return std::nullopt;
  };

  std::string out;
  ScanTemplate(
      template_, [&](std::string_view text) { out += text; },
      [&](std::string_view name, bool in_string) {
        std::optional<json::value> value = lookup(name);
        if (in_string) {
          // Inside a string literal a string goes in bare; anything else as its JSON text.
          if (!value) return;
          AppendEscaped(out, value->is_string() ? std::string_view(value->get_string()) : ToJsonText(*value));
        } else if (value) {
          AppendJson(out, *value);
        } else {
          out += "\"\"";  // a path that matches nothing stands for the empty string
        }
      });
  // A template that does not produce JSON (plain text) reaches the target as a JSON string.
  if (!IsJson(out)) {
    std::string quoted;
    AppendQuoted(quoted, out);
    return quoted;
  }
  return Minify(out);
}

json::object MakeEvent(std::string_view id, std::string_view detail_type, std::string_view source,
                       std::string_view account, int64_t time_ms, std::string_view region,
                       const std::vector<std::string>& resources, json::value detail) {
  json::object event;
  event["version"] = "0";
  event["id"] = id;
  event["detail-type"] = detail_type;
  event["source"] = source;
  event["account"] = account;
  event["time"] = FormatEventTime(time_ms);
  event["region"] = region;
  json::array list;
  for (const std::string& r : resources) list.emplace_back(r);
  event["resources"] = std::move(list);
  event["detail"] = std::move(detail);
  return event;
}

std::string SubstituteSchedulerContext(std::string_view input, const SchedulerContext& context) {
  const std::pair<std::string_view, std::string> attributes[] = {
      {"<aws.scheduler.schedule-arn>", context.schedule_arn},
      {"<aws.scheduler.scheduled-time>", FormatEventTime(context.scheduled_time_ms)},
      {"<aws.scheduler.execution-id>", context.execution_id},
      {"<aws.scheduler.attempt-number>", std::to_string(context.attempt_number)},
  };
  std::string out;
  out.reserve(input.size());
  size_t i = 0;
  while (i < input.size()) {
    bool replaced = false;
    if (input[i] == '<') {
      for (const auto& [placeholder, value] : attributes) {
        if (input.substr(i, placeholder.size()) == placeholder) {
          out += value;
          i += placeholder.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += input[i++];
  }
  return out;
}

}  // namespace eddy::events
