#include "eventbridge/errors.h"

namespace eddy::eventbridge {

const ErrorInfo& Info(Errc code) {
  static const ErrorInfo kValidation{"ValidationException", 400};
  static const ErrorInfo kNotFound{"ResourceNotFoundException", 400};
  static const ErrorInfo kExists{"ResourceAlreadyExistsException", 400};
  static const ErrorInfo kPattern{"InvalidEventPatternException", 400};
  static const ErrorInfo kLimit{"LimitExceededException", 400};
  static const ErrorInfo kManaged{"ManagedRuleException", 400};
  static const ErrorInfo kUnknownOp{"UnknownOperationException", 400};
  static const ErrorInfo kSerialization{"SerializationException", 400};
  static const ErrorInfo kInternal{"InternalException", 500};
  switch (code) {
    case Errc::kValidation: return kValidation;
    case Errc::kResourceNotFound: return kNotFound;
    case Errc::kResourceAlreadyExists: return kExists;
    case Errc::kInvalidEventPattern: return kPattern;
    case Errc::kLimitExceeded: return kLimit;
    case Errc::kManagedRule: return kManaged;
    case Errc::kUnknownOperation: return kUnknownOp;
    case Errc::kSerialization: return kSerialization;
    case Errc::kInternal: return kInternal;
  }
  return kInternal;
}

}  // namespace eddy::eventbridge
