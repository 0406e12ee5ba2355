#include "sqs/errors.h"

namespace eddy::sqs {

// Query codes and HTTP statuses come from the last query-era botocore model and AWS recordings
// (reference/sqs.md §1.2). The JSON __type must equal the model's error shape name after '#'.
const ErrorInfo& Info(Errc code) {
  switch (code) {
#define EDDY_SQS_ERROR(name, type, query, status, sender) \
  case Errc::name: {                                       \
    static const ErrorInfo info{type, query, status, sender}; \
    return info;                                           \
  }
    EDDY_SQS_ERROR(kQueueDoesNotExist, "com.amazonaws.sqs#QueueDoesNotExist",
                   "AWS.SimpleQueueService.NonExistentQueue", 400, true)
    EDDY_SQS_ERROR(kQueueNameExists, "com.amazonaws.sqs#QueueNameExists", "QueueAlreadyExists", 400,
                   true)
    EDDY_SQS_ERROR(kQueueDeletedRecently, "com.amazonaws.sqs#QueueDeletedRecently",
                   "AWS.SimpleQueueService.QueueDeletedRecently", 400, true)
    EDDY_SQS_ERROR(kPurgeQueueInProgress, "com.amazonaws.sqs#PurgeQueueInProgress",
                   "AWS.SimpleQueueService.PurgeQueueInProgress", 403, true)
    EDDY_SQS_ERROR(kOverLimit, "com.amazonaws.sqs#OverLimit", "OverLimit", 403, true)
    EDDY_SQS_ERROR(kEmptyBatchRequest, "com.amazonaws.sqs#EmptyBatchRequest",
                   "AWS.SimpleQueueService.EmptyBatchRequest", 400, true)
    EDDY_SQS_ERROR(kTooManyEntriesInBatchRequest, "com.amazonaws.sqs#TooManyEntriesInBatchRequest",
                   "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, true)
    EDDY_SQS_ERROR(kBatchEntryIdsNotDistinct, "com.amazonaws.sqs#BatchEntryIdsNotDistinct",
                   "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, true)
    EDDY_SQS_ERROR(kBatchRequestTooLong, "com.amazonaws.sqs#BatchRequestTooLong",
                   "AWS.SimpleQueueService.BatchRequestTooLong", 400, true)
    EDDY_SQS_ERROR(kInvalidBatchEntryId, "com.amazonaws.sqs#InvalidBatchEntryId",
                   "AWS.SimpleQueueService.InvalidBatchEntryId", 400, true)
    EDDY_SQS_ERROR(kMessageNotInflight, "com.amazonaws.sqs#MessageNotInflight",
                   "AWS.SimpleQueueService.MessageNotInflight", 400, true)
    EDDY_SQS_ERROR(kUnsupportedOperation, "com.amazonaws.sqs#UnsupportedOperation",
                   "AWS.SimpleQueueService.UnsupportedOperation", 400, true)
    EDDY_SQS_ERROR(kReceiptHandleIsInvalid, "com.amazonaws.sqs#ReceiptHandleIsInvalid",
                   "ReceiptHandleIsInvalid", 400, true)
    EDDY_SQS_ERROR(kInvalidAttributeName, "com.amazonaws.sqs#InvalidAttributeName",
                   "InvalidAttributeName", 400, true)
    EDDY_SQS_ERROR(kInvalidAttributeValue, "com.amazonaws.sqs#InvalidAttributeValue",
                   "InvalidAttributeValue", 400, true)
    EDDY_SQS_ERROR(kInvalidMessageContents, "com.amazonaws.sqs#InvalidMessageContents",
                   "InvalidMessageContents", 400, true)
    EDDY_SQS_ERROR(kInvalidIdFormat, "com.amazonaws.sqs#InvalidIdFormat", "InvalidIdFormat", 400,
                   true)
    EDDY_SQS_ERROR(kResourceNotFoundException, "com.amazonaws.sqs#ResourceNotFoundException",
                   "ResourceNotFoundException", 404, true)
    EDDY_SQS_ERROR(kInvalidAddress, "com.amazonaws.sqs#InvalidAddress", "InvalidAddress", 400, true)
    EDDY_SQS_ERROR(kInvalidSecurity, "com.amazonaws.sqs#InvalidSecurity", "InvalidSecurity", 403,
                   true)
    EDDY_SQS_ERROR(kRequestThrottled, "com.amazonaws.sqs#RequestThrottled", "RequestThrottled", 403,
                   true)
    EDDY_SQS_ERROR(kInvalidParameterValue, "com.amazon.coral.service#InvalidParameterValueException",
                   "InvalidParameterValue", 400, true)
    EDDY_SQS_ERROR(kMissingParameter, "com.amazon.coral.service#MissingRequiredParameterException",
                   "MissingParameter", 400, true)
    EDDY_SQS_ERROR(kInvalidAction, "com.amazon.coral.service#UnknownOperationException",
                   "InvalidAction", 400, true)
    EDDY_SQS_ERROR(kAccessDenied, "com.amazon.coral.service#AccessDeniedException", "AccessDenied",
                   403, true)
    EDDY_SQS_ERROR(kSerializationException, "com.amazon.coral.service#SerializationException",
                   "SerializationException", 400, true)
    EDDY_SQS_ERROR(kInternalError, "com.amazon.coral.service#InternalFailure", "InternalFailure",
                   500, false)
#undef EDDY_SQS_ERROR
  }
  static const ErrorInfo unknown{"com.amazon.coral.service#InternalFailure", "InternalFailure", 500,
                                 false};
  return unknown;
}

}  // namespace eddy::sqs
