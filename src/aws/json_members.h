#pragma once
// JsonMembers: typed access to the members of a JSON request body, for the JSON services. An absent or
// null member reads as "not given"; a member of the wrong JSON type reads as not given too and is
// remembered (the first one), because AWS's frameworks reject such a body before validating anything —
// each service words that rejection its own way (Lambda: InvalidRequestContentException, EventBridge:
// SerializationException).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace eddy::aws {

class JsonMembers {
 public:
  explicit JsonMembers(const boost::json::object& o) : o_(o) {}

  bool Has(std::string_view key) const;
  std::optional<std::string> Str(std::string_view key);
  // Integers, also when sent as a whole double (some SDKs do) within ±9e15.
  std::optional<int64_t> Int(std::string_view key);
  std::optional<bool> Bool(std::string_view key);
  const boost::json::object* Obj(std::string_view key);
  const boost::json::array* Arr(std::string_view key);
  // A map of strings (Tags, Environment.Variables) in the order given.
  std::optional<std::vector<std::pair<std::string, std::string>>> StrMap(std::string_view key);

  // The first member that had the wrong type; empty if none.
  const std::string& wrong_type_member() const { return wrong_; }

 private:
  const boost::json::value* Get(std::string_view key) const;
  std::nullopt_t Bad(std::string_view key);

  const boost::json::object& o_;
  std::string wrong_;
};

}  // namespace eddy::aws
