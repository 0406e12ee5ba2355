#include "scheduler/errors.h"

#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>

namespace eddy::scheduler {

const ErrorInfo& Info(Errc code) {
  static const ErrorInfo kValidation{"ValidationException", 400};
  static const ErrorInfo kConflict{"ConflictException", 409};
  static const ErrorInfo kNotFound{"ResourceNotFoundException", 404};
  static const ErrorInfo kQuota{"ServiceQuotaExceededException", 402};
  static const ErrorInfo kThrottling{"ThrottlingException", 429};
  static const ErrorInfo kInternal{"InternalServerException", 500};
  static const ErrorInfo kUnknownOp{"UnknownOperationException", 404};
  switch (code) {
    case Errc::kValidation: return kValidation;
    case Errc::kConflict: return kConflict;
    case Errc::kResourceNotFound: return kNotFound;
    case Errc::kServiceQuotaExceeded: return kQuota;
    case Errc::kThrottling: return kThrottling;
    case Errc::kInternal: return kInternal;
    case Errc::kUnknownOperation: return kUnknownOp;
  }
  return kInternal;
}

std::string ErrorBody(const Error& error) {
  boost::json::object o;
  o["Message"] = error.message;
  return boost::json::serialize(o);
}

}  // namespace eddy::scheduler
