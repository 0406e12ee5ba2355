#pragma once
// Query protocol <-> canonical JSON, driven by Shape tables (see shape.h).

#include <string>

#include <boost/json/object.hpp>

#include "aws/form.h"
#include "aws/shape.h"
#include "aws/xml.h"

namespace eddy::aws {

// A parameter whose text is not a valid value of its member's type (e.g. "MaxNumberOfMessages=abc").
struct QueryDecodeError {
  std::string parameter;  // full Query parameter name, e.g. "SendMessageBatchRequestEntry.2.DelaySeconds"
  std::string value;
  ShapeKind expected = ShapeKind::kInteger;
};

// Builds the canonical JSON request for `shape` from Query parameters. Parameters that the shape does not
// describe (Action, Version, SigV2 fields, ...) are ignored. List/map entries are ordered by their
// 1-based index; gaps are allowed; entries with index 0 or a non-numeric index are ignored. A map entry
// without a key is dropped; one without a value gets "" (or {} for structure values). Integers and
// booleans are converted from text; on bad text returns false and fills *error. New values use
// out->storage(), so callers may build the request in an arena.
[[nodiscard]] bool QueryToJson(const FormParams& params, const Shape& shape, boost::json::object* out,
                               QueryDecodeError* error);

// Appends the members of `value` that `shape` describes, in shape order, as XML elements (flattened
// lists/maps). Absent members are skipped; members not in the shape are ignored.
void JsonToXml(const boost::json::object& value, const Shape& shape, XmlWriter& w);

}  // namespace eddy::aws
