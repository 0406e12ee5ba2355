#pragma once
// EventBridge event patterns: the matching language of EventBridge rules and of Lambda event filtering
// (FilterCriteria). A pattern is a JSON object whose leaves are arrays of match conditions; an event
// matches when every field named by the pattern matches one of its conditions (reference/lambda.md
// §5.5, §6.4).
//
// Conditions: exact values (string, number, boolean, null), {"prefix": s}, {"suffix": s},
// {"equals-ignore-case": s}, {"wildcard": "a*b"}, {"anything-but": value | [values] | {"prefix": s}},
// {"numeric": [">", 0, "<=", 5]}, {"exists": true|false}; and {"$or": [pattern, ...]} at any level.
// When the event's field is an array, the condition matches if any element matches.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace eddy::events {

class Pattern {
 public:
  // Parses and validates a pattern. nullopt (with a reason in *error) if it is not valid JSON, not an
  // object, or uses an unknown or malformed condition.
  static std::optional<Pattern> Parse(std::string_view text, std::string* error = nullptr);

  bool Matches(const boost::json::value& event) const;

 private:
  boost::json::value pattern_;
};

}  // namespace eddy::events
