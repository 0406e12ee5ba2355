#include "aws/violations.h"

#include <algorithm>

namespace eddy::aws {

std::string ConstraintViolation(std::string_view value, std::string_view field, std::string_view constraint) {
  std::string out = "Value '";
  out += value;
  out += "' at '";
  out += field;
  out += "' failed to satisfy constraint: ";
  out += constraint;
  return out;
}

std::string ValidationMessage(const std::vector<std::string>& violations) {
  std::string out = std::to_string(violations.size());
  out += violations.size() == 1 ? " validation error detected: " : " validation errors detected: ";
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i > 0) out += "; ";
    out += violations[i];
  }
  return out;
}

void Violations::Add(std::string_view value, std::string_view field, std::string_view constraint) {
  list_.push_back(ConstraintViolation(value, field, constraint));
}

void Violations::Null(std::string_view field) {
  list_.push_back("Value null at '" + std::string(field) + "' failed to satisfy constraint: Member must not be null");
}

void Violations::Length(std::string_view value, std::string_view field, size_t min, size_t max) {
  if (value.size() < min) {
    Add(value, field, "Member must have length greater than or equal to " + std::to_string(min));
  } else if (value.size() > max) {
    Add(value, field, "Member must have length less than or equal to " + std::to_string(max));
  }
}

void Violations::Pattern(std::string_view value, std::string_view field, bool matches, std::string_view pattern) {
  if (!matches) Add(value, field, "Member must satisfy regular expression pattern: " + std::string(pattern));
}

void Violations::Enum(std::string_view value, std::string_view field, const std::vector<std::string_view>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string set = "[";
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) set += ", ";
    set += allowed[i];
  }
  set += "]";
  Add(value, field, "Member must satisfy enum value set: " + set);
}

void Violations::Range(std::optional<int64_t> value, std::string_view field, std::optional<int64_t> min,
                       std::optional<int64_t> max) {
  if (!value) return;
  if (min && *value < *min) {
    Add(std::to_string(*value), field, "Member must have value greater than or equal to " + std::to_string(*min));
  } else if (max && *value > *max) {
    Add(std::to_string(*value), field, "Member must have value less than or equal to " + std::to_string(*max));
  }
}

}  // namespace eddy::aws
