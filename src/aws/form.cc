#include "aws/form.h"

#include <cstdint>
#include <cstring>

namespace eddy::aws {
namespace {

// SWAR helpers: a non-zero result iff some byte of `x` equals `b`.
inline uint64_t HasByte(uint64_t x, uint8_t b) {
  const uint64_t y = x ^ (0x0101010101010101ull * b);
  return (y - 0x0101010101010101ull) & ~y & 0x8080808080808080ull;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->reserve(out->size() + in.size());
  const char* p = in.data();
  const char* const end = p + in.size();
  while (p < end) {
    const char* run = p;
    // Skip plain bytes eight at a time; bodies are mostly plain text.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (HasByte(w, '%') | HasByte(w, '+')) break;
      p += 8;
    }
    while (p < end && *p != '%' && *p != '+') ++p;
    out->append(run, p - run);
    if (p == end) break;
    if (*p == '+') {
      out->push_back(plus_is_space ? ' ' : '+');
      ++p;
      continue;
    }
    if (end - p < 3) return false;  // fewer than two characters follow the '%'
    const int hi = HexValue(p[1]);
    const int lo = HexValue(p[2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    p += 3;
  }
  return true;
}

bool ParseForm(std::string_view text, FormParams* out) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    FormParam& p = out->emplace_back();
    if (!PercentDecode(pair.substr(0, eq), true, &p.name)) return false;
    if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &p.value)) {
      return false;
    }
  }
  return true;
}

const std::string* FindParam(const FormParams& params, std::string_view name) {
  for (const FormParam& p : params) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

}  // namespace eddy::aws
