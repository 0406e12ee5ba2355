#include "aws/query_codec.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include <boost/json.hpp>

namespace eddy::aws {
namespace {

namespace json = boost::json;

// One Query parameter on its way down the shape tree: `rest` is the part of its name still to match,
// relative to the structure being filled.
struct Entry {
  std::string_view rest;
  const FormParam* param;
};

// If `name` is "<head>.<tail>" returns true and sets *tail.
bool StripHead(std::string_view name, std::string_view head, std::string_view* tail) {
  if (name.size() <= head.size() || name[head.size()] != '.' || name.substr(0, head.size()) != head) {
    return false;
  }
  *tail = name.substr(head.size() + 1);
  return true;
}

// Parses the leading "<N>" of "<N>[.rest]" (1-based); sets *tail to what follows the dot, or "".
bool TakeIndex(std::string_view s, uint32_t* index, std::string_view* tail) {
  size_t dot = s.find('.');
  std::string_view digits = s.substr(0, dot);
  if (digits.empty() || digits.size() > 9) return false;
  uint32_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0) return false;
  *index = v;
  *tail = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  return true;
}

bool ScalarFromText(ShapeKind kind, const FormParam& p, json::value* out, QueryDecodeError* error) {
  switch (kind) {
    case ShapeKind::kInteger: {
      const std::string& t = p.value;
      int64_t v = 0;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (t.empty() || ec != std::errc() || end != t.data() + t.size()) break;
      *out = v;
      return true;
    }
    case ShapeKind::kBoolean:
      if (p.value == "true") {
        *out = true;
        return true;
      }
      if (p.value == "false") {
        *out = false;
        return true;
      }
      break;
    default:
      *out = json::string(p.value, out->storage());
      return true;
  }
  *error = QueryDecodeError{p.name, p.value, kind};
  return false;
}

bool IsScalar(ShapeKind k) {
  return k == ShapeKind::kString || k == ShapeKind::kInteger || k == ShapeKind::kBoolean;
}

bool FillStructure(const std::vector<Entry>& entries, const Shape& shape, json::object* out,
                   QueryDecodeError* error);

struct Indexed {
  uint32_t index;
  Entry entry;  // rest = after "<wire>.<N>."
};

// Groups the entries of a flattened list/map member by index, in index order (stable within an index).
std::vector<Indexed> CollectIndexed(const std::vector<Entry>& entries, std::string_view wire) {
  std::vector<Indexed> out;
  for (const Entry& e : entries) {
    std::string_view tail;
    uint32_t index;
    std::string_view rest;
    if (StripHead(e.rest, wire, &tail) && TakeIndex(tail, &index, &rest)) {
      out.push_back({index, {rest, e.param}});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Indexed& a, const Indexed& b) { return a.index < b.index; });
  return out;
}

// Calls fn(group) for each run of equal indexes, with the group's entries.
template <typename Fn>
bool ForEachIndex(const std::vector<Indexed>& items, Fn fn) {
  std::vector<Entry> group;
  for (size_t i = 0; i < items.size();) {
    size_t j = i;
    group.clear();
    while (j < items.size() && items[j].index == items[i].index) group.push_back(items[j++].entry);
    if (!fn(group)) return false;
    i = j;
  }
  return true;
}

// The last entry of the group whose rest equals `name` exactly, or nullptr.
const FormParam* Exact(const std::vector<Entry>& group, std::string_view name) {
  const FormParam* found = nullptr;
  for (const Entry& e : group) {
    if (e.rest == name) found = e.param;
  }
  return found;
}

std::vector<Entry> Nested(const std::vector<Entry>& group, std::string_view head) {
  std::vector<Entry> out;
  for (const Entry& e : group) {
    std::string_view tail;
    if (StripHead(e.rest, head, &tail)) out.push_back({tail, e.param});
  }
  return out;
}

bool FillList(const std::vector<Entry>& entries, const Member& m, json::object* out,
              QueryDecodeError* error) {
  std::vector<Indexed> items = CollectIndexed(entries, m.wire_name());
  if (items.empty()) return true;
  json::array arr(out->storage());
  bool ok = ForEachIndex(items, [&](const std::vector<Entry>& group) {
    if (IsScalar(m.element)) {
      const FormParam* p = Exact(group, "");
      if (!p) return true;
      json::value v(arr.storage());
      if (!ScalarFromText(m.element, *p, &v, error)) return false;
      arr.push_back(std::move(v));
      return true;
    }
    json::object obj(arr.storage());
    if (!FillStructure(group, *m.structure, &obj, error)) return false;
    arr.push_back(std::move(obj));
    return true;
  });
  if (!ok) return false;
  if (!arr.empty()) (*out)[m.name] = std::move(arr);
  return true;
}

bool FillMap(const std::vector<Entry>& entries, const Member& m, json::object* out,
             QueryDecodeError* error) {
  std::vector<Indexed> items = CollectIndexed(entries, m.wire_name());
  if (items.empty()) return true;
  json::object map(out->storage());
  bool ok = ForEachIndex(items, [&](const std::vector<Entry>& group) {
    const FormParam* key = Exact(group, m.key);
    if (!key) return true;
    json::value v(map.storage());
    if (IsScalar(m.element)) {
      const FormParam* p = Exact(group, m.value);
      if (p) {
        if (!ScalarFromText(m.element, *p, &v, error)) return false;
      } else {
        v = json::string(map.storage());
      }
    } else {
      json::object obj(map.storage());
      if (!FillStructure(Nested(group, m.value), *m.structure, &obj, error)) return false;
      v = std::move(obj);
    }
    map[key->value] = std::move(v);
    return true;
  });
  if (!ok) return false;
  if (!map.empty()) (*out)[m.name] = std::move(map);
  return true;
}

bool FillStructure(const std::vector<Entry>& entries, const Shape& shape, json::object* out,
                   QueryDecodeError* error) {
  for (const Member& m : shape.members) {
    switch (m.kind) {
      case ShapeKind::kString:
      case ShapeKind::kInteger:
      case ShapeKind::kBoolean: {
        const FormParam* p = Exact(entries, m.wire_name());
        if (!p) break;
        json::value v(out->storage());
        if (!ScalarFromText(m.kind, *p, &v, error)) return false;
        (*out)[m.name] = std::move(v);
        break;
      }
      case ShapeKind::kStructure: {
        std::vector<Entry> nested = Nested(entries, m.wire_name());
        if (nested.empty()) break;
        json::object obj(out->storage());
        if (!FillStructure(nested, *m.structure, &obj, error)) return false;
        (*out)[m.name] = std::move(obj);
        break;
      }
      case ShapeKind::kList:
        if (!FillList(entries, m, out, error)) return false;
        break;
      case ShapeKind::kMap:
        if (!FillMap(entries, m, out, error)) return false;
        break;
    }
  }
  return true;
}

void ScalarToXml(std::string_view tag, const json::value& v, XmlWriter& w) {
  switch (v.kind()) {
    case json::kind::string:
      w.Element(tag, std::string_view(v.get_string()));
      break;
    case json::kind::int64:
      w.Element(tag, v.get_int64());
      break;
    case json::kind::uint64:
      w.Element(tag, static_cast<int64_t>(v.get_uint64()));
      break;
    case json::kind::bool_:
      w.Element(tag, v.get_bool());
      break;
    case json::kind::double_: {
      std::string text = json::serialize(v);
      w.Element(tag, std::string_view(text));
      break;
    }
    default:  // null, or a shape mismatch: nothing sensible to render
      break;
  }
}

}  // namespace

