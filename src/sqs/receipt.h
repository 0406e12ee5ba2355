#pragma once
// Receipt handles: opaque, unforgeable tokens naming one receive of one message. A handle carries the
// queue id, the message seq and the receive's nonce, authenticated with an HMAC under a per-data-dir key,
// so a forged or corrupted handle is rejected without a lookup and a handle from another (or a deleted and
// re-created) queue never matches.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::sqs {

struct Receipt {
  uint64_t queue_id = 0;
  uint64_t seq = 0;
  uint64_t nonce = 0;
};

std::string EncodeReceipt(const Receipt& receipt, std::string_view key);
// nullopt for anything that is not a handle this key produced.
std::optional<Receipt> DecodeReceipt(std::string_view handle, std::string_view key);

}  // namespace eddy::sqs
