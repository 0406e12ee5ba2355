#pragma once
// EventBridge errors as clients see them: AWS JSON 1.1 `__type` (the bare shape name) and the HTTP
// status. EventBridge answers 400 even for ResourceNotFoundException (reference/lambda.md §6.1).

#include <string>
#include <string_view>

#include "common/expected.h"

namespace eddy::eventbridge {

enum class Errc {
  kValidation,
  kResourceNotFound,
  kResourceAlreadyExists,
  kInvalidEventPattern,
  kLimitExceeded,
  kManagedRule,
  kUnknownOperation,
  kSerialization,
  kInternal,
};

struct ErrorInfo {
  std::string_view type;
  int http_status;
};

const ErrorInfo& Info(Errc code);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
};

template <typename T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> Fail(Errc code, std::string message) { return {Error{code, std::move(message)}}; }

}  // namespace eddy::eventbridge
