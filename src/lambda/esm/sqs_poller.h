#pragma once
// SqsPoller: delivers SQS messages to functions for event source mappings (reference/lambda.md §5).
// It runs inside Eddy, next to the queue: each mapping has a few consumers, each a long-polling
// ReceiveMessage on the SQS engine, so a send wakes a consumer at once (no poll interval).
//
// Per batch: receive until BatchSize, the batching window or 6 MB; invoke synchronously with AWS's
// SQS event; on success delete the batch (or, with ReportBatchItemFailures, all but the reported
// messages); on a function error or timeout delete nothing: the messages come back after the queue's
// visibility timeout, and the queue's RedrivePolicy eventually dead-letters poison messages. Throttled
// invocations are retried with backoff while the messages stay in flight.
//
// Scaling: a mapping starts with one consumer and, while batches come back full (a backlog), adds one
// at most every 200 ms (AWS: up to 300 a minute), up to ScalingConfig.MaximumConcurrency (default
// 1,000) and the function's reserved concurrency; throttles pause the ramp. A consumer whose long poll
// comes back empty retires while others remain. FIFO order needs nothing here: the engine
// never hands out a message group that has messages in flight.
//
// Threading: every continuation runs on the poller's worker thread (receive callbacks and invoke
// completions are posted there), so mapping state needs no lock beyond the task queue's.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/serial_executor.h"
#include "lambda/esm/mapping.h"
#include "lambda/invoker.h"
#include "sqs/engine.h"

namespace eddy::lambda {

struct SqsPollerOptions {
  int64_t default_max_consumers = 1000;  // AWS's ceiling without ScalingConfig
  int64_t max_batch_bytes = 6 * 1024 * 1024;
  int64_t long_poll_s = 20;
  int64_t max_throttle_backoff_ms = 10'000;
};

class SqsPoller {
 public:
  // Resolves the mapping's function at each invoke (its configuration may change); nullopt = gone.
  using Resolver = std::function<std::optional<InvokeTarget>(const MappingSnapshot& mapping)>;
  // Reports LastProcessingResult ("OK", "PROBLEM: Function call failed", ...).
  using ResultSink = std::function<void(const std::string& uuid, const std::string& result)>;

  SqsPoller(sqs::Engine& engine, Invoker& invoker, Resolver resolve, ResultSink record_result,
            SqsPollerOptions options = {});
  ~SqsPoller();

  // A mapping was created, changed, enabled, disabled or deleted (snapshot->deleted). Thread-safe.
  void Apply(MappingPtr mapping);
  // Stops every consumer. Call before the engine shuts down.
  void Shutdown();

  struct Stats {
    int64_t consumers = 0;
    int64_t batches = 0;
    int64_t messages = 0;
  };
  Stats GetStats();

 private:
  struct Mapping;
  struct Batch;
  void Post(std::function<void()> task, int64_t delay_ms = 0);
  void StartConsumer(Mapping& m);
  void Receive(const std::shared_ptr<Batch>& batch);
  void OnReceived(std::shared_ptr<Batch> batch, sqs::Result<sqs::ReceiveResult> result);
  void Invoke(std::shared_ptr<Batch> batch);
  void OnInvoked(std::shared_ptr<Batch> batch, InvokeResult result);
  void Finish(const std::shared_ptr<Batch>& batch, bool keep_consumer);
  void DeleteMessages(const Batch& batch, const std::vector<size_t>& which);
  std::string EventJson(const Batch& batch) const;

  sqs::Engine& engine_;
  Invoker& invoker_;
  const Resolver resolve_;
  const ResultSink record_result_;
  const SqsPollerOptions options_;

  // Worker-thread state.
  std::unordered_map<std::string, std::unique_ptr<Mapping>> mappings_;
  Stats stats_;
  std::mutex stats_mu_;
  SerialExecutor executor_{"eddy-esm"};  // last: stopped (joined) first, while the state above exists
};

}  // namespace eddy::lambda
