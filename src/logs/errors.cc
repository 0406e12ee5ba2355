#include "logs/errors.h"

namespace eddy::logs {

// Every modeled Logs error is a 400 (botocore logs/2014-03-28 declares no other status); the
// framework's own errors (unknown operation, serialization) are 400 too.
const ErrorInfo& Info(Errc code) {
  static const ErrorInfo kNotFound{"ResourceNotFoundException", 400};
  static const ErrorInfo kExists{"ResourceAlreadyExistsException", 400};
  static const ErrorInfo kInvalid{"InvalidParameterException", 400};
  static const ErrorInfo kValidation{"ValidationException", 400};
  static const ErrorInfo kLimit{"LimitExceededException", 400};
  static const ErrorInfo kUnknownOp{"UnknownOperationException", 400};
  static const ErrorInfo kSerialization{"SerializationException", 400};
  static const ErrorInfo kUnavailable{"ServiceUnavailableException", 500};
  switch (code) {
    case Errc::kResourceNotFound: return kNotFound;
    case Errc::kResourceAlreadyExists: return kExists;
    case Errc::kInvalidParameter: return kInvalid;
    case Errc::kValidation: return kValidation;
    case Errc::kLimitExceeded: return kLimit;
    case Errc::kUnknownOperation: return kUnknownOp;
    case Errc::kSerialization: return kSerialization;
    case Errc::kServiceUnavailable: return kUnavailable;
  }
  return kUnavailable;
}

}  // namespace eddy::logs
