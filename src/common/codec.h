#pragma once
// Little binary encoding helpers for records Eddy persists: fixed-width little-endian integers and
// u32-length-prefixed strings. Readers return false on truncated input instead of reading past it.

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

namespace eddy {

class BinaryWriter {
 public:
  explicit BinaryWriter(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Fixed(v); }
  void I64(int64_t v) { Fixed(v); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_->append(s);
  }
  void Map(const std::map<std::string, std::string>& m) {
    U32(static_cast<uint32_t>(m.size()));
    for (const auto& [k, v] : m) {
      Str(k);
      Str(v);
    }
  }

 private:
  template <typename T>
  void Fixed(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_->append(b, sizeof(T));
  }
  std::string* out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}
  [[nodiscard]] bool U8(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  [[nodiscard]] bool U32(uint32_t* v) { return Fixed(v); }
  [[nodiscard]] bool I64(int64_t* v) { return Fixed(v); }
  [[nodiscard]] bool Str(std::string* s) {
    uint32_t n = 0;
    if (!U32(&n) || in_.size() < n) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  [[nodiscard]] bool Map(std::map<std::string, std::string>* m) {
    uint32_t n = 0;
    if (!U32(&n)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      std::string k, v;
      if (!Str(&k) || !Str(&v)) return false;
      (*m)[std::move(k)] = std::move(v);
    }
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  template <typename T>
  bool Fixed(T* v) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  std::string_view in_;
};

}  // namespace eddy
