#pragma once
// Lambda errors as clients see them (restJson1, reference/lambda.md §1.1): the code travels in the
// `x-amzn-ErrorType` header, the body carries the message under a per-shape key ("Message" or
// "message") and, for most shapes, "Type":"User"|"Service". errors.cc holds the one table.

#include <string>
#include <string_view>
#include <utility>

#include "aws/violations.h"
#include "common/expected.h"

namespace eddy::lambda {

enum class Errc {
  kResourceNotFound,
  kResourceConflict,
  kInvalidParameterValue,
  kValidation,  // model-constraint failures ("1 validation error detected: ...")
  kPreconditionFailed,
  kRequestEntityTooLarge,
  kInvalidRequestContent,
  kTooManyRequests,
  kProvisionedConcurrencyConfigNotFound,
  kUnsupportedMediaType,
  kUnknownOperation,
  kService,
};

struct ErrorInfo {
  std::string_view code;         // x-amzn-ErrorType
  int http_status;
  std::string_view message_key;  // "Message" or "message": the model's casing for this shape
  std::string_view type;         // body "Type"; empty = no Type member (ValidationException)
};

const ErrorInfo& Info(Errc code);

struct Error {
  Errc code = Errc::kService;
  std::string message;
  std::string reason;  // TooManyRequestsException's "Reason"
};

template <typename T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> Fail(Errc code, std::string message) {
  return {Error{code, std::move(message), {}}};
}

// The body of an error response: {"Type":..,"Message"|"message":..[,"Reason":..]}.
std::string ErrorBody(const Error& error);

// Frequent messages.
inline Unexpected<Error> FunctionNotFound(std::string_view arn) {
  return Fail(Errc::kResourceNotFound, "Function not found: " + std::string(arn));
}
inline Unexpected<Error> InvalidParameter(std::string message) {
  return Fail(Errc::kInvalidParameterValue, std::move(message));
}

// Model-constraint messages, as AWS words them (aws/violations.h).
using aws::ConstraintViolation;
using aws::ValidationMessage;
inline Unexpected<Error> ValidationFailed(std::string_view value, std::string_view field,
                                          std::string_view constraint) {
  return Fail(Errc::kValidation, ValidationMessage({ConstraintViolation(value, field, constraint)}));
}

}  // namespace eddy::lambda
