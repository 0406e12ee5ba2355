#include "sqs/model.h"

#include "common/codec.h"
#include "common/crypto.h"

namespace eddy::sqs {

bool MessageAttributeValue::is_binary() const { return data_type.rfind("Binary", 0) == 0; }

namespace {

// Payload encoding (format version 1): a version byte, then the fields in a fixed order (common/codec.h).
// Attributes: u32 count, then per attribute its name, data type, u8 binary flag and value.
constexpr uint8_t kPayloadVersion = 1;

}  // namespace

std::string MessagePayload::Encode() const {
  std::string out;
  out.reserve(96 + message_id.size() + body.size());
  BinaryWriter w(&out);
  w.U8(kPayloadVersion);
  w.Str(message_id);
  w.Str(body);
  w.Str(md5_of_body);
  w.U32(static_cast<uint32_t>(attributes.size()));
  for (const auto& [name, value] : attributes) {
    w.Str(name);
    w.Str(value.data_type);
    bool binary = value.is_binary();
    w.U8(binary ? 1 : 0);
    w.Str(binary ? value.binary_value : value.string_value);
  }
  w.Str(md5_of_attributes);
  w.Str(trace_header);
  w.Str(sender_id);
  w.I64(sent_ms);
  w.Str(group_id);
  w.Str(deduplication_id);
  w.Str(dead_letter_source_arn);
  return out;
}

std::optional<MessagePayload> MessagePayload::Decode(std::string_view bytes) {
  BinaryReader r(bytes);
  MessagePayload p;
  uint8_t version = 0;
  uint32_t count = 0;
  if (!r.U8(&version) || version != kPayloadVersion) return std::nullopt;
  if (!r.Str(&p.message_id) || !r.Str(&p.body) || !r.Str(&p.md5_of_body) || !r.U32(&count)) {
    return std::nullopt;
  }
  for (uint32_t i = 0; i < count; ++i) {
    std::string name;
    MessageAttributeValue v;
    uint8_t binary = 0;
    std::string value;
    if (!r.Str(&name) || !r.Str(&v.data_type) || !r.U8(&binary) || !r.Str(&value)) {
      return std::nullopt;
    }
    (binary ? v.binary_value : v.string_value) = std::move(value);
    p.attributes.emplace(std::move(name), std::move(v));
  }
  if (!r.Str(&p.md5_of_attributes) || !r.Str(&p.trace_header) || !r.Str(&p.sender_id) ||
      !r.I64(&p.sent_ms) || !r.Str(&p.group_id) || !r.Str(&p.deduplication_id) ||
      !r.Str(&p.dead_letter_source_arn) || !r.done()) {
    return std::nullopt;
  }
  return p;
}

std::string Md5OfAttributes(const MessageAttributes& attributes) {
  if (attributes.empty()) return {};
  Md5Builder md5;
  auto put_len = [&md5](size_t n) {
    uint8_t b[4] = {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                    static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    md5.Update(std::string_view(reinterpret_cast<const char*>(b), 4));
  };
  for (const auto& [name, value] : attributes) {  // std::map: byte-wise name order
    put_len(name.size());
    md5.Update(name);
    put_len(value.data_type.size());
    md5.Update(value.data_type);
    bool binary = value.is_binary();
    md5.Update(binary ? std::string_view("\x02", 1) : std::string_view("\x01", 1));
    const std::string& v = binary ? value.binary_value : value.string_value;
    put_len(v.size());
    md5.Update(v);
  }
  return HexLower(md5.Finish());
}

std::optional<QueueArn> ParseQueueArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:sqs:";
  if (!arn.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = arn.substr(kPrefix.size());
  size_t a = rest.find(':');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = rest.find(':', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  QueueArn q{std::string(rest.substr(0, a)), std::string(rest.substr(a + 1, b - a - 1)),
             std::string(rest.substr(b + 1))};
  if (q.region.empty() || q.account.empty() || q.name.empty()) return std::nullopt;
  return q;
}

}  // namespace eddy::sqs
