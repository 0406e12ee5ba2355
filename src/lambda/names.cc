#include "lambda/names.h"

#include <vector>

namespace eddy::lambda {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsLower(c) || (c >= 'A' && c <= 'Z') || IsDigit(c); }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// (aws[a-zA-Z-]*)? — the ARN partition.
bool IsPartition(std::string_view s) {
  if (s.empty()) return true;
  if (!s.starts_with("aws")) return false;
  for (char c : s.substr(3)) {
    if (!(IsAlnum(c) && !IsDigit(c)) && c != '-') return false;
  }
  return true;
}

constexpr size_t kMaxNameLength = 64;

}  // namespace

bool IsNameChars(std::string_view s, bool allow_dot) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && !(allow_dot && c == '.')) return false;
  }
  return true;
}

bool IsQualifier(std::string_view s) { return s == kLatest || IsNameChars(s); }

bool IsVersionNumber(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool IsAliasName(std::string_view s) { return IsNameChars(s) && !IsVersionNumber(s); }

bool IsRegion(std::string_view s) {
  // [a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}
  if (s.size() < 6 || !IsLower(s[0]) || !IsLower(s[1]) || s[2] != '-') return false;
  std::vector<std::string_view> parts = Split(s.substr(3), '-');
  if (parts.size() == 3) {
    std::string_view p = parts[0];
    bool special = p == "gov" || (p.starts_with("iso") && p.size() <= 4 &&
                                  (p.size() == 3 || IsLower(p[3])));
    if (!special) return false;
    parts.erase(parts.begin());
  }
  if (parts.size() != 2 || parts[0].empty() || parts[1].size() != 1 || !IsDigit(parts[1][0])) {
    return false;
  }
  for (char c : parts[0]) {
    if (!IsLower(c)) return false;
  }
  return true;
}

bool IsAccountId(std::string_view s) { return s.size() == 12 && IsVersionNumber(s); }

bool IsRoleArn(std::string_view s) {
  std::vector<std::string_view> parts = Split(s, ':');
  // arn : partition : iam : (empty) : account : role/...   (the role path may not contain ':')
  if (parts.size() != 6 || parts[0] != "arn" || !IsPartition(parts[1]) || parts[2] != "iam" ||
      !parts[3].empty() || !IsAccountId(parts[4])) {
    return false;
  }
  std::string_view rest = parts[5];
  if (!rest.starts_with("role")) return false;
  rest.remove_prefix(4);
  // "role/?" then one or more of [a-zA-Z_0-9+=,.@\-_/]; the class contains '/', so the optional slash
  // needs no special case.
  if (rest.empty()) return false;
  for (char c : rest) {
    if (!IsAlnum(c) && std::string_view("_+=,.@-/").find(c) == std::string_view::npos) return false;
  }
  return true;
}

Result<FunctionRef> ParseFunctionName(std::string_view text, NameShape shape) {
  const bool namespaced = shape == NameShape::kNamespaced;
  const std::string_view pattern =
      namespaced ? kNamespacedFunctionNamePattern : kFunctionNamePattern;
  const size_t max_length = namespaced ? 256 : 140;
  auto pattern_error = [&] {
    return ValidationFailed(text, "functionName",
                            "Member must satisfy regular expression pattern: " + std::string(pattern));
  };
  if (text.size() > max_length) {
    return ValidationFailed(text, "functionName",
                            "Member must have length less than or equal to " +
                                std::to_string(max_length));
  }
  if (text.empty()) {
    return ValidationFailed(text, "functionName", "Member must have length greater than or equal to 1");
  }

  std::vector<std::string_view> t = Split(text, ':');
  size_t i = 0;
  FunctionRef ref;
  if (t.size() >= 3 && t[0] == "arn") {
    if (!IsPartition(t[1]) || t[2] != "lambda") return pattern_error();
    i = 3;
  }
  auto more_after = [&](size_t k) { return k + 1 < t.size(); };
  if (i < t.size() && more_after(i) && IsRegion(t[i])) ref.region = std::string(t[i++]);
  if (i < t.size() && more_after(i) && IsAccountId(t[i])) ref.account = std::string(t[i++]);
  if (i < t.size() && more_after(i) && t[i] == "function") ++i;
  if (i >= t.size() || !IsNameChars(t[i], namespaced)) return pattern_error();
  ref.name = std::string(t[i++]);
  if (i < t.size()) {
    std::string_view q = t[i++];
    if (!(IsQualifier(q) || (namespaced && q == "$LATEST.PUBLISHED"))) return pattern_error();
    ref.qualifier = std::string(q);
  }
  if (i != t.size()) return pattern_error();
  // A full ARN must name its function ("arn:aws:lambda:us-east-1:123456789012:fn" is not one).
  if (t[0] == "arn" && (ref.region.empty() || ref.account.empty() ||
                        text.find(":function:") == std::string_view::npos)) {
    return pattern_error();
  }
  if (ref.name.size() > kMaxNameLength) {
    // AWS reports this one as InvalidParameterValueException with the validation wording [V].
    return InvalidParameter(ValidationMessage({ConstraintViolation(
        text, "functionName", "Member must have length less than or equal to 64")}));
  }
  return ref;
}

Result<ResolvedName> ResolveName(const FunctionRef& ref, std::string_view caller_region,
                                 std::string_view caller_account,
                                 std::string_view explicit_qualifier) {
  if (!ref.region.empty() && ref.region != caller_region) {
    return Fail(Errc::kResourceNotFound, "Functions from '" + ref.region +
                                             "' are not reachable in this region ('" +
                                             std::string(caller_region) + "')");
  }
  if (!ref.qualifier.empty() && !explicit_qualifier.empty() && ref.qualifier != explicit_qualifier) {
    return InvalidParameter(
        "The derived qualifier from the function name does not match the specified qualifier.");
  }
  ResolvedName out;
  out.id.region = std::string(caller_region);
  out.id.account = ref.account.empty() ? std::string(caller_account) : ref.account;
  out.id.name = ref.name;
  out.qualifier = ref.qualifier.empty() ? std::string(explicit_qualifier) : ref.qualifier;
  return out;
}

}  // namespace eddy::lambda
