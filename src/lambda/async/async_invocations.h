#pragma once
// AsyncInvocations: Lambda's `Event` invocations (reference/lambda.md §4). Accepted events go to a
// durable internal SQS queue (the SQS engine and its store: an acknowledged event survives kill -9), and
// a fixed set of consumers delivers them:
//   - function errors (handler errors, crashes, timeouts) are retried up to MaximumRetryAttempts, about
//     1 minute and then 2 minutes later (message delays, so the engine's Clock governs them: a virtual
//     clock fast-forwards them);
//   - throttles return the event with exponential backoff (1 s doubling to 5 min), without using a retry,
//     until MaximumEventAgeInSeconds;
//   - finally OnSuccess / OnFailure destinations (SQS queue or function) get AWS's invocation record,
//     and the function's DeadLetterConfig queue gets the original event with RequestID, ErrorCode and
//     ErrorMessage attributes.
// Delivery is at least once: after a crash, events that were being run come back (the function's
// timeout plus 30 s later) and run again.
//
// The internal queue lives in the reserved account "_lambda", which no queue URL a client can build
// with a 12-digit account reaches and ListQueues never shows.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/serial_executor.h"
#include "common/status.h"
#include "lambda/invoker.h"
#include "sqs/engine.h"
#include "store/message_store.h"

namespace eddy::lambda {

struct AsyncOptions {
  int consumers = 16;                 // events run concurrently (across all functions)
  int64_t retry_base_delay_s = 60;    // attempt N+1 waits N × this after a function error
  int64_t max_throttle_backoff_s = 300;
  // How long a received event stays hidden until its function's timeout is known (then: timeout + 30 s).
  int64_t delivery_visibility_s = 960;
};

class AsyncInvocations {
 public:
  // Re-resolves a function at delivery time (its configuration may have changed); nullopt = gone.
  using Resolver = std::function<std::optional<InvokeTarget>(
      const std::string& region, const std::string& account, const std::string& function_name,
      const std::string& qualifier)>;

  AsyncInvocations(sqs::Engine& engine, store::MessageStore& store, const Clock& clock, Invoker& runner,
                   Resolver resolve, AsyncOptions options = {});
  ~AsyncInvocations();

  // Creates the internal queue if needed and starts the consumers (events recovered from the store
  // resume here).
  eddy::Status Start();
  // Stops consuming. Call before the engine shuts down.
  void Shutdown();

  // Queues an event; `accepted` runs once it is durable. On failure to queue, `accepted` still runs
  // (after logging) — the caller has nothing better to answer than 202.
  void Enqueue(InvokeRequest request, std::function<void()> accepted);

 private:
  struct Event;
  void Post(std::function<void()> task);
  void Poll();
  void OnReceived(sqs::Result<sqs::ReceiveResult> result);
  void Run(Event event, std::string receipt);
  void OnResult(Event event, std::string receipt, InvokeTarget target, InvokeResult result);
  void Requeue(const Event& event, int64_t delay_s);
  void Fail(const Event& event, const InvokeTarget* target, const InvokeResult* last,
            std::string_view condition);
  void SendToQueue(const std::string& queue_arn, const std::string& body,
                   const sqs::MessageAttributes& attributes);
  void Deliver(const std::string& destination_arn, const std::string& record, const Event& event);
  std::string Record(const Event& event, const std::string& function_arn, std::string_view condition,
                     const InvokeResult* last) const;
  void Delete(const std::string& receipt);

  sqs::Engine& engine_;
  store::MessageStore& store_;
  const Clock& clock_;
  Invoker& runner_;
  const Resolver resolve_;
  const AsyncOptions options_;
  sqs::RequestContext internal_;
  std::string queue_url_;

  SerialExecutor executor_{"eddy-async"};  // last: stopped (joined) first
};

}  // namespace eddy::lambda
