#pragma once
// TargetDispatcher: the Dispatcher of rules and schedules. It sends through two sinks (wired to the
// Lambda async queue and the SQS engine in app.cc) and keeps failed deliveries for retry on the Clock:
//   - a retriable failure (throttling, an internal error) is retried with exponential backoff — 1 s
//     doubling to 5 min, no jitter so a virtual clock replays it exactly — until MaximumRetryAttempts or
//     MaximumEventAgeInSeconds is exhausted;
//   - a non-retriable one (the target does not exist, bad parameters) skips the retries, as AWS does;
//   - then the event goes to the dead-letter queue, if there is one, else it is dropped with a log line.
// Pending retries live in memory: a restart drops them (the events were accepted, not yet delivered).

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/timekeeper.h"
#include "events/dispatcher.h"

namespace eddy::events {

struct SendOutcome {
  bool ok = true;
  bool retriable = false;
  std::string error_code;  // EventBridge's DLQ codes: RESOURCE_NOT_FOUND, THROTTLING, INTERNAL_ERROR, ...
  std::string error_message;

  static SendOutcome Ok() { return {}; }
  static SendOutcome Failed(bool retriable, std::string code, std::string message) {
    return {false, retriable, std::move(code), std::move(message)};
  }
};

struct TargetSinks {
  // Asynchronous (Event) Invoke of a function ARN (optionally qualified).
  std::function<SendOutcome(const std::string& function_arn, const std::string& payload)> invoke_lambda;
  // SendMessage to a queue ARN.
  std::function<SendOutcome(const std::string& queue_arn, const std::string& body,
                            const std::string& group_id, const std::string& deduplication_id,
                            const std::vector<std::pair<std::string, std::string>>& attributes)>
      send_sqs;
};

class TargetDispatcher final : public Dispatcher, public Timekeeper {
 public:
  // `wake` is called when a retry is scheduled earlier than anything before (the TimeDriver re-plans).
  TargetDispatcher(const Clock& clock, TargetSinks sinks, std::function<void()> wake = {});

  void Deliver(Delivery delivery) override;

  int64_t NextDeadlineMs() override;
  void Tick() override;

  size_t PendingRetries();

  static int64_t BackoffMs(int32_t attempts_so_far);

 private:
  struct Pending {
    Delivery delivery;
    int32_t attempts = 0;  // made so far
  };
  void Attempt(Pending pending);
  SendOutcome Send(const Delivery& delivery);
  void DeadLetter(const Pending& pending, const SendOutcome& last, const char* condition);

  const Clock& clock_;
  const TargetSinks sinks_;
  const std::function<void()> wake_;
  std::mutex mu_;
  std::multimap<int64_t, Pending> retries_;  // by due time
};

}  // namespace eddy::events
