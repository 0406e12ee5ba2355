#include "logs/api.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "aws/violations.h"
#include "common/crypto.h"
#include "logs/filter_pattern.h"

namespace eddy::logs {

__extension__ typedef unsigned __int128 Uint128;

// ---------------------------------------------------------------------------------------------------
// Tokens

namespace tokens {
namespace {

constexpr size_t kTokenDigits = 56;

std::string KeyDigits(const EventKey& key) {
  Uint128 v = (static_cast<Uint128>(static_cast<uint64_t>(std::max<int64_t>(key.timestamp_ms, 0)))
               << 64) |
              key.seq;
  std::string digits(kTokenDigits, '0');
  for (size_t i = kTokenDigits; i-- > 0 && v != 0;) {
    digits[i] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return digits;
}

std::optional<EventKey> ParseKeyDigits(std::string_view digits) {
  if (digits.size() != kTokenDigits) return std::nullopt;
  Uint128 v = 0;
  const Uint128 max = ~static_cast<Uint128>(0);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const unsigned d = static_cast<unsigned>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  const uint64_t ts = static_cast<uint64_t>(v >> 64);
  if (ts > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return EventKey{static_cast<int64_t>(ts), static_cast<uint64_t>(v)};
}

// Opaque tokens: base64url("<tag>:<payload>").
std::string Opaque(std::string_view tag, std::string_view payload) {
  std::string raw(tag);
  raw += ':';
  raw += payload;
  return Base64UrlEncode(raw);
}

std::optional<std::string> Unwrap(std::string_view tag, std::string_view token) {
  std::optional<std::string> raw = Base64UrlDecode(token);
  if (!raw || raw->size() <= tag.size() || raw->compare(0, tag.size(), tag) != 0 ||
      (*raw)[tag.size()] != ':') {
    return std::nullopt;
  }
  return raw->substr(tag.size() + 1);
}

}  // namespace

std::string EventToken(EventQuery::Direction direction, const EventKey& gap) {
  std::string t = direction == EventQuery::Direction::kForward ? "f/" : "b/";
  t += KeyDigits(gap);
  t += "/s";
  return t;
}

std::optional<EventQuery::Cursor> ParseEventToken(std::string_view token) {
  if (token.size() != kTokenDigits + 4 || token[1] != '/' || token.substr(kTokenDigits + 2) != "/s") {
    return std::nullopt;
  }
  EventQuery::Cursor cursor;
  if (token[0] == 'f') {
    cursor.direction = EventQuery::Direction::kForward;
  } else if (token[0] == 'b') {
    cursor.direction = EventQuery::Direction::kBackward;
  } else {
    return std::nullopt;
  }
  std::optional<EventKey> key = ParseKeyDigits(token.substr(2, kTokenDigits));
  if (!key) return std::nullopt;
  cursor.gap = *key;
  return cursor;
}

std::string EventId(const EventKey& key) { return KeyDigits(key); }

std::string FilterToken(const EventKey& gap) { return Opaque("fle1", KeyDigits(gap)); }

std::optional<EventKey> ParseFilterToken(std::string_view token) {
  std::optional<std::string> payload = Unwrap("fle1", token);
  if (!payload) return std::nullopt;
  return ParseKeyDigits(*payload);
}

std::string GroupToken(std::string_view last_name) { return Opaque("dlg1", last_name); }

std::optional<std::string> ParseGroupToken(std::string_view token) { return Unwrap("dlg1", token); }

std::string StreamToken(const StreamQuery::Cursor& cursor) {
  return Opaque("dls1", std::to_string(cursor.last_event_ms) + ":" + cursor.name);
}

std::optional<StreamQuery::Cursor> ParseStreamToken(std::string_view token) {
  std::optional<std::string> payload = Unwrap("dls1", token);
  if (!payload) return std::nullopt;
  const size_t colon = payload->find(':');
  if (colon == std::string::npos || colon == 0 || colon > 19) return std::nullopt;
  StreamQuery::Cursor cursor;
  for (size_t i = 0; i < colon; ++i) {
    const char c = (*payload)[i];
    if (c < '0' || c > '9') return std::nullopt;
    cursor.last_event_ms = cursor.last_event_ms * 10 + (c - '0');
  }
  cursor.name = payload->substr(colon + 1);
  return cursor;
}

}  // namespace tokens

namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------------
// Reading and validating the request

constexpr std::string_view kGroupNamePattern = "[\\.\\-_/#A-Za-z0-9]+";
constexpr std::string_view kGroupNamePatternPattern = "[\\.\\-_/#A-Za-z0-9]*";
constexpr std::string_view kStreamNamePattern = "[^:*]*";
constexpr std::string_view kIdentifierPattern = "[\\w#+=/:,.@-]*";

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsGroupNameChar(char c) {
  return IsAsciiAlnum(c) || c == '.' || c == '-' || c == '_' || c == '/' || c == '#';
}
bool IsStreamNameChar(char c) { return c != ':' && c != '*'; }
bool IsIdentifierChar(char c) {
  return IsAsciiAlnum(c) || c == '_' || c == '#' || c == '+' || c == '=' || c == '/' || c == ':' ||
         c == ',' || c == '.' || c == '@' || c == '-';
}

// Length as the model counts it: characters, not bytes.
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string TypeMismatch(const json::value& v, std::string_view expected) {
  std::string what;
  switch (v.kind()) {
    case json::kind::object:
      return "Start of structure or map found where not expected.";
    case json::kind::array:
      return "Start of list found where not expected.";
    case json::kind::string:
      what = "STRING_VALUE";
      break;
    case json::kind::bool_:
      what = v.get_bool() ? "TRUE_VALUE" : "FALSE_VALUE";
      break;
    default:
      what = "NUMBER_VALUE";
      break;
  }
  return what + " can not be converted to " + std::string(expected);
}

// Collects the first wrong-type member (reported as SerializationException, which wins because the
// framework deserialises before it validates) and every constraint violation.
class Checker {
 public:
  void TypeError(std::string message) {
    if (!serialization_) serialization_ = std::move(message);
  }
  void Violation(std::string_view value_text, std::string_view member, std::string_view constraint) {
    std::string v = "Value ";
    v += value_text;
    v += " at '";
    v += member;
    v += "' failed to satisfy constraint: ";
    v += constraint;
    violations_.push_back(std::move(v));
  }
  void Missing(std::string_view member) { Violation("null", member, "Member must not be null"); }

