#pragma once
// A minimal XML writer for protocol responses: appends to a caller-owned string, no DOM, no stack of
// open elements (callers close what they open; the output shapes are fixed by the service model).

#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::aws {

// Appends `text` escaped for an XML text node or attribute value: & < > " as entities and CR as &#xD;
// (as AWS does, so a CR survives parsers' line-end normalisation). Control characters that XML 1.0
// cannot carry at all are replaced with U+FFFD so the document always parses.
void AppendXmlEscaped(std::string_view text, std::string* out);

class XmlWriter {
 public:
  explicit XmlWriter(std::string* out) : out_(out) {}

  void Declaration() { out_->append("<?xml version=\"1.0\"?>"); }
  void Open(std::string_view tag);
  void OpenWithNamespace(std::string_view tag, std::string_view xmlns);
  void Close(std::string_view tag);
  void Empty(std::string_view tag);  // <tag/>
  void Element(std::string_view tag, std::string_view text);  // <tag>escaped text</tag>
  void Element(std::string_view tag, int64_t value);
  void Element(std::string_view tag, bool value) { Element(tag, value ? "true" : "false"); }
  void Element(std::string_view tag, const char* text) { Element(tag, std::string_view(text)); }
  void Text(std::string_view text) { AppendXmlEscaped(text, out_); }
  std::string* out() { return out_; }

 private:
  std::string* out_;
};

}  // namespace eddy::aws
