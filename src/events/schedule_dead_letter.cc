// The dead-letter event EventBridge Scheduler sends to a schedule's DLQ (a standard SQS queue) once
// every attempt to invoke the target failed [D configuring-schedule-dlq]: the body is what the target
// would have received, and String message attributes describe the failure:
//   ERROR_CODE, ERROR_MESSAGE             the target's (or the invocation's) last error
//   EXECUTION_ID                          the invocation's id (<aws.scheduler.execution-id>)
//   EXHAUSTED_RETRY_CONDITION             MaximumRetryAttempts | MaximumEventAgeInSeconds
//   IS_PAYLOAD_TRUNCATED                  "true" when the body had to be cut to fit an SQS message
//   RETRY_ATTEMPTS                        retries made (attempts - 1)
//   SCHEDULED_TIME                        e.g. 2022-11-30T21:52:00Z
//   SCHEDULE_ARN, TARGET_ARN
// The Scheduler fills Delivery::dead_letter_context with EXECUTION_ID and SCHEDULED_TIME.

#include <algorithm>

#include "events/dispatcher.h"
#include "events/target_input.h"

namespace eddy::events {
namespace {

constexpr size_t kMaxSqsMessageBytes = 256 * 1024;  // body + attribute names, types and values

const std::string* ContextValue(const Delivery& delivery, std::string_view name) {
  for (const auto& [k, v] : delivery.dead_letter_context) {
    if (k == name) return &v;
  }
  return nullptr;
}

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

}  // namespace

DeadLetterMessage FormatScheduleDeadLetter(const Delivery& delivery, const std::string& error_code,
                                           const std::string& error_message, int32_t attempts,
                                           std::string_view exhausted) {
  DeadLetterMessage m;
  const std::string* execution_id = ContextValue(delivery, "EXECUTION_ID");
  const std::string* scheduled_time = ContextValue(delivery, "SCHEDULED_TIME");
  const int32_t retries = std::max(attempts - 1, 0);
  m.attributes = {
      {"ERROR_CODE", error_code},
      {"ERROR_MESSAGE", error_message},
      {"EXECUTION_ID", execution_id != nullptr ? *execution_id : std::string()},
      {"EXHAUSTED_RETRY_CONDITION", std::string(exhausted)},
      {"IS_PAYLOAD_TRUNCATED", "false"},
      {"RETRY_ATTEMPTS", std::to_string(retries)},
      {"SCHEDULED_TIME",
       scheduled_time != nullptr ? *scheduled_time : FormatEventTime(delivery.event_time_ms)},
      {"SCHEDULE_ARN", delivery.source_arn},
      {"TARGET_ARN", delivery.target_arn},
  };
  // SQS rejects empty attribute values; an empty one is left out rather than failing the whole send.
  std::erase_if(m.attributes, [](const auto& kv) { return kv.second.empty(); });
  size_t attribute_bytes = 0;
  for (const auto& [k, v] : m.attributes) attribute_bytes += k.size() + v.size() + 6;  // + "String"
  const size_t room = kMaxSqsMessageBytes > attribute_bytes ? kMaxSqsMessageBytes - attribute_bytes : 0;
  if (delivery.payload.size() > room) {
    m.body = TruncateUtf8(delivery.payload, room);
    for (auto& [k, v] : m.attributes) {
      if (k == "IS_PAYLOAD_TRUNCATED") v = "true";
    }
  } else {
    m.body = delivery.payload;
  }
  if (m.body.empty()) m.body = "{}";  // SQS needs a non-empty body
  return m;
}

}  // namespace eddy::events
