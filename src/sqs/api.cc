#include "sqs/api.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "common/crypto.h"

namespace eddy::sqs {
namespace {

namespace json = boost::json;
using Reply = Api::Reply;

// ---------------------------------------------------------------------------------------------------
// Reading the request object

// First problem of each kind. A member of the wrong JSON type is a SerializationException and wins
// over validation errors whatever the order, because AWS's framework deserialises the whole request
// before the service validates it.
//
// Wrong types: AWS (coral) answers 400 `com.amazon.coral.service#SerializationException` for JSON that
// does not fit the model's types; the messages below follow coral's wording ("STRING_VALUE can not be
// converted to an Integer", "Start of structure or map found where not expected."). No AWS recording
// of these for SQS was found, so the exact texts are inferred from other coral JSON services.
struct Problems {
  std::optional<Error> serialization;
  std::optional<Error> invalid;

  void Type(std::string message) {
    if (!serialization) serialization = Error{Errc::kSerializationException, std::move(message)};
  }
  void Invalid(Error e) {
    if (!invalid) invalid = std::move(e);
  }
  void Invalid(Unexpected<Error> e) { Invalid(std::move(e.error)); }
  bool ok() const { return !serialization && !invalid; }
  Error Take() { return serialization ? std::move(*serialization) : std::move(*invalid); }
};

std::string TypeMismatch(const json::value& v, std::string_view expected) {
  switch (v.kind()) {
    case json::kind::object:
      return "Start of structure or map found where not expected.";
    case json::kind::array:
      return "Start of list found where not expected.";
    case json::kind::string:
      return "STRING_VALUE can not be converted to " + std::string(expected);
    case json::kind::bool_:
      return std::string(v.get_bool() ? "TRUE_VALUE" : "FALSE_VALUE") + " can not be converted to " +
             std::string(expected);
    default:
      return "NUMBER_VALUE can not be converted to " + std::string(expected);
  }
}

std::optional<std::string> AsString(const json::value& v, Problems* p) {
  if (v.is_string()) return std::string(v.get_string());
  p->Type(TypeMismatch(v, "a String"));
  return std::nullopt;
}

std::optional<int64_t> AsInt(const json::value& v, Problems* p) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e18) return static_cast<int64_t>(d);
  }
  p->Type(TypeMismatch(v, "an Integer"));
  return std::nullopt;
}

// Typed access to the members of one request (or entry) object. JSON null counts as absent.
class Reader {
 public:
  Reader(const json::object& o, Problems* p) : o_(o), p_(p) {}

  const json::value* Find(std::string_view name) const {
    const json::value* v = o_.if_contains(name);
    return v != nullptr && !v->is_null() ? v : nullptr;
  }

  std::optional<std::string> String(std::string_view name) {
    const json::value* v = Find(name);
    return v ? AsString(*v, p_) : std::nullopt;
  }

  // Absent -> MissingParameter. An empty string is present (the engine judges emptiness).
  std::string RequiredString(std::string_view name) {
    const json::value* v = Find(name);
    if (!v) {
      p_->Invalid(MissingParameter(name));
      return {};
    }
    return AsString(*v, p_).value_or(std::string());
  }

  std::optional<int64_t> Int(std::string_view name) {
    const json::value* v = Find(name);
    return v ? AsInt(*v, p_) : std::nullopt;
  }

  // Value in [lo, hi] or InvalidParameterValue "Value <v> for parameter <name> is invalid. Reason: ...".
  std::optional<int64_t> IntInRange(std::string_view name, int64_t lo, int64_t hi,
                                    std::string_view reason) {
    std::optional<int64_t> v = Int(name);
    if (v && (*v < lo || *v > hi)) {
      p_->Invalid(InvalidParameterValue(std::to_string(*v), name, reason));
      return std::nullopt;
    }
    return v;
  }

  const json::object* Object(std::string_view name) {
    const json::value* v = Find(name);
    if (!v) return nullptr;
    if (!v->is_object()) {
      p_->Type(TypeMismatch(*v, "a Map"));
      return nullptr;
    }
    return &v->get_object();
  }

  const json::array* Array(std::string_view name) {
    const json::value* v = Find(name);
    if (!v) return nullptr;
    if (!v->is_array()) {
      p_->Type(TypeMismatch(*v, "a List"));
      return nullptr;
    }
    return &v->get_array();
  }

  std::vector<std::string> StringList(std::string_view name) {
    std::vector<std::string> out;
    if (const json::array* a = Array(name)) {
      out.reserve(a->size());
      for (const json::value& e : *a) {
        if (auto s = AsString(e, p_)) out.push_back(std::move(*s));
      }
    }
    return out;
  }

