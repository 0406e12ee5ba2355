#include "aws/request_id.h"

#include <cstdint>
#include <random>

#include "common/crypto.h"

namespace eddy::aws {
namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 gen = [] {
    uint8_t seed_bytes[32];
    RandomBytes(seed_bytes, sizeof(seed_bytes));
    std::seed_seq seq(seed_bytes, seed_bytes + sizeof(seed_bytes));
    return std::mt19937_64(seq);
  }();
  return gen;
}

}  // namespace

std::string NewRequestId() {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t hi = Generator()();
  uint64_t lo = Generator()();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // RFC 4122 variant
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (i * 4)) & 0xF];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

}  // namespace eddy::aws
