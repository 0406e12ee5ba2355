#pragma once
// Dispatcher: delivers one event to one target of an EventBridge rule or a Scheduler schedule — a Lambda
// function (asynchronous Invoke) or an SQS queue (SendMessage). A failed delivery is retried with
// exponential backoff until the target's RetryPolicy is exhausted (attempts or event age), then the
// event goes to the target's dead-letter queue, if it has one (reference/lambda.md §6.3, §6.5).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::events {

struct RetryPolicy {
  int32_t maximum_retry_attempts = 185;     // 0..185
  int32_t maximum_event_age_seconds = 86400;  // 60..86400
};

// What the dead-letter queue receives when every attempt failed: a body and string message attributes.
// The dispatcher fills in the error with `error_code`/`error_message` (see DeadLetterFormat).
enum class DeadLetterFormat {
  kRule,      // body = the event as the target would have received it; attributes RULE_ARN, TARGET_ARN,
              // ERROR_CODE, ERROR_MESSAGE
  kSchedule,  // EventBridge Scheduler's dead-letter event: FormatScheduleDeadLetter below
};

struct DeadLetterMessage {
  std::string body;
  std::vector<std::pair<std::string, std::string>> attributes;  // String message attributes
};

struct Delivery {
  std::string target_arn;  // arn:aws:lambda:R:A:function:NAME[:QUALIFIER] or arn:aws:sqs:R:A:NAME
  std::string payload;     // exactly what the target receives: Invoke payload or SQS message body
  std::string message_group_id;  // SqsParameters.MessageGroupId (FIFO queue targets)
  RetryPolicy retry;
  std::string dead_letter_arn;  // an SQS queue ARN; empty = none
  DeadLetterFormat dead_letter_format = DeadLetterFormat::kRule;
  std::string source_arn;  // the rule or schedule ARN
  std::string target_id;   // rule target Id (empty for schedules)
  // Extra attributes/fields for the dead-letter message (Scheduler: schedule ARN, execution id, ...).
  std::vector<std::pair<std::string, std::string>> dead_letter_context;
  int64_t event_time_ms = 0;  // when the event happened / was scheduled: event age counts from here
  std::string deduplication_id;  // FIFO queue targets (the event id); empty = none
};

struct Delivery;
// The message EventBridge Scheduler puts in a schedule's dead-letter queue after `attempts` failed
// attempts; `exhausted` is MaximumRetryAttempts or MaximumEventAgeInSeconds
// (src/events/schedule_dead_letter.cc).
DeadLetterMessage FormatScheduleDeadLetter(const Delivery& delivery, const std::string& error_code,
                                           const std::string& error_message, int32_t attempts,
                                           std::string_view exhausted);

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  // Takes the delivery; never blocks on the target. Thread-safe.
  virtual void Deliver(Delivery delivery) = 0;
};

}  // namespace eddy::events
