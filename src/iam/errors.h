#pragma once
// IAM errors as clients see them: the Query error code, HTTP status and fault side, as botocore's
// iam/2010-05-08 model declares them (the framework's own ValidationError, InvalidAction and
// MissingAction are 400 Sender faults too).

#include <string>
#include <string_view>

#include "common/expected.h"

namespace eddy::iam {

enum class Errc {
  kNoSuchEntity,             // 404
  kEntityAlreadyExists,      // 409
  kDeleteConflict,           // 409
  kLimitExceeded,            // 409
  kMalformedPolicyDocument,  // 400
  kInvalidInput,             // 400
  kValidationError,          // 400: model constraints (names, lengths, ranges, missing members)
  kInvalidAction,            // 400: unknown Action
  kMissingAction,            // 400: no Action at all
  kServiceFailure,           // 500
};

struct ErrorInfo {
  std::string_view code;  // <Code>, e.g. "NoSuchEntity"
  int http_status;
  bool sender_fault;  // <Type>Sender</Type> vs Receiver
};

const ErrorInfo& Info(Errc code);

struct Error {
  Errc code = Errc::kServiceFailure;
  std::string message;
};

template <typename T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> Fail(Errc code, std::string message) { return {Error{code, std::move(message)}}; }

// AWS's messages.
inline Unexpected<Error> NoSuchRole(std::string_view name) {
  return Fail(Errc::kNoSuchEntity, "The role with name " + std::string(name) + " cannot be found.");
}
inline Unexpected<Error> NoSuchRolePolicy(std::string_view policy_name) {
  return Fail(Errc::kNoSuchEntity,
              "The role policy with name " + std::string(policy_name) + " cannot be found.");
}
inline Unexpected<Error> NoSuchPolicy(std::string_view arn) {
  return Fail(Errc::kNoSuchEntity, "Policy " + std::string(arn) + " does not exist or is not attachable.");
}
inline Unexpected<Error> InvalidArn(std::string_view arn) {
  return Fail(Errc::kInvalidInput, "ARN " + std::string(arn) + " is not valid.");
}

}  // namespace eddy::iam
