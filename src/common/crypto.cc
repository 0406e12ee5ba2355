#include "common/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>
#include <random>

namespace eddy {
namespace {

// Fetched once: EVP_MD_fetch is far cheaper than the implicit lookup in EVP_md5() on every call.
const EVP_MD* FetchedMd(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();
  return md;
}
const EVP_MD* Md5Md() {
  static const EVP_MD* md = FetchedMd("MD5");
  return md;
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = FetchedMd("SHA256");
  return md;
}

template <size_t N>
std::array<uint8_t, N> Digest(const EVP_MD* md, std::string_view data) {
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  return out;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = p[i] << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

int DecodeChar(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (!url && c == '+') return 62;
  if (!url && c == '/') return 63;
  if (url && c == '-') return 62;
  if (url && c == '_') return 63;
  return -1;
}

std::optional<std::string> Decode(std::string_view in, bool url) {
  if (!url) {
    if (in.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
    in.remove_suffix(pad);
  }
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = DecodeChar(c, url);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Left-over bits must be zero for a canonical encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

Md5Digest Md5(std::string_view data) { return Digest<16>(Md5Md(), data); }
Sha256Digest Sha256(std::string_view data) { return Digest<32>(Sha256Md(), data); }

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest out{};
  unsigned int len = 0;
  HMAC(Sha256Md(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

std::string HexLower(const uint8_t* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

Md5Builder::Md5Builder() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Md5Md(), nullptr);
}
Md5Builder::~Md5Builder() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Md5Builder::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}
Md5Digest Md5Builder::Finish() {
  Md5Digest out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  return out;
}

void RandomBytes(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}
std::string RandomBytes(size_t n) {
  std::string s(n, '\0');
  RandomBytes(reinterpret_cast<uint8_t*>(s.data()), n);
  return s;
}

std::string NewUuid() {
  // A per-thread generator seeded from the OS rather than a CSPRNG call per id: ids (message ids,
  // request ids) must be unique, not unpredictable, and RAND_bytes was a fifth of SendMessage's cost.
  thread_local std::mt19937_64 gen = [] {
    uint8_t seed_bytes[32];
    RandomBytes(seed_bytes, sizeof seed_bytes);
    std::seed_seq seq(seed_bytes, seed_bytes + sizeof seed_bytes);
    return std::mt19937_64(seq);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t hi = (gen() & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  uint64_t lo = (gen() & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // RFC 4122 variant
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v) {
    for (int i = 15; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (i * 4)) & 0xF];
    }
  };
  put(hi);
  put(lo);
  return out;
}

std::string Base64Encode(std::string_view data) { return Encode(data, kB64, true); }
std::optional<std::string> Base64Decode(std::string_view text) { return Decode(text, false); }
std::string Base64UrlEncode(std::string_view data) { return Encode(data, kB64Url, false); }
std::optional<std::string> Base64UrlDecode(std::string_view text) { return Decode(text, true); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace eddy