  Status Finish() const {
    if (serialization_) return Fail(Errc::kSerialization, *serialization_);
    if (violations_.empty()) return {};
    return Fail(Errc::kInvalidParameter, aws::ValidationMessage(violations_));
  }

 private:
  std::optional<std::string> serialization_;
  std::vector<std::string> violations_;
};

std::string Quoted(std::string_view s) {
  std::string q = "'";
  q += s;
  q += '\'';
  return q;
}

class Reader {
 public:
  Reader(const json::object& o, Checker* c) : o_(o), c_(c) {}

  const json::value* Find(std::string_view name) const {
    const json::value* v = o_.if_contains(name);
    return v != nullptr && !v->is_null() ? v : nullptr;
  }

  std::optional<std::string> String(std::string_view name) {
    const json::value* v = Find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      c_->TypeError(TypeMismatch(*v, "a String"));
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<int64_t> Long(std::string_view name) {
    const json::value* v = Find(name);
    return v ? AsLong(*v, "a Long") : std::nullopt;
  }

  std::optional<int64_t> AsLong(const json::value& v, std::string_view expected) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() &&
        v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(v.get_uint64());
    }
    if (v.is_double()) {
      const double d = v.get_double();
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e18) {
        return static_cast<int64_t>(d);
      }
    }
    c_->TypeError(TypeMismatch(v, expected));
    return std::nullopt;
  }

