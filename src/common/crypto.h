#pragma once
// Hashes, HMAC, randomness and encodings, on OpenSSL 3 with pre-fetched algorithms.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy {

using Md5Digest = std::array<uint8_t, 16>;
using Sha256Digest = std::array<uint8_t, 32>;

Md5Digest Md5(std::string_view data);
Sha256Digest Sha256(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of arbitrary bytes.
std::string HexLower(const uint8_t* data, size_t n);
template <size_t N>
std::string HexLower(const std::array<uint8_t, N>& a) {
  return HexLower(a.data(), N);
}
inline std::string Md5Hex(std::string_view data) { return HexLower(Md5(data)); }
inline std::string Sha256Hex(std::string_view data) { return HexLower(Sha256(data)); }

// Incremental MD5, for digests over several pieces (message attributes).
class Md5Builder {
 public:
  Md5Builder();
  ~Md5Builder();
  Md5Builder(const Md5Builder&) = delete;
  Md5Builder& operator=(const Md5Builder&) = delete;
  void Update(std::string_view data);
  Md5Digest Finish();

 private:
  void* ctx_;
};

// Cryptographically random bytes.
void RandomBytes(uint8_t* out, size_t n);
std::string RandomBytes(size_t n);

// A random (version 4) UUID in the canonical lower-case 8-4-4-4-12 form. Unique, not secret.
std::string NewUuid();

// Standard base64 with padding (RFC 4648 §4). Decode rejects anything malformed.
std::string Base64Encode(std::string_view data);
std::optional<std::string> Base64Decode(std::string_view text);
// URL-safe base64 without padding (RFC 4648 §5), used for opaque tokens.
std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Constant-time comparison.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace eddy
