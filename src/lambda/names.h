#pragma once
// Function names, ARNs and qualifiers: how the FunctionName path parameter is read (bare name, full or
// partial ARN, name:qualifier; reference/lambda.md §1.1) and the model's string patterns, checked by
// hand (no std::regex on request paths).

#include <string>
#include <string_view>

#include "lambda/errors.h"

namespace eddy::lambda {

inline constexpr std::string_view kLatest = "$LATEST";

// One function of one account in one region.
struct FunctionId {
  std::string region;
  std::string account;
  std::string name;

  // "REGION/ACCOUNT/NAME" (= FunctionSpec::FunctionKey()).
  std::string Key() const { return region + "/" + account + "/" + name; }
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME
  std::string Arn() const { return "arn:aws:lambda:" + region + ":" + account + ":function:" + name; }
  std::string QualifiedArn(std::string_view qualifier) const {
    return Arn() + ":" + std::string(qualifier);
  }
};

// Which model shape constrains the parameter: FunctionName (max 140, no '.' in names) or
// NamespacedFunctionName (max 256, '.' allowed).
enum class NameShape { kFunctionName, kNamespaced };

// A FunctionName parameter taken apart. Empty members were not given.
struct FunctionRef {
  std::string name;
  std::string qualifier;  // from "name:qualifier" or the ARN's last component
  std::string region;     // from a full ARN (or a region-prefixed partial one)
  std::string account;    // from a full or partial ARN
};

// Parses and pattern-checks a FunctionName parameter. Errors: ValidationException (pattern, length) or,
// for a name over 64 characters, InvalidParameterValueException with the validation text (as AWS).
Result<FunctionRef> ParseFunctionName(std::string_view text, NameShape shape = NameShape::kNamespaced);

// Combines a parsed reference with the caller's region/account and an explicit ?Qualifier= into the
// function id and the effective qualifier (empty = none). Errors: the region mismatch (404) and the
// qualifier mismatch (400) texts of §1.1.
struct ResolvedName {
  FunctionId id;
  std::string qualifier;
};
Result<ResolvedName> ResolveName(const FunctionRef& ref, std::string_view caller_region,
                                 std::string_view caller_account, std::string_view explicit_qualifier);

// Character-level checks of the model patterns.
bool IsNameChars(std::string_view s, bool allow_dot = false);  // [a-zA-Z0-9-_]+ (and '.')
bool IsQualifier(std::string_view s);                          // \$LATEST | [a-zA-Z0-9-_]+
bool IsVersionNumber(std::string_view s);                      // [0-9]+
bool IsAliasName(std::string_view s);                          // (?!^[0-9]+$)([a-zA-Z0-9-_]+)
bool IsRegion(std::string_view s);                             // [a-z]{2}((-gov)|(-iso[a-z]?))?-[a-z]+-\d
bool IsAccountId(std::string_view s);                          // \d{12}
bool IsRoleArn(std::string_view s);  // arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+

// The model's pattern texts, quoted in ValidationException messages.
inline constexpr std::string_view kFunctionNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";
inline constexpr std::string_view kNamespacedFunctionNamePattern =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?)";
inline constexpr std::string_view kRoleArnPattern =
    R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)";
inline constexpr std::string_view kAliasPattern = R"((?!^[0-9]+$)([a-zA-Z0-9-_]+))";
inline constexpr std::string_view kQualifierPattern = R"(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)";
inline constexpr std::string_view kVersionPattern = R"((\$LATEST|[0-9]+))";

}  // namespace eddy::lambda
