#pragma once
// Invoker: what the Lambda control plane (api.cc) needs from the data plane (environments and the async
// queue). One implementation runs functions as local processes (runtime/); unit tests of the API use a
// fake.
//
// Thread-safety: every method may be called from any thread; callbacks may run on any thread, never
// under a lock the caller could hold.

#include <cstdint>
#include <functional>
#include <string>

#include "lambda/function.h"

namespace eddy::lambda {

struct InvokeRequest {
  InvokeTarget target;
  std::string request_id;      // x-amzn-RequestId of the Invoke call; the handler's aws_request_id
  std::string payload;         // already validated (JSON, size); empty is delivered as "{}"
  std::string client_context;  // decoded X-Amz-Client-Context JSON; empty = none
  bool tail_log = false;       // X-Amz-Log-Type: Tail
  // The HTTP io thread of the caller (net::Request::io_thread), -1 if none: an environment whose
  // Runtime API connection is served by the same thread answers without cross-thread wake-ups.
  int io_thread = -1;
};

struct InvokeResult {
  enum class Outcome {
    kSuccess,        // 200, payload = the handler's result
    kFunctionError,  // 200 + X-Amz-Function-Error: Unhandled, payload = error JSON (handler or platform)
    kThrottled,      // 429 TooManyRequestsException; `throttle_reason` says which limit
  };
  Outcome outcome = Outcome::kSuccess;
  std::string payload;
  std::string executed_version;  // X-Amz-Executed-Version
  std::string log_tail;          // last 4 KB of this invocation's log text (only when tail_log), raw
  std::string throttle_reason;   // "ReservedFunctionConcurrentInvocationLimitExceeded" or
                                 // "ConcurrentInvocationLimitExceeded"
  std::string error_type;        // kFunctionError: errorType of the payload ("Sandbox.Timedout", ...)
};

struct ProvisionedStatus {
  int64_t requested = 0;
  int64_t allocated = 0;  // environments initialized (or being initialized) for the config
  int64_t available = 0;  // initialized and ready
  bool failed = false;    // an init failed: Status FAILED, StatusReason FUNCTION_ERROR_INIT_FAILURE
};

class Invoker {
 public:
  virtual ~Invoker() = default;

  // RequestResponse: runs the function and completes `done` exactly once.
  virtual void Invoke(InvokeRequest request, std::function<void(InvokeResult)> done) = 0;

  // Event: queues the invocation durably; `accepted` runs once it is (answer 202 then). Retries,
  // destinations and the dead-letter queue follow target.event_settings and the function's
  // configuration at delivery time.
  virtual void InvokeAsync(InvokeRequest request, std::function<void()> accepted) = 0;

  // Provisioned concurrency for one published version or alias of a function. `count` 0 removes it.
  // `config_key` names the config ("REGION/ACCOUNT/NAME:QUALIFIER"); `spec` is the version it runs.
  virtual void SetProvisioned(const std::string& config_key, std::shared_ptr<const FunctionSpec> spec,
                              int64_t count) = 0;
  virtual ProvisionedStatus GetProvisioned(const std::string& config_key) = 0;

  // The function changed ($LATEST's code or configuration) or was deleted: its environments of older
  // snapshots stop (idle ones now, busy ones when their invocation ends). `function_key` is
  // FunctionSpec::FunctionKey().
  virtual void RetireEnvironments(const std::string& function_key) = 0;
};

}  // namespace eddy::lambda
