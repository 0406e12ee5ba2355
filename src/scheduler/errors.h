#pragma once
// EventBridge Scheduler errors as clients see them (restJson1): the code travels in the
// `x-amzn-ErrorType` header and the body is {"Message":"..."}; the HTTP status comes from the model
// (botocore scheduler/2021-06-30). errors.cc holds the one table.

#include <string>
#include <string_view>
#include <utility>

#include "aws/violations.h"
#include "common/expected.h"

namespace eddy::scheduler {

enum class Errc {
  kValidation,            // 400 ValidationException
  kConflict,              // 409 ConflictException
  kResourceNotFound,      // 404 ResourceNotFoundException
  kServiceQuotaExceeded,  // 402 ServiceQuotaExceededException
  kThrottling,            // 429 ThrottlingException
  kInternal,              // 500 InternalServerException
  kUnknownOperation,      // 404 UnknownOperationException (no such route)
};

struct ErrorInfo {
  std::string_view code;  // x-amzn-ErrorType
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

inline Unexpected<Error> Fail(Errc code, std::string message) {
  return {Error{code, std::move(message)}};
}

// {"Message":"..."}
std::string ErrorBody(const Error& error);

// Model-constraint failures (aws::Violations collects them) as one ValidationException.
inline Unexpected<Error> Invalid(const aws::Violations& violations) {
  return Fail(Errc::kValidation, violations.Message());
}

// AWS's texts (reference/lambda.md §6.5; [?] = not confirmed against AWS).
inline Unexpected<Error> ScheduleNotFound(std::string_view name) {
  return Fail(Errc::kResourceNotFound, "Schedule " + std::string(name) + " does not exist.");
}
inline Unexpected<Error> ScheduleExists(std::string_view name) {
  return Fail(Errc::kConflict, "Schedule " + std::string(name) + " already exists.");
}
// [?] wording modelled on the schedule messages.
inline Unexpected<Error> GroupNotFound(std::string_view name) {
  return Fail(Errc::kResourceNotFound, "Schedule group " + std::string(name) + " does not exist.");
}
inline Unexpected<Error> GroupExists(std::string_view name) {
  return Fail(Errc::kConflict, "Schedule group " + std::string(name) + " already exists.");
}
inline Unexpected<Error> InvalidExpression(std::string_view expression) {
  return Fail(Errc::kValidation, "Invalid Schedule Expression " + std::string(expression) + ".");
}

}  // namespace eddy::scheduler
