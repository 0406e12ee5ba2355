#pragma once
// CloudWatch Logs errors as clients see them: the JSON 1.1 `__type` (the bare shape name, as the Logs
// service sends it) and the HTTP status.

#include <string>
#include <string_view>

#include "common/expected.h"

namespace eddy::logs {

enum class Errc {
  kResourceNotFound,
  kResourceAlreadyExists,
  kInvalidParameter,
  kValidation,  // a few checks AWS reports as ValidationException (name and ARN both given, ...)
  kLimitExceeded,
  kUnknownOperation,
  kSerialization,  // unparsable JSON or a member of the wrong JSON type
  kServiceUnavailable,
};

struct ErrorInfo {
  std::string_view type;  // "__type", e.g. "ResourceNotFoundException"
  int http_status;
};

const ErrorInfo& Info(Errc code);

struct Error {
  Errc code = Errc::kServiceUnavailable;
  std::string message;
};

template <typename T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> Fail(Errc code, std::string message) {
  return {Error{code, std::move(message)}};
}

// AWS's messages.
inline Unexpected<Error> GroupNotFound() {
  return Fail(Errc::kResourceNotFound, "The specified log group does not exist.");
}
inline Unexpected<Error> StreamNotFound() {
  return Fail(Errc::kResourceNotFound, "The specified log stream does not exist.");
}

}  // namespace eddy::logs