  std::optional<bool> Bool(std::string_view name) {
    const json::value* v = Find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_bool()) {
      c_->TypeError(TypeMismatch(*v, "a Boolean"));
      return std::nullopt;
    }
    return v->get_bool();
  }

  const json::array* List(std::string_view name) {
    const json::value* v = Find(name);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      c_->TypeError(TypeMismatch(*v, "a List"));
      return nullptr;
    }
    return &v->get_array();
  }

  Checker* checker() { return c_; }

 private:
  const json::object& o_;
  Checker* c_;
};

// Model string constraints: pattern (checked first, as AWS lists it first) then length.
void CheckString(Checker* c, std::string_view member, const std::string& value, size_t min_len,
                 size_t max_len, bool (*allowed)(char), std::string_view pattern) {
  if (allowed != nullptr) {
    const bool needs_one = !pattern.empty() && pattern.back() == '+';
    bool ok = !(needs_one && value.empty());
    for (char ch : value) ok = ok && allowed(ch);
    if (!ok) {
      c->Violation(Quoted(value), member,
                   "Member must satisfy regular expression pattern: " + std::string(pattern));
    }
  }
  const size_t n = CharCount(value);
  if (n < min_len) {
    c->Violation(Quoted(value), member,
                 "Member must have length greater than or equal to " + std::to_string(min_len));
  } else if (n > max_len) {
    c->Violation(Quoted(value), member,
                 "Member must have length less than or equal to " + std::to_string(max_len));
  }
}

void CheckRange(Checker* c, std::string_view member, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo) {
    c->Violation(Quoted(std::to_string(value)), member,
                 "Member must have value greater than or equal to " + std::to_string(lo));
  } else if (value > hi) {
    c->Violation(Quoted(std::to_string(value)), member,
                 "Member must have value less than or equal to " + std::to_string(hi));
  }
}

std::optional<std::string> GroupName(Reader& r, std::string_view member, bool required) {
  std::optional<std::string> v = r.String(member);
  if (!v) {
    if (required && r.Find(member) == nullptr) r.checker()->Missing(member);
    return v;
  }
  CheckString(r.checker(), member, *v, 1, 512, IsGroupNameChar, kGroupNamePattern);
  return v;
}

std::optional<std::string> StreamName(Reader& r, std::string_view member, bool required) {
  std::optional<std::string> v = r.String(member);
  if (!v) {
    if (required && r.Find(member) == nullptr) r.checker()->Missing(member);
    return v;
  }
  CheckString(r.checker(), member, *v, 1, 512, IsStreamNameChar, kStreamNamePattern);
  return v;
}

std::optional<std::string> NextToken(Reader& r) {
  std::optional<std::string> v = r.String("nextToken");
  if (v) CheckString(r.checker(), "nextToken", *v, 1, SIZE_MAX, nullptr, {});
  return v;
}

std::optional<int64_t> Limit(Reader& r, int64_t max) {
  std::optional<int64_t> v = r.Long("limit");
  if (v) CheckRange(r.checker(), "limit", *v, 1, max);
  return v;
}

std::optional<int64_t> Timestamp(Reader& r, std::string_view member) {
  std::optional<int64_t> v = r.Long(member);
  if (v) CheckRange(r.checker(), member, *v, 0, std::numeric_limits<int64_t>::max());
  return v;
}

Unexpected<Error> InvalidToken() {
  return Fail(Errc::kInvalidParameter, "The specified nextToken is invalid.");
}

// "arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]" or a plain name -> the group name.
std::string GroupNameFromIdentifier(std::string_view identifier) {
  constexpr std::string_view kMarker = ":log-group:";
  if (!identifier.starts_with("arn:")) return std::string(identifier);
  const size_t at = identifier.find(kMarker);
  if (at == std::string_view::npos) return std::string(identifier);
  std::string_view name = identifier.substr(at + kMarker.size());
  if (name.ends_with(":*")) name.remove_suffix(2);
  return std::string(name);
}

