#include "iam/errors.h"

namespace eddy::iam {

const ErrorInfo& Info(Errc code) {
  static const ErrorInfo kNoSuchEntity{"NoSuchEntity", 404, true};
  static const ErrorInfo kEntityAlreadyExists{"EntityAlreadyExists", 409, true};
  static const ErrorInfo kDeleteConflict{"DeleteConflict", 409, true};
  static const ErrorInfo kLimitExceeded{"LimitExceeded", 409, true};
  static const ErrorInfo kMalformedPolicyDocument{"MalformedPolicyDocument", 400, true};
  static const ErrorInfo kInvalidInput{"InvalidInput", 400, true};
  static const ErrorInfo kValidationError{"ValidationError", 400, true};
  static const ErrorInfo kInvalidAction{"InvalidAction", 400, true};
  static const ErrorInfo kMissingAction{"MissingAction", 400, true};
  static const ErrorInfo kServiceFailure{"ServiceFailure", 500, false};
  switch (code) {
    case Errc::kNoSuchEntity:
      return kNoSuchEntity;
    case Errc::kEntityAlreadyExists:
      return kEntityAlreadyExists;
    case Errc::kDeleteConflict:
      return kDeleteConflict;
    case Errc::kLimitExceeded:
      return kLimitExceeded;
    case Errc::kMalformedPolicyDocument:
      return kMalformedPolicyDocument;
    case Errc::kInvalidInput:
      return kInvalidInput;
    case Errc::kValidationError:
      return kValidationError;
    case Errc::kInvalidAction:
      return kInvalidAction;
    case Errc::kMissingAction:
      return kMissingAction;
    case Errc::kServiceFailure:
      return kServiceFailure;
  }
  return kServiceFailure;
}

}  // namespace eddy::iam