  StringMap Map(std::string_view name) {
    StringMap out;
    if (const json::object* m = Object(name)) {
      for (const auto& kv : *m) {
        if (auto s = AsString(kv.value(), p_)) out[std::string(kv.key())] = std::move(*s);
      }
    }
    return out;
  }

  Problems* problems() { return p_; }

 private:
  const json::object& o_;
  Problems* p_;
};

// ---------------------------------------------------------------------------------------------------
// Message attributes (reference/sqs.md §4.2). The engine trusts what it gets from here: names, types
// and non-empty values are valid and binary values are decoded.

constexpr size_t kMaxMessageAttributes = 10;

Error InvalidValue(std::string message) {
  return Error{Errc::kInvalidParameterValue, std::move(message)};
}

// Decodes one UTF-8 code point at s[*i]; returns -1 on malformed input.
int32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(*i);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || *i + len > s.size()) return -1;
  int32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    if ((b(*i + k) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b(*i + k) & 0x3F);
  }
  *i += len;
  return cp;
}

// AWS allows "alphanumeric characters, hyphens, underscores and periods", where alphanumeric means
// Unicode letters and digits (AWS accepts "attr.1øßä" but rejects "§"). Without a Unicode database
// this approximates Java's Character.isLetterOrDigit: ASCII exactly; beyond ASCII, everything except
// the Latin-1 symbols, general punctuation / symbol blocks, private use and emoji.
bool ValidAttributeNameChars(std::string_view name) {
  for (size_t i = 0; i < name.size();) {
    int32_t cp = NextCodePoint(name, &i);
    if (cp < 0) return false;
    if (cp < 0x80) {
      if (!(std::isalnum(cp) || cp == '_' || cp == '-' || cp == '.')) return false;
      continue;
    }
    const bool symbol =
        (cp <= 0xBF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 || cp == 0xF7 ||
        (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
        (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
        (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
        (cp >= 0xFFF0 && cp <= 0xFFFF) || (cp >= 0x1F000 && cp <= 0x1FAFF);
    if (symbol) return false;
  }
  return true;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::optional<Error> CheckAttributeName(std::string_view name) {
  if (name.size() > 256) {
    return InvalidValue("Message (user) attribute name must be shorter than 256 bytes.");
  }
  if (name.empty() || !ValidAttributeNameChars(name)) {
    // Verbatim AWS wording, including "score" and the trailing space.
    return InvalidValue(
        "Message (user) attributes name can only contain upper and lower score characters, digits, "
        "periods, hyphens and underscores. ");
  }
  if (StartsWithNoCase(name, "aws.") || StartsWithNoCase(name, "amazon.") || name.front() == '.' ||
      name.back() == '.') {
    return InvalidValue(
        "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are "
        "reserved for internal use. Additionally, they cannot start or end with '.'.");
  }
  if (name.find("..") != std::string_view::npos) {
    return InvalidValue("Message (user) attribute name '" + std::string(name) +
                        "' can not contain successive periods.");
  }
  return std::nullopt;
}

// Decimal number as SQS accepts it: optional sign, digits with an optional fraction, optional
// exponent; at most 38 significant digits.
bool ValidNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  int digits = 0, significant = 0;
  bool leading = true, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (c >= '0' && c <= '9') {
      ++digits;
      if (c != '0') leading = false;
      if (!leading) ++significant;
    } else {
      break;
    }
  }
  if (digits == 0 || significant > 38) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 4) return false;
  }
  return i == s.size();
}

// One MessageAttributeValue structure as sent, before validation.
struct WireAttribute {
  std::optional<std::string> data_type;
  std::optional<std::string> string_value;
  std::optional<std::string> binary_value;  // base64
};

WireAttribute ReadWireAttribute(const json::value& v, Problems* types) {
  WireAttribute a;
  if (!v.is_object()) {
    types->Type(TypeMismatch(v, "a MessageAttributeValue"));
    return a;
  }
  Reader r(v.get_object(), types);
  a.data_type = r.String("DataType");
  a.string_value = r.String("StringValue");
  a.binary_value = r.String("BinaryValue");
  // StringListValues/BinaryListValues are reserved by AWS ("not implemented"): type-checked, ignored.
  (void)r.StringList("StringListValues");
  (void)r.StringList("BinaryListValues");
  return a;
}

// Reads MessageAttributes into *out. JSON type errors go to `types`, rule violations to `invalid`.
void ReadMessageAttributes(const json::value* v, Problems* types, Problems* invalid,
                           MessageAttributes* out) {
  if (!v) return;
  if (!v->is_object()) return types->Type(TypeMismatch(*v, "a Map"));
  const json::object& attrs = v->get_object();
  if (attrs.size() > kMaxMessageAttributes) {
    invalid->Invalid(InvalidValue("Number of message attributes [" + std::to_string(attrs.size()) +
                                  "] exceeds the allowed maximum [10]."));
  }
  for (const auto& kv : attrs) {
    const std::string name(kv.key());
    WireAttribute a = ReadWireAttribute(kv.value(), types);
    if (auto e = CheckAttributeName(name)) {
      invalid->Invalid(std::move(*e));
      continue;
    }
    const std::string type = a.data_type.value_or("");
    if (type.empty()) {
      invalid->Invalid(InvalidValue("The message attribute '" + name +
                                    "' must contain a non-empty attribute type."));
      continue;
    }
    if (type.size() > 256) {
      invalid->Invalid(InvalidValue("Message (user) attribute '" + name +
                                    "' type must be shorter than 256 bytes."));
      continue;
    }
    const size_t dot = type.find('.');
    const std::string_view base = std::string_view(type).substr(0, dot);
    const bool labelled_ok = dot == std::string::npos || dot + 1 < type.size();
    if ((base != "String" && base != "Number" && base != "Binary") || !labelled_ok) {
      invalid->Invalid(InvalidValue("The type of message (user) attribute '" + name +
                                    "' is invalid. You must use only the following supported type "
                                    "prefixes: Binary, Number, String."));
      continue;
    }
    MessageAttributeValue value;
    value.data_type = type;
    if (base == "Binary") {
      if (!a.binary_value || a.binary_value->empty()) {
        invalid->Invalid(InvalidValue("Message (user) attribute '" + name +
                                      "' must contain a non-empty value of type 'Binary'."));
        continue;
      }
      std::optional<std::string> bytes = Base64Decode(*a.binary_value);
      if (!bytes) {
        invalid->Invalid(InvalidValue("The message attribute '" + name +
                                      "' has an invalid base64 BinaryValue."));
        continue;
      }
      value.binary_value = std::move(*bytes);
    } else {
      if (!a.string_value || a.string_value->empty()) {
        invalid->Invalid(InvalidValue("Message (user) attribute '" + name +
                                      "' must contain a non-empty value of type '" +
                                      std::string(base) + "'."));
        continue;
      }
      if (base == "Number" && !ValidNumber(*a.string_value)) {
        invalid->Invalid(InvalidValue("Can't cast the value of message (user) attribute '" + name +
                                      "' to a number."));
        continue;
      }
      value.string_value = std::move(*a.string_value);
    }
    (*out)[name] = std::move(value);
  }
}

// MessageSystemAttributes: only AWSTraceHeader (DataType String) exists.
void ReadSystemAttributes(const json::value* v, Problems* types, Problems* invalid,
                          std::optional<std::string>* trace_header) {
  if (!v) return;
  if (!v->is_object()) return types->Type(TypeMismatch(*v, "a Map"));
  for (const auto& kv : v->get_object()) {
    const std::string name(kv.key());
    WireAttribute a = ReadWireAttribute(kv.value(), types);
    if (name != "AWSTraceHeader") {
      invalid->Invalid(InvalidValue("Message system attribute name '" + name + "' is invalid."));
      continue;
    }
    if (a.data_type.value_or("") != "String") {
      invalid->Invalid(InvalidValue("The type of message system attribute '" + name +
                                    "' is invalid. You must use only the following supported type "
                                    "prefixes: String."));
      continue;
    }
    if (!a.string_value || a.string_value->empty()) {
      invalid->Invalid(InvalidValue("Message system attribute '" + name +
                                    "' must contain a non-empty value of type 'String'."));
      continue;
    }
    *trace_header = std::move(*a.string_value);
  }
}


// ---------------------------------------------------------------------------------------------------
// Building the response object

void ReplyError(Reply& done, Error e) { done(Unexpected<Error>{std::move(e)}, 0); }

void ReplyOk(Reply& done, json::object out, uint64_t commit) { done(std::move(out), commit); }

void ReplyAck(Reply& done, Result<Ack> r) {
  if (!r) return ReplyError(done, std::move(r).error());
  ReplyOk(done, json::object(), r->commit);
}

void Put(json::object& o, std::string_view key, std::string_view value) { o.emplace(key, value); }

json::object StringMapToJson(const StringMap& m) {
  json::object o;
  o.reserve(m.size());
  for (const auto& [k, v] : m) Put(o, k, v);
  return o;
}

json::object SendResultToJson(const SendResult& r) {
  json::object o;
  o.reserve(5);
  Put(o, "MD5OfMessageBody", r.md5_of_body);
  if (!r.md5_of_attributes.empty()) Put(o, "MD5OfMessageAttributes", r.md5_of_attributes);
  if (!r.md5_of_system_attributes.empty()) {
    Put(o, "MD5OfMessageSystemAttributes", r.md5_of_system_attributes);
  }
  Put(o, "MessageId", r.message_id);
  if (!r.sequence_number.empty()) Put(o, "SequenceNumber", r.sequence_number);
  return o;
}

json::object MessageToJson(const ReceivedMessage& m) {
  const MessagePayload& p = *m.payload;
  json::object o;
  o.reserve(7);
  Put(o, "MessageId", p.message_id);
  Put(o, "ReceiptHandle", m.receipt_handle);
  Put(o, "MD5OfBody", p.md5_of_body);
  Put(o, "Body", p.body);
  if (!m.system_attributes.empty()) o.emplace("Attributes", StringMapToJson(m.system_attributes));
  if (!m.md5_of_attributes.empty()) Put(o, "MD5OfMessageAttributes", m.md5_of_attributes);
  if (!m.attributes.empty()) {
    json::object attrs;
    attrs.reserve(m.attributes.size());
    for (const auto& [name, v] : m.attributes) {
      json::object value;
      if (v.is_binary()) {
        Put(value, "BinaryValue", Base64Encode(v.binary_value));
      } else {
        Put(value, "StringValue", v.string_value);
      }
      Put(value, "DataType", v.data_type);
      attrs.emplace(name, std::move(value));
    }
    o.emplace("MessageAttributes", std::move(attrs));
  }
  return o;
}

json::object FailedToJson(const BatchError& e) {
  json::object o;
  o.reserve(4);
  Put(o, "Id", e.id);
  o.emplace("SenderFault", e.sender_fault);
  Put(o, "Code", Info(e.code).query_code);
  Put(o, "Message", e.message);
  return o;
}

json::object IdToJson(const std::string& id) {
  json::object o;
  Put(o, "Id", id);
  return o;
}

// Batch responses always carry both lists (both are required in the model).
json::object BatchToJson(json::array successful, const std::vector<BatchError>& pre_failed,
                         const std::vector<BatchError>& failed) {
  json::array f;
  f.reserve(pre_failed.size() + failed.size());
  for (const BatchError& e : pre_failed) f.push_back(FailedToJson(e));
  for (const BatchError& e : failed) f.push_back(FailedToJson(e));
  json::object o;
  o.emplace("Successful", std::move(successful));
  o.emplace("Failed", std::move(f));
  return o;
}

// ---------------------------------------------------------------------------------------------------
// Actions

using Handler = void (*)(Engine&, const json::object&, const RequestContext&, Reply);

#define EDDY_SQS_CHECK(problems)                                \
  do {                                                          \
    if (!(problems).ok()) return ReplyError(done, (problems).Take()); \
  } while (0)

void CreateQueue(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string name = r.RequiredString("QueueName");
  StringMap attributes = r.Map("Attributes");
  StringMap tags = r.Map("tags");
  EDDY_SQS_CHECK(p);
  auto res = engine.CreateQueue(ctx, name, attributes, tags);
  if (!res) return ReplyError(done, std::move(res).error());
  json::object out;
  Put(out, "QueueUrl", res->queue_url);
  ReplyOk(done, std::move(out), res->commit);
}

void DeleteQueue(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  EDDY_SQS_CHECK(p);
  ReplyAck(done, engine.DeleteQueue(ctx, url));
}

void GetQueueUrl(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string name = r.RequiredString("QueueName");
  std::string owner = r.String("QueueOwnerAWSAccountId").value_or("");
  EDDY_SQS_CHECK(p);
  auto res = engine.GetQueueUrl(ctx, name, owner);
  if (!res) return ReplyError(done, std::move(res).error());
  json::object out;
  Put(out, "QueueUrl", *res);
  ReplyOk(done, std::move(out), 0);
}

void ListQueues(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string prefix = r.String("QueueNamePrefix").value_or("");
  std::string token = r.String("NextToken").value_or("");
  std::optional<int64_t> max =
      r.IntInRange("MaxResults", 1, 1000, "MaxResults must be an integer between 1 and 1000.");
  EDDY_SQS_CHECK(p);
  auto res = engine.ListQueues(ctx, prefix, max.value_or(0), token);
  if (!res) return ReplyError(done, std::move(res).error());
  json::object out;
  if (!res->queue_urls.empty()) {
    json::array urls;
    urls.reserve(res->queue_urls.size());
    for (const std::string& u : res->queue_urls) urls.emplace_back(u);
    out.emplace("QueueUrls", std::move(urls));
  }
  if (!res->next_token.empty()) Put(out, "NextToken", res->next_token);
  ReplyOk(done, std::move(out), 0);
}

void GetQueueAttributes(Engine& engine, const json::object& in, const RequestContext& ctx,
                        Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  std::vector<std::string> names = r.StringList("AttributeNames");
  EDDY_SQS_CHECK(p);
  auto res = engine.GetQueueAttributes(ctx, url, names);
  if (!res) return ReplyError(done, std::move(res).error());
  json::object out;
  if (!res->empty()) out.emplace("Attributes", StringMapToJson(*res));
  ReplyOk(done, std::move(out), 0);
}

void SetQueueAttributes(Engine& engine, const json::object& in, const RequestContext& ctx,
                        Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  StringMap attributes = r.Map("Attributes");
  // An empty map is what the Query protocol sends for "absent"; treat both protocols alike.
  if (attributes.empty()) p.Invalid(MissingParameter("Attributes"));
  EDDY_SQS_CHECK(p);
  ReplyAck(done, engine.SetQueueAttributes(ctx, url, attributes));
}

// MessageGroupId, MessageDeduplicationId and ReceiveRequestAttemptId: 1..128 characters, each an ASCII
// letter, digit or punctuation mark (i.e. printable, no space) [AWS-observed wording]. Checked here
// for every queue type: the rule is about the request's shape, not the queue.
std::optional<std::string> FifoId(Reader& r, std::string_view name, Problems* invalid) {
  std::optional<std::string> v = r.String(name);
  if (!v) return v;
  bool ok = !v->empty() && v->size() <= 128;
  for (char c : *v) ok = ok && c > 0x20 && c < 0x7F;
  if (!ok) {
    invalid->Invalid(InvalidParameterValue(
        *v, name,
        std::string(name) +
            " can only include alphanumeric and punctuation characters. 1 to 128 in length."));
  }
  return v;
}

// Reads the members SendMessage and a SendMessageBatch entry share. Rule violations of the message
// attributes go to `invalid` (per entry in a batch), JSON type errors to the reader's problems.
SendRequest ReadSendRequest(Reader& r, Problems* invalid) {
  SendRequest req;
  req.body = r.RequiredString("MessageBody");
  req.delay_seconds = r.Int("DelaySeconds");
  ReadMessageAttributes(r.Find("MessageAttributes"), r.problems(), invalid, &req.attributes);
  ReadSystemAttributes(r.Find("MessageSystemAttributes"), r.problems(), invalid, &req.trace_header);
  req.deduplication_id = FifoId(r, "MessageDeduplicationId", invalid);
  req.group_id = FifoId(r, "MessageGroupId", invalid);
  return req;
}

void SendMessage(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  SendRequest req = ReadSendRequest(r, &p);
  EDDY_SQS_CHECK(p);
  auto res = engine.SendMessage(ctx, url, std::move(req));
  if (!res) return ReplyError(done, std::move(res).error());
  ReplyOk(done, SendResultToJson(res->result), res->commit);
}

// Batch entries that fail validation here never reach the engine; they are reported in `Failed`
// together with the engine's own per-entry failures. Whole-request checks still see every entry.
// Returns false (after replying) when the request as a whole fails.
bool PrecheckPartialBatch(Engine& engine, const RequestContext& ctx, const std::string& url,
                          const std::vector<std::string>& all_ids, std::string_view entry_name,
                          Reply& done) {
  // The engine looks the queue up before validating a batch; keep that order.
  auto queue = engine.GetQueueAttributes(ctx, url, {});
  if (!queue) {
    ReplyError(done, std::move(queue).error());
    return false;
  }
  if (auto s = ValidateBatchIds(all_ids, entry_name); !s) {
    ReplyError(done, std::move(s).error());
    return false;
  }
  return true;
}

// The entries of a batch request: those that parsed, every id (the whole-request checks see them all),
// and the ones failed here, reported in `Failed` beside the engine's own per-entry failures.
template <typename Entry>
struct BatchEntries {
  std::vector<Entry> entries;
  std::vector<std::string> all_ids;
  std::vector<BatchError> pre_failed;
};

// Reads `Entries`: `parse(entry_reader, &entry)` fills an entry (its Id is read here) and returns an
// error for an entry-level problem. JSON type errors go to `p` and fail the whole request.
template <typename Entry, typename Parse>
BatchEntries<Entry> ReadBatchEntries(Reader& r, Problems& p, std::string_view entry_name,
                                     Parse parse) {
  BatchEntries<Entry> out;
  const json::array* list = r.Array("Entries");
  if (list == nullptr) return out;
  out.entries.reserve(list->size());
  for (const json::value& v : *list) {
    if (!v.is_object()) {
      p.Type(TypeMismatch(v, "a " + std::string(entry_name)));
      continue;
    }
    Reader er(v.get_object(), &p);
    Entry e;
    e.id = er.String("Id").value_or("");
    out.all_ids.push_back(e.id);
    if (std::optional<Error> err = parse(er, &e)) {
      out.pre_failed.push_back({e.id, err->code, std::move(err->message), true});
    } else {
      out.entries.push_back(std::move(e));
    }
  }
  return out;
}

// When entries failed here, the whole request is still checked as AWS does; if nothing is left for the
// engine, the reply is sent here. Returns true when the request has been answered.
template <typename Entry>
bool AnsweredBeforeEngine(Engine& engine, const RequestContext& ctx, const std::string& url,
                          const BatchEntries<Entry>& batch, std::string_view entry_name,
                          Reply& done) {
  if (batch.pre_failed.empty()) return false;
  if (!PrecheckPartialBatch(engine, ctx, url, batch.all_ids, entry_name, done)) return true;
  if (!batch.entries.empty()) return false;
  ReplyOk(done, BatchToJson({}, batch.pre_failed, {}), 0);
  return true;
}

void SendMessageBatch(Engine& engine, const json::object& in, const RequestContext& ctx,
                      Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  constexpr std::string_view kEntry = "SendMessageBatchRequestEntry";
  auto batch = ReadBatchEntries<BatchSendEntry>(r, p, kEntry, [](Reader& er, BatchSendEntry* e) {
    Problems entry_invalid;
    e->request = ReadSendRequest(er, &entry_invalid);
    return entry_invalid.ok() ? std::nullopt : std::optional<Error>(entry_invalid.Take());
  });
  EDDY_SQS_CHECK(p);
  if (AnsweredBeforeEngine(engine, ctx, url, batch, kEntry, done)) return;
  auto res = engine.SendMessageBatch(ctx, url, std::move(batch.entries));
  if (!res) return ReplyError(done, std::move(res).error());
  json::array ok;
  ok.reserve(res->successful.size());
  for (const auto& [id, result] : res->successful) {
    json::object o = SendResultToJson(result);
    o.emplace("Id", id);
    ok.push_back(std::move(o));
  }
  ReplyOk(done, BatchToJson(std::move(ok), batch.pre_failed, res->failed), res->commit);
}

void ReceiveMessage(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  ReceiveRequest req;
  req.max_messages = r.IntInRange("MaxNumberOfMessages", 1, 10, "Must be between 1 and 10, if provided.")
                         .value_or(1);
  req.visibility_timeout =
      r.IntInRange("VisibilityTimeout", 0, 43200, "Must be >= 0 and <= 43200, if provided.");
  req.wait_seconds = r.IntInRange("WaitTimeSeconds", 0, 20, "Must be >= 0 and <= 20, if provided.");
  // MessageSystemAttributeNames supersedes the deprecated AttributeNames when both are sent.
  std::vector<std::string> system_names = r.StringList("MessageSystemAttributeNames");
  std::vector<std::string> legacy_names = r.StringList("AttributeNames");
  req.system_attribute_names = system_names.empty() ? std::move(legacy_names) : std::move(system_names);
  req.message_attribute_names = r.StringList("MessageAttributeNames");
  req.receive_request_attempt_id = FifoId(r, "ReceiveRequestAttemptId", &p);
  EDDY_SQS_CHECK(p);
  engine.ReceiveMessage(ctx, url, std::move(req), [done = std::move(done)](Result<ReceiveResult> res) mutable {
    if (!res) return ReplyError(done, std::move(res).error());
    json::object out;
    if (!res->messages.empty()) {  // AWS answers {} (no Messages key) when nothing was received
      json::array messages;
      messages.reserve(res->messages.size());
      for (const ReceivedMessage& m : res->messages) messages.push_back(MessageToJson(m));
      out.emplace("Messages", std::move(messages));
    }
    ReplyOk(done, std::move(out), res->commit);
  });
}

void DeleteMessage(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  std::string handle = r.RequiredString("ReceiptHandle");
  EDDY_SQS_CHECK(p);
  ReplyAck(done, engine.DeleteMessage(ctx, url, handle));
}

void ReplyIdBatch(Reply& done, Result<BatchResult> res, const std::vector<BatchError>& pre_failed) {
  if (!res) return ReplyError(done, std::move(res).error());
  json::array ok;
  ok.reserve(res->successful.size());
  for (const std::string& id : res->successful) ok.push_back(IdToJson(id));
  ReplyOk(done, BatchToJson(std::move(ok), pre_failed, res->failed), res->commit);
}

void DeleteMessageBatch(Engine& engine, const json::object& in, const RequestContext& ctx,
                        Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  auto batch = ReadBatchEntries<ReceiptEntry>(
      r, p, "DeleteMessageBatchRequestEntry", [](Reader& er, ReceiptEntry* e) {
        e->receipt_handle = er.String("ReceiptHandle").value_or("");
        return std::optional<Error>();
      });
  EDDY_SQS_CHECK(p);
  ReplyIdBatch(done, engine.DeleteMessageBatch(ctx, url, batch.entries), {});
}

void ChangeMessageVisibility(Engine& engine, const json::object& in, const RequestContext& ctx,
                             Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  std::string handle = r.RequiredString("ReceiptHandle");
  std::optional<int64_t> timeout = r.Int("VisibilityTimeout");
  if (!timeout && !r.Find("VisibilityTimeout")) p.Invalid(MissingParameter("VisibilityTimeout"));
  EDDY_SQS_CHECK(p);
  // The range (0..43200) is checked by the engine, after the receipt handle.
  ReplyAck(done, engine.ChangeMessageVisibility(ctx, url, handle, *timeout));
}

void ChangeMessageVisibilityBatch(Engine& engine, const json::object& in, const RequestContext& ctx,
                                  Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  constexpr std::string_view kEntry = "ChangeMessageVisibilityBatchRequestEntry";
  auto batch = ReadBatchEntries<ReceiptEntry>(r, p, kEntry, [](Reader& er, ReceiptEntry* e) {
    e->receipt_handle = er.String("ReceiptHandle").value_or("");
    std::optional<int64_t> timeout = er.Int("VisibilityTimeout");
    // Optional in the model, but there is no sensible default (0 would expose the message at once):
    // fail the entry rather than guess. (A value of the wrong type already fails the request.)
    if (!timeout) return std::optional<Error>(MissingParameter("VisibilityTimeout").error);
    e->visibility_timeout = *timeout;
    return std::optional<Error>();
  });
  EDDY_SQS_CHECK(p);
  if (AnsweredBeforeEngine(engine, ctx, url, batch, kEntry, done)) return;
  ReplyIdBatch(done, engine.ChangeMessageVisibilityBatch(ctx, url, batch.entries),
               batch.pre_failed);
}

void PurgeQueue(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  EDDY_SQS_CHECK(p);
  ReplyAck(done, engine.PurgeQueue(ctx, url));
}

void TagQueue(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  StringMap tags = r.Map("Tags");
  if (tags.empty()) p.Invalid(MissingParameter("Tags"));
  EDDY_SQS_CHECK(p);
  ReplyAck(done, engine.TagQueue(ctx, url, tags));
}

void UntagQueue(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  std::vector<std::string> keys = r.StringList("TagKeys");
  if (keys.empty()) p.Invalid(MissingParameter("TagKeys"));
  EDDY_SQS_CHECK(p);
  ReplyAck(done, engine.UntagQueue(ctx, url, keys));
}

void ListQueueTags(Engine& engine, const json::object& in, const RequestContext& ctx, Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  EDDY_SQS_CHECK(p);
  auto res = engine.ListQueueTags(ctx, url);
  if (!res) return ReplyError(done, std::move(res).error());
  json::object out;
  if (!res->empty()) out.emplace("Tags", StringMapToJson(*res));
  ReplyOk(done, std::move(out), 0);
}

// ---- Dead-letter queues and message move tasks (reference/sqs.md §2, §6) ----

void ListDeadLetterSourceQueues(Engine& engine, const json::object& in, const RequestContext& ctx,
                                Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string url = r.RequiredString("QueueUrl");
  std::string token = r.String("NextToken").value_or("");
  std::optional<int64_t> max =
      r.IntInRange("MaxResults", 1, 1000, "MaxResults must be an integer between 1 and 1000.");
  EDDY_SQS_CHECK(p);
  auto res = engine.ListDeadLetterSourceQueues(ctx, url, max.value_or(0), token);
  if (!res) return ReplyError(done, std::move(res).error());
  // `queueUrls` (sic, lower-case q) is required in the model: always present, even when empty.
  json::array urls;
  urls.reserve(res->queue_urls.size());
  for (const std::string& u : res->queue_urls) urls.emplace_back(u);
  json::object out;
  out.emplace("queueUrls", std::move(urls));
  if (!res->next_token.empty()) Put(out, "NextToken", res->next_token);
  ReplyOk(done, std::move(out), 0);
}

void StartMessageMoveTask(Engine& engine, const json::object& in, const RequestContext& ctx,
                          Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string source = r.RequiredString("SourceArn");
  std::string destination = r.String("DestinationArn").value_or("");
  // The range (1..500) is the engine's to check, after the queues.
  std::optional<int64_t> rate = r.Int("MaxNumberOfMessagesPerSecond");
  EDDY_SQS_CHECK(p);
  auto res = engine.StartMessageMoveTask(ctx, source, destination, rate);
  if (!res) return ReplyError(done, std::move(res).error());
  json::object out;
  Put(out, "TaskHandle", res->task_handle);
  ReplyOk(done, std::move(out), res->commit);
}

void CancelMessageMoveTask(Engine& engine, const json::object& in, const RequestContext& ctx,
                           Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string handle = r.RequiredString("TaskHandle");
  EDDY_SQS_CHECK(p);
  auto res = engine.CancelMessageMoveTask(ctx, handle);
  if (!res) return ReplyError(done, std::move(res).error());
  json::object out;
  out.emplace("ApproximateNumberOfMessagesMoved", res->moved);
  ReplyOk(done, std::move(out), res->commit);
}

json::object MoveTaskToJson(const MoveTaskInfo& t) {
  json::object o;
  o.reserve(9);
  if (!t.task_handle.empty()) Put(o, "TaskHandle", t.task_handle);
  Put(o, "Status", t.status);
  Put(o, "SourceArn", t.source_arn);
  if (!t.destination_arn.empty()) Put(o, "DestinationArn", t.destination_arn);
  if (t.max_per_second) o.emplace("MaxNumberOfMessagesPerSecond", *t.max_per_second);
  o.emplace("ApproximateNumberOfMessagesMoved", t.moved);
  o.emplace("ApproximateNumberOfMessagesToMove", t.to_move);
  if (!t.failure_reason.empty()) Put(o, "FailureReason", t.failure_reason);
  o.emplace("StartedTimestamp", t.started_ms);
  return o;
}

void ListMessageMoveTasks(Engine& engine, const json::object& in, const RequestContext& ctx,
                          Reply done) {
  Problems p;
  Reader r(in, &p);
  std::string source = r.RequiredString("SourceArn");
  // Reason text inferred (no AWS recording): modelled on ListQueues' MaxResults message.
  std::optional<int64_t> max =
      r.IntInRange("MaxResults", 1, 10, "MaxResults must be an integer between 1 and 10.");
  EDDY_SQS_CHECK(p);
  auto res = engine.ListMessageMoveTasks(ctx, source, max.value_or(1));
  if (!res) return ReplyError(done, std::move(res).error());
  // `Results` is optional in the model, but always sent (an empty list when the DLQ never had a
  // task) so that clients indexing resp["Results"] work; in XML an empty list renders nothing.
  json::array results;
  results.reserve(res->size());
  for (const MoveTaskInfo& t : *res) results.push_back(MoveTaskToJson(t));
  json::object out;
  out.emplace("Results", std::move(results));
  ReplyOk(done, std::move(out), 0);
}

#undef EDDY_SQS_CHECK

// Every action of the SQS model. A null handler = known but not implemented yet.
// TODO(wire): AddPermission/RemovePermission need engine support first (the Query shapes exist).
struct ActionEntry {
  std::string_view name;
  Handler handler;
};
constexpr ActionEntry kActions[] = {
    {"SendMessage", &SendMessage},
    {"ReceiveMessage", &ReceiveMessage},
    {"DeleteMessage", &DeleteMessage},
    {"SendMessageBatch", &SendMessageBatch},
    {"DeleteMessageBatch", &DeleteMessageBatch},
    {"ChangeMessageVisibility", &ChangeMessageVisibility},
    {"ChangeMessageVisibilityBatch", &ChangeMessageVisibilityBatch},
    {"CreateQueue", &CreateQueue},
    {"DeleteQueue", &DeleteQueue},
    {"GetQueueUrl", &GetQueueUrl},
    {"ListQueues", &ListQueues},
    {"GetQueueAttributes", &GetQueueAttributes},
    {"SetQueueAttributes", &SetQueueAttributes},
    {"PurgeQueue", &PurgeQueue},
    {"TagQueue", &TagQueue},
    {"UntagQueue", &UntagQueue},
    {"ListQueueTags", &ListQueueTags},
    {"AddPermission", nullptr},
    {"RemovePermission", nullptr},
    {"ListDeadLetterSourceQueues", &ListDeadLetterSourceQueues},
    {"StartMessageMoveTask", &StartMessageMoveTask},
    {"CancelMessageMoveTask", &CancelMessageMoveTask},
    {"ListMessageMoveTasks", &ListMessageMoveTasks},
};

const ActionEntry* FindAction(std::string_view name) {
  for (const ActionEntry& a : kActions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace

bool Api::IsKnownAction(std::string_view action) { return FindAction(action) != nullptr; }

void Api::Handle(std::string_view action, const json::object& input, const RequestContext& ctx,
                 Reply done) {
  const ActionEntry* a = FindAction(action);
  if (a == nullptr) {
    return ReplyError(done, Error{Errc::kInvalidAction, "The action " + std::string(action) +
                                                            " is not valid for this endpoint."});
  }
  if (a->handler == nullptr) {
    return ReplyError(done, Error{Errc::kUnsupportedOperation,
                                  "The action " + std::string(action) +
                                      " is not supported by this server yet."});
  }
  a->handler(engine_, input, ctx, std::move(done));
}

}  // namespace eddy::sqs
