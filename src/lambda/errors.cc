#include "lambda/errors.h"

#include <boost/json.hpp>

namespace eddy::lambda {

// Casing per shape from the botocore model (reference/lambda.md §1.1).
const ErrorInfo& Info(Errc code) {
  switch (code) {
#define EDDY_LAMBDA_ERROR(name, wire, status, key, type) \
  case Errc::name: {                                     \
    static const ErrorInfo info{wire, status, key, type}; \
    return info;                                         \
  }
    EDDY_LAMBDA_ERROR(kResourceNotFound, "ResourceNotFoundException", 404, "Message", "User")
    EDDY_LAMBDA_ERROR(kResourceConflict, "ResourceConflictException", 409, "message", "User")
    EDDY_LAMBDA_ERROR(kInvalidParameterValue, "InvalidParameterValueException", 400, "message", "User")
    EDDY_LAMBDA_ERROR(kValidation, "ValidationException", 400, "message", "")
    EDDY_LAMBDA_ERROR(kPreconditionFailed, "PreconditionFailedException", 412, "message", "User")
    // The model calls the shape RequestTooLargeException; AWS sends this code [V].
    EDDY_LAMBDA_ERROR(kRequestEntityTooLarge, "RequestEntityTooLargeException", 413, "message", "User")
    EDDY_LAMBDA_ERROR(kInvalidRequestContent, "InvalidRequestContentException", 400, "message", "User")
    EDDY_LAMBDA_ERROR(kTooManyRequests, "TooManyRequestsException", 429, "message", "User")
    EDDY_LAMBDA_ERROR(kProvisionedConcurrencyConfigNotFound,
                      "ProvisionedConcurrencyConfigNotFoundException", 404, "message", "User")
    EDDY_LAMBDA_ERROR(kUnsupportedMediaType, "UnsupportedMediaTypeException", 415, "message", "User")
    EDDY_LAMBDA_ERROR(kUnknownOperation, "UnknownOperationException", 404, "message", "User")
    EDDY_LAMBDA_ERROR(kService, "ServiceException", 500, "Message", "Service")
#undef EDDY_LAMBDA_ERROR
  }
  static const ErrorInfo fallback{"ServiceException", 500, "Message", "Service"};
  return fallback;
}

std::string ErrorBody(const Error& error) {
  const ErrorInfo& info = Info(error.code);
  boost::json::object o;
  if (!info.type.empty()) o.emplace("Type", info.type);
  o.emplace(info.message_key, error.message);
  if (!error.reason.empty()) o.emplace("Reason", error.reason);
  return boost::json::serialize(o);
}

}  // namespace eddy::lambda
