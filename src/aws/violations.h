#pragma once
// Model-constraint failures as AWS's request framework words them, for the JSON services that report
// them as one ValidationException listing every violation:
//   "2 validation errors detected: Value '<v>' at '<field>' failed to satisfy constraint: <c>; ..."

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::aws {

std::string ConstraintViolation(std::string_view value, std::string_view field, std::string_view constraint);
std::string ValidationMessage(const std::vector<std::string>& violations);

class Violations {
 public:
  void Add(std::string_view value, std::string_view field, std::string_view constraint);
  void Null(std::string_view field);
  void Length(std::string_view value, std::string_view field, size_t min, size_t max);
  // `pattern` as the model prints it; `matches` is the caller's check.
  void Pattern(std::string_view value, std::string_view field, bool matches, std::string_view pattern);
  void Enum(std::string_view value, std::string_view field, const std::vector<std::string_view>& allowed);
  void Range(std::optional<int64_t> value, std::string_view field, std::optional<int64_t> min,
             std::optional<int64_t> max);

  bool empty() const { return list_.empty(); }
  std::string Message() const { return ValidationMessage(list_); }

 private:
  std::vector<std::string> list_;
};

}  // namespace eddy::aws
