#include "sqs/receipt.h"

#include <cstring>

#include "common/crypto.h"

namespace eddy::sqs {
namespace {
constexpr size_t kFieldsSize = 24;
constexpr size_t kMacSize = 16;  // truncated HMAC-SHA256: 128 bits is plenty against forgery
}  // namespace

std::string EncodeReceipt(const Receipt& r, std::string_view key) {
  char raw[kFieldsSize + kMacSize];
  std::memcpy(raw, &r.queue_id, 8);
  std::memcpy(raw + 8, &r.seq, 8);
  std::memcpy(raw + 16, &r.nonce, 8);
  Sha256Digest mac = HmacSha256(key, std::string_view(raw, kFieldsSize));
  std::memcpy(raw + kFieldsSize, mac.data(), kMacSize);
  return Base64UrlEncode(std::string_view(raw, sizeof raw));
}

std::optional<Receipt> DecodeReceipt(std::string_view handle, std::string_view key) {
  if (handle.size() > 1024) return std::nullopt;
  auto raw = Base64UrlDecode(handle);
  if (!raw || raw->size() != kFieldsSize + kMacSize) return std::nullopt;
  Sha256Digest mac = HmacSha256(key, std::string_view(raw->data(), kFieldsSize));
  if (!ConstantTimeEquals(std::string_view(reinterpret_cast<const char*>(mac.data()), kMacSize),
                          std::string_view(raw->data() + kFieldsSize, kMacSize))) {
    return std::nullopt;
  }
  Receipt r;
  std::memcpy(&r.queue_id, raw->data(), 8);
  std::memcpy(&r.seq, raw->data() + 8, 8);
  std::memcpy(&r.nonce, raw->data() + 16, 8);
  return r;
}

}  // namespace eddy::sqs
