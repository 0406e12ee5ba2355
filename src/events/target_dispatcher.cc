#include "events/target_dispatcher.h"

#include <algorithm>
#include <climits>

#include "common/log.h"

namespace eddy::events {

TargetDispatcher::TargetDispatcher(const Clock& clock, TargetSinks sinks, std::function<void()> wake)
    : clock_(clock), sinks_(std::move(sinks)), wake_(std::move(wake)) {}

int64_t TargetDispatcher::BackoffMs(int32_t attempts_so_far) {
  const int shift = std::clamp(attempts_so_far - 1, 0, 20);
  return std::min<int64_t>(int64_t{1000} << shift, 300'000);
}

void TargetDispatcher::Deliver(Delivery delivery) { Attempt(Pending{std::move(delivery), 0}); }

SendOutcome TargetDispatcher::Send(const Delivery& d) {
  if (d.target_arn.starts_with("arn:aws:lambda:") && sinks_.invoke_lambda) {
    return sinks_.invoke_lambda(d.target_arn, d.payload);
  }
  if (d.target_arn.starts_with("arn:aws:sqs:") && sinks_.send_sqs) {
    return sinks_.send_sqs(d.target_arn, d.payload, d.message_group_id, d.deduplication_id, {});
  }
  return SendOutcome::Failed(false, "SDK_CLIENT_ERROR",
                             "Target type is not supported by Eddy: " + d.target_arn);
}

void TargetDispatcher::Attempt(Pending p) {
  const SendOutcome outcome = Send(p.delivery);
  ++p.attempts;
  if (outcome.ok) return;
  const int64_t now = clock_.NowMs();
  if (!outcome.retriable) {
    DeadLetter(p, outcome, "MaximumRetryAttempts");
    return;
  }
  if (p.attempts > p.delivery.retry.maximum_retry_attempts) {
    DeadLetter(p, outcome, "MaximumRetryAttempts");
    return;
  }
  const int64_t due = now + BackoffMs(p.attempts);
  if (due - p.delivery.event_time_ms > int64_t{p.delivery.retry.maximum_event_age_seconds} * 1000) {
    DeadLetter(p, outcome, "MaximumEventAgeInSeconds");
    return;
  }
  bool earliest;
  {
    std::lock_guard lock(mu_);
    earliest = retries_.empty() || due < retries_.begin()->first;
    retries_.emplace(due, std::move(p));
  }
  if (earliest && wake_) wake_();
}

void TargetDispatcher::DeadLetter(const Pending& p, const SendOutcome& last, const char* condition) {
  const Delivery& d = p.delivery;
  if (d.dead_letter_arn.empty()) {
    log::Warn("event for " + d.target_arn + " from " + d.source_arn + " dropped after " +
              std::to_string(p.attempts) + " attempt(s): " + last.error_code + ": " + last.error_message);
    return;
  }
  DeadLetterMessage m;
  if (d.dead_letter_format == DeadLetterFormat::kSchedule) {
    m = FormatScheduleDeadLetter(d, last.error_code, last.error_message, p.attempts, condition);
  } else {
    // The event itself, with EventBridge's attributes (eventbridge/latest/userguide/rule-dlq.html).
    m.body = d.payload;
    m.attributes = {{"RULE_ARN", d.source_arn},
                    {"TARGET_ARN", d.target_arn},
                    {"ERROR_CODE", last.error_code},
                    {"ERROR_MESSAGE", last.error_message},
                    {"EXHAUSTED_RETRY_CONDITION", condition},
                    {"RETRY_ATTEMPTS", std::to_string(std::max(0, p.attempts - 1))}};
  }
  SendOutcome sent = sinks_.send_sqs ? sinks_.send_sqs(d.dead_letter_arn, m.body, "", "", m.attributes)
                                     : SendOutcome::Failed(false, "INTERNAL_ERROR", "no SQS sink");
  if (!sent.ok) {
    log::Warn("event for " + d.target_arn + " could not be sent to its dead-letter queue " +
              d.dead_letter_arn + ": " + sent.error_message);
  }
}

int64_t TargetDispatcher::NextDeadlineMs() {
  std::lock_guard lock(mu_);
  return retries_.empty() ? INT64_MAX : retries_.begin()->first;
}

void TargetDispatcher::Tick() {
  const int64_t now = clock_.NowMs();
  std::vector<Pending> due;
  {
    std::lock_guard lock(mu_);
    while (!retries_.empty() && retries_.begin()->first <= now) {
      due.push_back(std::move(retries_.begin()->second));
      retries_.erase(retries_.begin());
    }
  }
  for (auto& p : due) Attempt(std::move(p));  // outside the lock: sinks call into other engines
}

size_t TargetDispatcher::PendingRetries() {
  std::lock_guard lock(mu_);
  return retries_.size();
}

}  // namespace eddy::events
