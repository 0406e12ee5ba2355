#pragma once
// SQS errors as clients see them. Each code maps (in errors.cc) to the JSON `__type`, the Query error code
// (also sent as `x-amzn-query-error`), the HTTP status and the fault side, exactly as AWS returns them.

#include <string>
#include <string_view>

#include "common/expected.h"

namespace eddy::sqs {

enum class Errc {
  // Modeled SQS errors (__type com.amazonaws.sqs#<Name>).
  kQueueDoesNotExist,
  kQueueNameExists,
  kQueueDeletedRecently,
  kPurgeQueueInProgress,
  kOverLimit,
  kEmptyBatchRequest,
  kTooManyEntriesInBatchRequest,
  kBatchEntryIdsNotDistinct,
  kBatchRequestTooLong,
  kInvalidBatchEntryId,
  kMessageNotInflight,
  kUnsupportedOperation,
  kReceiptHandleIsInvalid,
  kInvalidAttributeName,
  kInvalidAttributeValue,
  kInvalidMessageContents,
  kInvalidIdFormat,
  kResourceNotFoundException,
  kInvalidAddress,
  kInvalidSecurity,
  kRequestThrottled,
  // Generic service-framework errors (__type com.amazon.coral.service#<Name>).
  kInvalidParameterValue,
  kMissingParameter,
  kInvalidAction,  // unknown operation
  kAccessDenied,
  kSerializationException,  // JSON body that cannot be parsed or has wrong types
  kInternalError,
};

struct ErrorInfo {
  std::string_view json_type;   // full __type, e.g. "com.amazonaws.sqs#QueueDoesNotExist"
  std::string_view query_code;  // e.g. "AWS.SimpleQueueService.NonExistentQueue"
  int http_status;
  bool sender_fault;  // "Sender" vs "Receiver"
};

const ErrorInfo& Info(Errc code);

struct Error {
  Errc code = Errc::kInternalError;
  std::string message;
};

template <typename T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> Fail(Errc code, std::string message) {
  return {Error{code, std::move(message)}};
}

// Common messages.
inline Unexpected<Error> QueueDoesNotExist() {
  return Fail(Errc::kQueueDoesNotExist, "The specified queue does not exist.");
}
inline Unexpected<Error> MissingParameter(std::string_view name) {
  return Fail(Errc::kMissingParameter,
              "The request must contain the parameter " + std::string(name) + ".");
}
// "Value <v> for parameter <name> is invalid. Reason: <reason>"
inline Unexpected<Error> InvalidParameterValue(std::string_view value, std::string_view name,
                                              std::string_view reason) {
  return Fail(Errc::kInvalidParameterValue, "Value " + std::string(value) + " for parameter " +
                                                std::string(name) + " is invalid. Reason: " +
                                                std::string(reason));
}

}  // namespace eddy::sqs
