#include "aws/xml.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace eddy::aws {

namespace {

// Bytes that AppendXmlEscaped must rewrite: & < > " and the C0 controls other than TAB and LF.
constexpr std::array<bool, 256> MakeEscapeTable() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = c != '\t' && c != '\n';
  t['&'] = t['<'] = t['>'] = t['"'] = true;
  return t;
}
constexpr std::array<bool, 256> kNeedsEscape = MakeEscapeTable();

// SWAR: non-zero iff some byte of `x` may need escaping (a byte < 0x20 or one of & < > ").
// False positives (TAB, LF) just fall back to the byte loop.
inline uint64_t MayNeedEscape(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  auto has = [&](uint8_t b) {
    const uint64_t y = x ^ (kOnes * b);
    return (y - kOnes) & ~y & kHigh;
  };
  const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHigh;
  return below_space | has('&') | has('<') | has('>') | has('"');
}

}  // namespace

void AppendXmlEscaped(std::string_view text, std::string* out) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* run = p;
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (MayNeedEscape(w)) break;
      p += 8;
    }
    while (p < end && !kNeedsEscape[static_cast<unsigned char>(*p)]) ++p;
    out->append(run, p - run);
    if (p == end) break;
    switch (*p) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      case '\r': out->append("&#xD;"); break;  // survives parsers' line-end normalisation
      default: out->append("\xEF\xBF\xBD"); break;  // not representable in XML 1.0
    }
    ++p;
  }
}

void XmlWriter::Open(std::string_view tag) {
  out_->push_back('<');
  out_->append(tag);
  out_->push_back('>');
}

void XmlWriter::OpenWithNamespace(std::string_view tag, std::string_view xmlns) {
  out_->push_back('<');
  out_->append(tag);
  out_->append(" xmlns=\"");
  AppendXmlEscaped(xmlns, out_);
  out_->append("\">");
}

void XmlWriter::Close(std::string_view tag) {
  out_->append("</");
  out_->append(tag);
  out_->push_back('>');
}

void XmlWriter::Empty(std::string_view tag) {
  out_->push_back('<');
  out_->append(tag);
  out_->append("/>");
}

void XmlWriter::Element(std::string_view tag, std::string_view text) {
  Open(tag);
  AppendXmlEscaped(text, out_);
  Close(tag);
}

void XmlWriter::Element(std::string_view tag, int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  (void)ec;
  Open(tag);
  out_->append(buf, end);
  Close(tag);
}

}  // namespace eddy::aws
