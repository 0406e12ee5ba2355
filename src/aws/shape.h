#pragma once
// A tiny slice of an AWS service model: enough to map between the canonical JSON form of a request or
// response (member names as in the model, i.e. the AWS JSON 1.0 wire form) and the Query protocol's
// flattened parameters / XML elements. Services declare constexpr tables of these, one per operation.
//
// Only what the Query protocol needs is modelled: scalars, flattened lists and maps (every SQS list and
// map is flattened), nested structures.

#include <cstdint>
#include <span>
#include <string_view>

namespace eddy::aws {

enum class ShapeKind : uint8_t {
  kString,   // also blobs: base64 text in both protocols
  kInteger,  // JSON number; decimal text in Query/XML
  kBoolean,  // JSON true/false; "true"/"false" in Query/XML
  kList,     // flattened: <wire>.N (Query), repeated <wire> elements (XML)
  kMap,      // flattened: <wire>.N.<key>/<wire>.N.<value> (Query), repeated <wire><key/><value/></wire>
  kStructure,
};

struct Shape;

struct Member {
  std::string_view name;          // JSON member name
  std::string_view wire = {};     // Query/XML name (locationName); empty = same as `name`
  ShapeKind kind = ShapeKind::kString;
  // kList: the element kind; kMap: the value kind. kStructure elements/values use `structure`.
  ShapeKind element = ShapeKind::kString;
  const Shape* structure = nullptr;  // kStructure itself, or the structure element/value of a list/map
  std::string_view key = "Name";     // kMap entry key element
  std::string_view value = "Value";  // kMap entry value element

  constexpr std::string_view wire_name() const { return wire.empty() ? name : wire; }
};

struct Shape {
  std::span<const Member> members;
};

}  // namespace eddy::aws
