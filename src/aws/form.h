#pragma once
// application/x-www-form-urlencoded decoding: Query-protocol POST bodies and URL query strings.

#include <string>
#include <string_view>
#include <vector>

namespace eddy::aws {

struct FormParam {
  std::string name;
  std::string value;
};
using FormParams = std::vector<FormParam>;

// Percent-decodes `in` and appends the bytes to *out; '+' becomes a space when `plus_is_space`.
// Returns false on a malformed escape ('%' not followed by two hex digits); *out is then partial.
[[nodiscard]] bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

// Parses "a=1&b=x+y" into name/value pairs appended to *out, in order. Empty pairs ("&&") are skipped;
// a name without '=' gets an empty value. Returns false on a malformed escape.
[[nodiscard]] bool ParseForm(std::string_view text, FormParams* out);

// The first parameter with exactly this name, or nullptr.
const std::string* FindParam(const FormParams& params, std::string_view name);

}  // namespace eddy::aws
