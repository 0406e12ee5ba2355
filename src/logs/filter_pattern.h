#pragma once
// FilterPattern: the unstructured subset of CloudWatch Logs filter syntax, for FilterLogEvents.
//   ""                   every event
//   ERROR Exception      every term must appear (case-sensitive substring)
//   "connection reset"   a quoted phrase is one term (\" and \\ escape inside quotes)
//   ?ERROR ?WARN         at least one of the ?-terms must appear
//   ERROR -Retrying      a -term must not appear
// JSON ({ $.x = ... }), space-delimited ([a, b, ...]) and %regex% patterns are not interpreted: their
// tokens are matched as plain terms like any other, so they rarely match, but they never fail.
//
// Immutable after Parse(); Matches() may be called from any thread.

#include <string>
#include <string_view>
#include <vector>

#include "logs/log_store.h"

namespace eddy::logs {

class FilterPattern final : public MessageMatcher {
 public:
  static FilterPattern Parse(std::string_view text);

  bool Matches(std::string_view message) const override;
  bool MatchesEverything() const { return required_.empty() && any_of_.empty() && excluded_.empty(); }

  const std::vector<std::string>& required() const { return required_; }
  const std::vector<std::string>& any_of() const { return any_of_; }
  const std::vector<std::string>& excluded() const { return excluded_; }

 private:
  std::vector<std::string> required_;
  std::vector<std::string> any_of_;
  std::vector<std::string> excluded_;
};

}  // namespace eddy::logs
