#include "events/pattern.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

namespace eddy::events {
namespace {

namespace json = boost::json;

bool IsScalar(const json::value& v) {
  return v.is_string() || v.is_number() || v.is_bool() || v.is_null();
}

double AsDouble(const json::value& v) { return v.to_number<double>(); }

bool Fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

bool ValidNumeric(const json::value& arg, std::string* error) {
  if (!arg.is_array() || arg.get_array().empty() || arg.get_array().size() % 2 != 0) {
    return Fail(error, "numeric needs operator/number pairs");
  }
  const json::array& a = arg.get_array();
  for (size_t i = 0; i < a.size(); i += 2) {
    if (!a[i].is_string() || !a[i + 1].is_number()) return Fail(error, "numeric needs operator/number pairs");
    std::string_view op = a[i].get_string();
    if (op != "<" && op != "<=" && op != "=" && op != ">" && op != ">=") {
      return Fail(error, "unknown numeric operator " + std::string(op));
    }
  }
  return true;
}

bool ValidCondition(const json::value& c, std::string* error) {
  if (IsScalar(c)) return true;
  if (!c.is_object() || c.get_object().size() != 1) return Fail(error, "a condition is a value or a one-key object");
  const auto& [key, arg] = *c.get_object().begin();
  if (key == "prefix" || key == "suffix" || key == "equals-ignore-case" || key == "wildcard") {
    return arg.is_string() || Fail(error, std::string(key) + " needs a string");
  }
  if (key == "exists") return arg.is_bool() || Fail(error, "exists needs true or false");
  if (key == "numeric") return ValidNumeric(arg, error);
  if (key == "anything-but") {
    if (IsScalar(arg)) return true;
    if (arg.is_array()) {
      for (const json::value& x : arg.get_array()) {
        if (!IsScalar(x)) return Fail(error, "anything-but lists hold plain values");
      }
      return true;
    }
    if (arg.is_object() && arg.get_object().size() == 1) {
      const auto& [k, s] = *arg.get_object().begin();
      if ((k == "prefix" || k == "suffix" || k == "equals-ignore-case") && s.is_string()) return true;
    }
    return Fail(error, "malformed anything-but");
  }
  return Fail(error, "unsupported condition " + std::string(key));
}

bool ValidPattern(const json::value& p, std::string* error) {
  if (!p.is_object()) return Fail(error, "a pattern is a JSON object");
  for (const auto& [key, value] : p.get_object()) {
    if (key == "$or") {
      if (!value.is_array() || value.get_array().size() < 2) return Fail(error, "$or needs at least two patterns");
      for (const json::value& alt : value.get_array()) {
        if (!ValidPattern(alt, error)) return false;
      }
    } else if (value.is_object()) {
      if (!ValidPattern(value, error)) return false;
    } else if (value.is_array()) {
      if (value.get_array().empty()) return Fail(error, "empty match list for " + std::string(key));
      for (const json::value& c : value.get_array()) {
        if (!ValidCondition(c, error)) return false;
      }
    } else {
      return Fail(error, "the value of " + std::string(key) + " must be an array or an object");
    }
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// '*' matches any run of characters.
bool Wildcard(std::string_view text, std::string_view pat) {
  size_t t = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pat.size() && pat[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool EqualScalar(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return AsDouble(a) == AsDouble(b);
  return a == b;
}

bool StringOp(std::string_view op, const json::value& v, std::string_view arg) {
  if (!v.is_string()) return false;
  std::string_view s = v.get_string();
  if (op == "prefix") return s.starts_with(arg);
  if (op == "suffix") return s.ends_with(arg);
  if (op == "equals-ignore-case") return EqualsIgnoreCase(s, arg);
  if (op == "wildcard") return Wildcard(s, arg);
  return false;
}

// One condition against one (non-array) event value.
bool MatchCondition(const json::value& c, const json::value& v) {
  if (IsScalar(c)) return EqualScalar(c, v);
  const auto& [key, arg] = *c.get_object().begin();
  if (key == "exists") return arg.get_bool();  // the field is present
  if (key == "numeric") {
    if (!v.is_number()) return false;
    double x = AsDouble(v);
    const json::array& a = arg.get_array();
    for (size_t i = 0; i < a.size(); i += 2) {
      std::string_view op = a[i].get_string();
      double n = AsDouble(a[i + 1]);
      bool ok = op == "<" ? x < n : op == "<=" ? x <= n : op == "=" ? x == n : op == ">" ? x > n : x >= n;
      if (!ok) return false;
    }
    return true;
  }
  if (key == "anything-but") {
    if (IsScalar(arg)) return !EqualScalar(arg, v);
    if (arg.is_array()) {
      return std::none_of(arg.get_array().begin(), arg.get_array().end(),
                          [&](const json::value& x) { return EqualScalar(x, v); });
    }
    const auto& [op, s] = *arg.get_object().begin();
    return v.is_string() && !StringOp(op, v, s.get_string());
  }
  return StringOp(key, v, arg.get_string());
}

bool MatchObject(const json::object& pattern, const json::value& event);

bool MatchField(const json::value& p, const json::value* field) {
  if (p.is_object()) return field != nullptr && MatchObject(p.get_object(), *field);
  for (const json::value& c : p.get_array()) {
    if (c.is_object() && c.get_object().begin()->key() == "exists") {
      if ((field != nullptr) == c.get_object().begin()->value().get_bool()) return true;
      continue;
    }
    if (field == nullptr) continue;
    if (field->is_array()) {
      for (const json::value& element : field->get_array()) {
        if (MatchCondition(c, element)) return true;
      }
    } else if (MatchCondition(c, *field)) {
      return true;
    }
  }
  return false;
}

bool MatchObject(const json::object& pattern, const json::value& event) {
  const json::object* obj = event.if_object();
  for (const auto& [key, p] : pattern) {
    if (key == "$or") {
      bool any = std::any_of(p.get_array().begin(), p.get_array().end(), [&](const json::value& alt) {
        return MatchObject(alt.get_object(), event);
      });
      if (!any) return false;
      continue;
    }
    const json::value* field = obj ? obj->if_contains(key) : nullptr;
    if (!MatchField(p, field)) return false;
  }
  return true;
}

}  // namespace

std::optional<Pattern> Pattern::Parse(std::string_view text, std::string* error) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    if (error) *error = "not valid JSON: " + ec.message();
    return std::nullopt;
  }
  if (!ValidPattern(v, error)) return std::nullopt;
  Pattern p;
  p.pattern_ = std::move(v);
  return p;
}

bool Pattern::Matches(const json::value& event) const { return MatchObject(pattern_.get_object(), event); }

}  // namespace eddy::events