// The log group a read names, by logGroupName or logGroupIdentifier (exactly one).
struct GroupRef {
  std::optional<std::string> name;
  std::optional<std::string> identifier;
};

GroupRef ReadGroupRef(Reader& r) {
  GroupRef ref;
  ref.name = GroupName(r, "logGroupName", false);
  ref.identifier = r.String("logGroupIdentifier");
  if (ref.identifier) {
    CheckString(r.checker(), "logGroupIdentifier", *ref.identifier, 1, 2048, IsIdentifierChar,
                kIdentifierPattern);
  }
  return ref;
}

Result<std::string> ResolveGroup(const GroupRef& ref) {
  if (ref.name && ref.identifier) {
    return Fail(Errc::kValidation, "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (ref.name) return *ref.name;
  if (ref.identifier) return GroupNameFromIdentifier(*ref.identifier);
  return Fail(Errc::kInvalidParameter,
              "Either logGroupName or logGroupIdentifier must be specified.");
}

std::string GroupArn(const RequestContext& ctx, std::string_view group) {
  std::string arn = "arn:aws:logs:";
  arn += ctx.region;
  arn += ':';
  arn += ctx.account;
  arn += ":log-group:";
  arn += group;
  return arn;
}

// ---------------------------------------------------------------------------------------------------
// Operations

using Handler = Result<json::object> (*)(LogStore&, const Clock&, Reader&, const RequestContext&);

Result<json::object> CreateLogGroup(LogStore& store, const Clock&, Reader& r,
                                    const RequestContext& ctx) {
  std::optional<std::string> name = GroupName(r, "logGroupName", true);
  // kmsKeyId, tags, logGroupClass and deletionProtectionEnabled are accepted and not kept.
  if (std::optional<std::string> cls = r.String("logGroupClass")) {
    if (*cls != "STANDARD" && *cls != "INFREQUENT_ACCESS" && *cls != "DELIVERY") {
      r.checker()->Violation(Quoted(*cls), "logGroupClass",
                             "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, "
                             "DELIVERY]");
    }
  }
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  if (Status st = store.CreateGroup(ctx.region, *name); !st) return std::move(st).error();
  return json::object();
}

Result<json::object> DeleteLogGroup(LogStore& store, const Clock&, Reader& r,
                                    const RequestContext& ctx) {
  std::optional<std::string> name = GroupName(r, "logGroupName", true);
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  if (Status st = store.DeleteGroup(ctx.region, *name); !st) return std::move(st).error();
  return json::object();
}

Result<json::object> CreateLogStream(LogStore& store, const Clock&, Reader& r,
                                     const RequestContext& ctx) {
  std::optional<std::string> group = GroupName(r, "logGroupName", true);
  std::optional<std::string> stream = StreamName(r, "logStreamName", true);
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  if (Status st = store.CreateStream(ctx.region, *group, *stream); !st) {
    return std::move(st).error();
  }
  return json::object();
}

Result<json::object> DeleteLogStream(LogStore& store, const Clock&, Reader& r,
                                     const RequestContext& ctx) {
  std::optional<std::string> group = GroupName(r, "logGroupName", true);
  std::optional<std::string> stream = StreamName(r, "logStreamName", true);
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  if (Status st = store.DeleteStream(ctx.region, *group, *stream); !st) {
    return std::move(st).error();
  }
  return json::object();
}

constexpr int kRetentionDays[] = {1,   3,   5,   7,    14,   30,   60,   90,   120,  150,  180,
                                  365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

Result<json::object> PutRetentionPolicy(LogStore& store, const Clock&, Reader& r,
                                        const RequestContext& ctx) {
  std::optional<std::string> group = GroupName(r, "logGroupName", true);
  std::optional<int64_t> days = r.Long("retentionInDays");
  if (!days && r.Find("retentionInDays") == nullptr) r.checker()->Missing("retentionInDays");
  if (days && std::find(std::begin(kRetentionDays), std::end(kRetentionDays), *days) ==
                  std::end(kRetentionDays)) {
    std::string set = "[";
    for (int d : kRetentionDays) set += (set.size() > 1 ? ", " : "") + std::to_string(d);
    set += "]";
    r.checker()->Violation(Quoted(std::to_string(*days)), "retentionInDays",
                           "Member must satisfy enum value set: " + set);
  }
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  if (Status st = store.SetRetention(ctx.region, *group, static_cast<int>(*days)); !st) {
    return std::move(st).error();
  }
  return json::object();
}

Result<json::object> DeleteRetentionPolicy(LogStore& store, const Clock&, Reader& r,
                                           const RequestContext& ctx) {
  std::optional<std::string> group = GroupName(r, "logGroupName", true);
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  if (Status st = store.SetRetention(ctx.region, *group, std::nullopt); !st) {
    return std::move(st).error();
  }
  return json::object();
}

// PutLogEvents limits [AWS API reference]: events may not be more than 2 hours in the future or older
// than 14 days (those are skipped and reported in rejectedLogEventsInfo), and one batch may not span
// more than 24 hours.
constexpr int64_t kTooNewMs = 2LL * 3600 * 1000;
constexpr int64_t kTooOldMs = 14LL * 24 * 3600 * 1000;
constexpr int64_t kMaxBatchSpanMs = 24LL * 3600 * 1000;

Result<json::object> PutLogEvents(LogStore& store, const Clock& clock, Reader& r,
                                  const RequestContext& ctx) {
  std::optional<std::string> group = GroupName(r, "logGroupName", true);
  std::optional<std::string> stream = StreamName(r, "logStreamName", true);
  r.String("sequenceToken");  // ignored, as AWS now does; read only for its type
  std::vector<LogEvent> events;
  const json::array* list = r.List("logEvents");
  if (list == nullptr) {
    if (r.Find("logEvents") == nullptr) r.checker()->Missing("logEvents");
  } else if (list->empty() || list->size() > 10000) {
    r.checker()->Violation("'[]'", "logEvents",
                           list->empty() ? "Member must have length greater than or equal to 1"
                                         : "Member must have length less than or equal to 10000");
  } else {
    events.reserve(list->size());
    for (size_t i = 0; i < list->size(); ++i) {
      const json::value& item = (*list)[i];
      const std::string path = "logEvents." + std::to_string(i + 1) + ".member.";
      if (!item.is_object()) {
        r.checker()->TypeError(TypeMismatch(item, "an InputLogEvent"));
        continue;
      }
      Reader e(item.get_object(), r.checker());
      LogEvent event;
      if (std::optional<int64_t> ts = e.Long("timestamp")) {
        CheckRange(r.checker(), path + "timestamp", *ts, 0, std::numeric_limits<int64_t>::max());
        event.timestamp_ms = *ts;
      } else if (e.Find("timestamp") == nullptr) {
        r.checker()->Missing(path + "timestamp");
      }
      if (std::optional<std::string> m = e.String("message")) {
        CheckString(r.checker(), path + "message", *m, 1, SIZE_MAX, nullptr, {});
        event.message = std::move(*m);
      } else if (e.Find("message") == nullptr) {
        r.checker()->Missing(path + "message");
      }
      events.push_back(std::move(event));
    }
  }
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();

  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].timestamp_ms < events[i - 1].timestamp_ms) {
      return Fail(Errc::kInvalidParameter,
                  "Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  if (events.back().timestamp_ms - events.front().timestamp_ms > kMaxBatchSpanMs) {
    return Fail(Errc::kInvalidParameter,
                "The batch of log events in a single PutLogEvents request cannot span more than "
                "24 hours.");
  }
  // Sorted, so the too-old events are a prefix and the too-new ones a suffix.
  const int64_t now = clock.NowMs();
  size_t begin = 0;
  size_t end = events.size();
  while (begin < end && events[begin].timestamp_ms < now - kTooOldMs) ++begin;
  while (end > begin && events[end - 1].timestamp_ms > now + kTooNewMs) --end;
  json::object rejected;
  if (end < events.size()) rejected["tooNewLogEventStartIndex"] = end;
  if (begin > 0) rejected["tooOldLogEventEndIndex"] = begin - 1;
  std::vector<LogEvent> accepted(std::make_move_iterator(events.begin() + static_cast<ptrdiff_t>(begin)),
                                 std::make_move_iterator(events.begin() + static_cast<ptrdiff_t>(end)));

  Result<uint64_t> put = store.Put(ctx.region, *group, *stream, std::move(accepted));
  if (!put) return std::move(put).error();
  json::object out;
  out["nextSequenceToken"] = tokens::EventId(EventKey{0, *put});
  if (!rejected.empty()) out["rejectedLogEventsInfo"] = std::move(rejected);
  return out;
}

Result<json::object> DescribeLogGroups(LogStore& store, const Clock&, Reader& r,
                                       const RequestContext& ctx) {
  GroupQuery q;
  std::optional<std::string> prefix = GroupName(r, "logGroupNamePrefix", false);
  std::optional<std::string> pattern = r.String("logGroupNamePattern");
  if (pattern) {
    CheckString(r.checker(), "logGroupNamePattern", *pattern, 0, 512, IsGroupNameChar,
                kGroupNamePatternPattern);
  }
  std::optional<int64_t> limit = Limit(r, 50);
  std::optional<std::string> token = NextToken(r);
  std::optional<std::string> cls = r.String("logGroupClass");
  if (const json::array* ids = r.List("logGroupIdentifiers")) {
    for (const json::value& v : *ids) {
      if (!v.is_string()) {
        r.checker()->TypeError(TypeMismatch(v, "a String"));
        continue;
      }
      q.names.push_back(GroupNameFromIdentifier(v.get_string()));
    }
    if (ids->empty()) {
      r.checker()->Violation("'[]'", "logGroupIdentifiers",
                             "Member must have length greater than or equal to 1");
    }
  }
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  if (prefix && pattern) {
    return Fail(Errc::kInvalidParameter,
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  q.prefix = prefix.value_or("");
  q.pattern = pattern.value_or("");
  q.limit = static_cast<size_t>(limit.value_or(50));
  if (token) {
    q.after = tokens::ParseGroupToken(*token);
    if (!q.after) return InvalidToken();
  }

  json::object out;
  json::array groups;
  GroupPage page;
  // Every group is STANDARD: a filter on another class finds nothing.
  if (!cls || *cls == "STANDARD") page = store.DescribeGroups(ctx.region, q);
  for (const GroupInfo& g : page.groups) {
    json::object o;
    const std::string arn = GroupArn(ctx, g.name);
    o["logGroupName"] = g.name;
    o["creationTime"] = g.creation_ms;
    if (g.retention_days) o["retentionInDays"] = *g.retention_days;
    o["metricFilterCount"] = 0;
    o["arn"] = arn + ":*";
    o["storedBytes"] = g.stored_bytes;
    o["logGroupClass"] = "STANDARD";
    o["logGroupArn"] = arn;
    groups.push_back(std::move(o));
  }
  out["logGroups"] = std::move(groups);
  if (page.more) out["nextToken"] = tokens::GroupToken(page.groups.back().name);
  return out;
}

Result<json::object> DescribeLogStreams(LogStore& store, const Clock&, Reader& r,
                                        const RequestContext& ctx) {
  GroupRef ref = ReadGroupRef(r);
  std::optional<std::string> prefix = StreamName(r, "logStreamNamePrefix", false);
  std::optional<std::string> order = r.String("orderBy");
  if (order && *order != "LogStreamName" && *order != "LastEventTime") {
    r.checker()->Violation(Quoted(*order), "orderBy",
                           "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
  }
  std::optional<bool> descending = r.Bool("descending");
  std::optional<int64_t> limit = Limit(r, 50);
  std::optional<std::string> token = NextToken(r);
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  Result<std::string> group = ResolveGroup(ref);
  if (!group) return std::move(group).error();

  StreamQuery q;
  q.prefix = prefix.value_or("");
  q.order_by_last_event = order && *order == "LastEventTime";
  if (q.order_by_last_event && prefix) {
    return Fail(Errc::kInvalidParameter, "Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  q.descending = descending.value_or(false);
  q.limit = static_cast<size_t>(limit.value_or(50));
  if (token) {
    q.after = tokens::ParseStreamToken(*token);
    if (!q.after) return InvalidToken();
  }
  Result<StreamPage> page = store.DescribeStreams(ctx.region, *group, q);
  if (!page) return std::move(page).error();

  const std::string group_arn = GroupArn(ctx, *group);
  json::array streams;
  for (const StreamInfo& s : page->streams) {
    json::object o;
    o["logStreamName"] = s.name;
    o["creationTime"] = s.creation_ms;
    if (s.first_event_ms) o["firstEventTimestamp"] = *s.first_event_ms;
    if (s.last_event_ms) o["lastEventTimestamp"] = *s.last_event_ms;
    if (s.last_ingestion_ms) o["lastIngestionTime"] = *s.last_ingestion_ms;
    if (s.upload_count > 0) o["uploadSequenceToken"] = tokens::EventId(EventKey{0, s.upload_count});
    o["arn"] = group_arn + ":log-stream:" + s.name;
    o["storedBytes"] = 0;  // AWS stopped reporting per-stream bytes; it always answers 0
    streams.push_back(std::move(o));
  }
  json::object out;
  out["logStreams"] = std::move(streams);
  if (page->more) {
    const StreamInfo& last = page->streams.back();
    out["nextToken"] = tokens::StreamToken(
        StreamQuery::Cursor{q.order_by_last_event ? last.last_event_ms.value_or(0) : 0, last.name});
  }
  return out;
}

Result<json::object> GetLogEvents(LogStore& store, const Clock&, Reader& r,
                                  const RequestContext& ctx) {
  GroupRef ref = ReadGroupRef(r);
  std::optional<std::string> stream = StreamName(r, "logStreamName", true);
  std::optional<int64_t> start = Timestamp(r, "startTime");
  std::optional<int64_t> end = Timestamp(r, "endTime");
  std::optional<std::string> token = NextToken(r);
  std::optional<int64_t> limit = Limit(r, 10000);
  std::optional<bool> from_head = r.Bool("startFromHead");
  r.Bool("unmask");
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  Result<std::string> group = ResolveGroup(ref);
  if (!group) return std::move(group).error();

  EventQuery q;
  q.start_ms = start;
  q.end_ms = end;
  q.limit = static_cast<size_t>(limit.value_or(10000));
  q.start_from_head = from_head.value_or(false);
  if (token) {
    q.cursor = tokens::ParseEventToken(*token);
    if (!q.cursor) return InvalidToken();
  }
  Result<EventPage> page = store.GetEvents(ctx.region, *group, *stream, q);
  if (!page) return std::move(page).error();

  json::array events;
  for (const StoredEvent& e : page->events) {
    json::object o;
    o["timestamp"] = e.timestamp_ms;
    o["message"] = e.message;
    o["ingestionTime"] = e.ingestion_ms;
    events.push_back(std::move(o));
  }
  json::object out;
  out["events"] = std::move(events);
  out["nextForwardToken"] = tokens::EventToken(EventQuery::Direction::kForward, page->forward_gap);
  out["nextBackwardToken"] = tokens::EventToken(EventQuery::Direction::kBackward, page->backward_gap);
  return out;
}

Result<json::object> FilterLogEvents(LogStore& store, const Clock&, Reader& r,
                                     const RequestContext& ctx) {
  GroupRef ref = ReadGroupRef(r);
  FilterQuery q;
  bool has_names = false;
  if (const json::array* names = r.List("logStreamNames")) {
    has_names = true;
    if (names->empty() || names->size() > 100) {
      r.checker()->Violation("'[]'", "logStreamNames",
                             names->empty() ? "Member must have length greater than or equal to 1"
                                            : "Member must have length less than or equal to 100");
    }
    for (const json::value& v : *names) {
      if (!v.is_string()) {
        r.checker()->TypeError(TypeMismatch(v, "a String"));
        continue;
      }
      q.stream_names.emplace_back(v.get_string());
    }
  }
  std::optional<std::string> prefix = StreamName(r, "logStreamNamePrefix", false);
  q.start_ms = Timestamp(r, "startTime");
  q.end_ms = Timestamp(r, "endTime");
  std::optional<std::string> pattern_text = r.String("filterPattern");
  if (pattern_text) CheckString(r.checker(), "filterPattern", *pattern_text, 0, 1024, nullptr, {});
  std::optional<std::string> token = NextToken(r);
  std::optional<int64_t> limit = Limit(r, 10000);
  r.Bool("interleaved");  // deprecated: results are always interleaved
  r.Bool("unmask");
  if (Status st = r.checker()->Finish(); !st) return std::move(st).error();
  Result<std::string> group = ResolveGroup(ref);
  if (!group) return std::move(group).error();
  if (has_names && prefix) {
    return Fail(Errc::kInvalidParameter,
                "Cannot specify both logStreamNames and logStreamNamePrefix.");
  }

  q.stream_prefix = prefix.value_or("");
  q.limit = static_cast<size_t>(limit.value_or(10000));
  if (token) {
    q.after = tokens::ParseFilterToken(*token);
    if (!q.after) return InvalidToken();
  }
  const FilterPattern pattern = FilterPattern::Parse(pattern_text.value_or(""));
  if (!pattern.MatchesEverything()) q.matcher = &pattern;
  Result<FilterPage> page = store.FilterEvents(ctx.region, *group, q);
  if (!page) return std::move(page).error();

  json::array events;
  for (const FilteredEvent& f : page->events) {
    json::object o;
    o["logStreamName"] = f.stream_name;
    o["timestamp"] = f.event.timestamp_ms;
    o["message"] = f.event.message;
    o["ingestionTime"] = f.event.ingestion_ms;
    o["eventId"] = tokens::EventId(f.event.key());
    events.push_back(std::move(o));
  }
  json::object out;
  out["events"] = std::move(events);
  // Deprecated by AWS in 2020; it answers an empty list.
  out["searchedLogStreams"] = json::array();
  if (page->more) out["nextToken"] = tokens::FilterToken(page->events.back().event.key());
  return out;
}

struct Operation {
  std::string_view name;
  Handler handler;
};

constexpr Operation kOperations[] = {
    {"CreateLogGroup", CreateLogGroup},
    {"DeleteLogGroup", DeleteLogGroup},
    {"CreateLogStream", CreateLogStream},
    {"DeleteLogStream", DeleteLogStream},
    {"PutRetentionPolicy", PutRetentionPolicy},
    {"DeleteRetentionPolicy", DeleteRetentionPolicy},
    {"PutLogEvents", PutLogEvents},
    {"DescribeLogGroups", DescribeLogGroups},
    {"DescribeLogStreams", DescribeLogStreams},
    {"GetLogEvents", GetLogEvents},
    {"FilterLogEvents", FilterLogEvents},
};

const Operation* FindOperation(std::string_view name) {
  for (const Operation& op : kOperations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

}  // namespace

bool Api::IsImplemented(std::string_view operation) { return FindOperation(operation) != nullptr; }

Result<json::object> Api::Handle(std::string_view operation, const json::object& input,
                                 const RequestContext& ctx) {
  const Operation* op = FindOperation(operation);
  if (op == nullptr) {
    return Fail(Errc::kUnknownOperation,
                "Unknown operation Logs_20140328." + std::string(operation) + ".");
  }
  Checker checker;
  Reader reader(input, &checker);
  return op->handler(store_, clock_, reader, ctx);
}

}  // namespace eddy::logs
