#include "aws/json_members.h"

#include <climits>
#include <cmath>

#include <boost/json/value.hpp>

namespace eddy::aws {

namespace json = boost::json;

const json::value* JsonMembers::Get(std::string_view key) const {
  const json::value* v = o_.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::nullopt_t JsonMembers::Bad(std::string_view key) {
  if (wrong_.empty()) wrong_ = std::string(key);
  return std::nullopt;
}

bool JsonMembers::Has(std::string_view key) const { return Get(key) != nullptr; }

std::optional<std::string> JsonMembers::Str(std::string_view key) {
  const json::value* v = Get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) return Bad(key);
  return std::string(v->get_string());
}

std::optional<int64_t> JsonMembers::Int(std::string_view key) {
  const json::value* v = Get(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= INT64_MAX) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double() && std::floor(v->get_double()) == v->get_double() && std::fabs(v->get_double()) < 9e15) {
    return static_cast<int64_t>(v->get_double());
  }
  return Bad(key);
}

std::optional<bool> JsonMembers::Bool(std::string_view key) {
  const json::value* v = Get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) return Bad(key);
  return v->get_bool();
}

const json::object* JsonMembers::Obj(std::string_view key) {
  const json::value* v = Get(key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    Bad(key);
    return nullptr;
  }
  return &v->get_object();
}

const json::array* JsonMembers::Arr(std::string_view key) {
  const json::value* v = Get(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    Bad(key);
    return nullptr;
  }
  return &v->get_array();
}

std::optional<std::vector<std::pair<std::string, std::string>>> JsonMembers::StrMap(std::string_view key) {
  const json::object* m = Obj(key);
  if (m == nullptr) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : *m) {
    if (!kv.value().is_string()) return Bad(key);
    out.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
  }
  return out;
}

}  // namespace eddy::aws