bool QueryToJson(const FormParams& params, const Shape& shape, json::object* out,
                 QueryDecodeError* error) {
  std::vector<Entry> entries;
  entries.reserve(params.size());
  for (const FormParam& p : params) entries.push_back({p.name, &p});
  return FillStructure(entries, shape, out, error);
}

void JsonToXml(const json::object& value, const Shape& shape, XmlWriter& w) {
  for (const Member& m : shape.members) {
    const json::value* v = value.if_contains(m.name);
    if (!v) continue;
    std::string_view wire = m.wire_name();
    switch (m.kind) {
      case ShapeKind::kString:
      case ShapeKind::kInteger:
      case ShapeKind::kBoolean:
        ScalarToXml(wire, *v, w);
        break;
      case ShapeKind::kStructure:
        if (!v->is_object()) break;
        w.Open(wire);
        JsonToXml(v->get_object(), *m.structure, w);
        w.Close(wire);
        break;
      case ShapeKind::kList:
        if (!v->is_array()) break;
        for (const json::value& e : v->get_array()) {
          if (m.element == ShapeKind::kStructure) {
            if (!e.is_object()) continue;
            w.Open(wire);
            JsonToXml(e.get_object(), *m.structure, w);
            w.Close(wire);
          } else {
            ScalarToXml(wire, e, w);
          }
        }
        break;
      case ShapeKind::kMap:
        if (!v->is_object()) break;
        for (const auto& kv : v->get_object()) {
          w.Open(wire);
          w.Element(m.key, std::string_view(kv.key()));
          if (m.element == ShapeKind::kStructure) {
            if (kv.value().is_object()) {
              w.Open(m.value);
              JsonToXml(kv.value().get_object(), *m.structure, w);
              w.Close(m.value);
            }
          } else {
            ScalarToXml(m.value, kv.value(), w);
          }
          w.Close(wire);
        }
        break;
    }
  }
}

}  // namespace eddy::aws
