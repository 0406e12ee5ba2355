#pragma once
// LocalInvoker: runs functions as local processes behind the Lambda Runtime API (reference/lambda.md
// §2–3). Each execution environment is one runtime process with its own Runtime API port (an extra
// listener of the HTTP server, so any runtime client works: AWS_LAMBDA_RUNTIME_API is a plain
// host:port), its own scratch directory as TMPDIR, and the code directory as its task root.
//
// Lifecycle: a cold start spawns the process (INIT, 10 s limit) and hands it the invocation when it
// first calls /next; afterwards the environment is reused warm (module state persists), one invocation
// at a time. A timeout or the memory limit kills the process group; crashed environments are replaced
// on demand; idle ones are reaped after `idle_timeout_ms`; a change of the function's code or
// configuration retires its environments.
//
// Virtual clock (`eddy serve --clock virtual`): runtimes start under libfaketime, shifted by the virtual
// clock's lead over real time at spawn (whole seconds), so handler code reads virtual time from
// datetime.now() or Date. A clock jump retires every environment (RetireAllEnvironments) so that the
// next invocation starts with the new offset. Timeouts and idle reaping stay in real time.
//
// Concurrency: busy environments count against the function's reserved concurrency, or against the
// account's unreserved pool; beyond either limit Invoke is throttled (429). Provisioned concurrency keeps
// N environments initialized ahead of time.
//
// Threading: one mutex guards every environment. Runtime API requests arrive on HTTP io threads; the
// reactor thread reads process output and runs timers. Callbacks and responders run outside the lock.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "lambda/invoker.h"
#include "lambda/runtime/reactor.h"
#include "net/http.h"

namespace eddy::lambda {

// One line of function log output, as a CloudWatch event.
struct LogLine {
  int64_t timestamp_ms = 0;
  std::string message;
};
// Where log lines go: (region, log group, log stream, lines).
using LogWriter = std::function<void(const std::string& region, const std::string& group,
                                     const std::string& stream, std::vector<LogLine> lines)>;

struct LocalInvokerOptions {
  std::string runtimes_dir;  // holds python/bootstrap.py and node/bootstrap.cjs
  std::string work_dir;      // scratch directories of environments (wiped at start)
  std::string python = "python3";  // interpreter for python3.* runtimes
  std::string node = "node";       // interpreter for nodejs* runtimes
  int64_t idle_timeout_ms = 10 * 60 * 1000;
  int64_t init_timeout_ms = 10'000;
  int64_t memory_check_interval_ms = 100;
  // Opens / closes the Runtime API port of an environment (HttpServer::AddListener/RemoveListener).
  // `io_thread`: serve the port on that HTTP io thread (-1 = any).
  std::function<eddy::Result<uint16_t>(uint64_t tag, int io_thread)> open_port;
  std::function<void(uint64_t tag)> close_port;
  // Serves the port's future connections on another io thread (HttpServer::MoveListener); may be empty.
  std::function<void(uint64_t tag, int io_thread)> move_port;
  LogWriter write_log;  // may be empty
  // The virtual clock runtimes see (through libfaketime); null = real time.
  const Clock* virtual_clock = nullptr;
  // libfaketime.so.1; empty = the Debian package's path. Missing: a warning, and runtimes see real time.
  std::string faketime_library;
};

class LocalInvoker final : public Invoker {
 public:
  explicit LocalInvoker(LocalInvokerOptions options);
  ~LocalInvoker() override;  // kills every environment

  // Writes the embedded runtime clients into runtimes_dir and prepares work_dir.
  eddy::Status Prepare();

  void Invoke(InvokeRequest request, std::function<void(InvokeResult)> done) override;
  void InvokeAsync(InvokeRequest request, std::function<void()> accepted) override;
  void SetProvisioned(const std::string& config_key, std::shared_ptr<const FunctionSpec> spec,
                      int64_t count) override;
  ProvisionedStatus GetProvisioned(const std::string& config_key) override;
  void RetireEnvironments(const std::string& function_key) override;
  // Every environment, provisioned ones included (those are replaced): idle ones stop now, busy ones
  // after their current invocation. For a jump of the virtual clock.
  void RetireAllEnvironments();

  // Where Event invocations go (the async queue); set once before serving.
  using AsyncSink = std::function<void(InvokeRequest, std::function<void()> accepted)>;
  void SetAsyncSink(AsyncSink sink) { async_sink_ = std::move(sink); }
  // AWS_ENDPOINT_URL for handler code (Eddy itself, so boto3 in a handler reaches it unchanged); known
  // once the server listens. Set before serving.
  void SetEndpointUrl(std::string url) { endpoint_url_ = std::move(url); }

  // A Runtime API request that arrived on an environment's port (Request::listener_tag != 0).
  void HandleRuntimeApi(net::Request&& request, net::Responder respond);

  // Stops every environment (SIGTERM, then SIGKILL) and fails invocations still running.
  void Shutdown();

  struct Stats {
    int64_t environments = 0;
    int64_t busy = 0;
    int64_t cold_starts = 0;
  };
  Stats GetStats();

 private:
  struct Invocation;
  struct Environment;
  struct Provisioned;
  using Completion = std::function<void()>;

  // Each returns work to run after the lock is released.
  void Dispatch(std::unique_ptr<Invocation> inv, std::vector<Completion>& after);
  Environment* StartEnvironment(std::shared_ptr<const FunctionSpec> spec, const std::string& pc_key,
                                int io_thread, std::vector<Completion>& after);
  void Deliver(Environment& env, std::vector<Completion>& after);
  void Finish(Environment& env, InvokeResult::Outcome outcome, std::string payload,
              std::string error_type, std::vector<Completion>& after);
  void KillEnvironment(Environment& env, std::vector<Completion>& after);
  void ReleaseParked(Environment& env, std::vector<Completion>& after);
  void OnExit(uint64_t env_id);
  void OnOutput(uint64_t env_id);
  // Reads what the process wrote so far into log lines; true at end of output.
  bool DrainOutput(Environment& env, bool flush_partial);
  void FlushLog(Environment& env);
  void OnDeadline(uint64_t env_id, std::string request_id);
  void OnInitDeadline(uint64_t env_id);
  void CheckMemory();
  void ReapIdle();
  void TopUpProvisioned(const std::string& key, std::vector<Completion>& after);
  bool Busy(const Environment& env) const;
  void RunAfterUnlock(std::vector<Completion>& after);
  void ResolvePython();

  const LocalInvokerOptions options_;
  AsyncSink async_sink_;
  std::string endpoint_url_;
  // The Python interpreter's real path once known (see ResolvePython): version managers such as pyenv
  // put a shell-script shim first in PATH that costs ~200 ms per start.
  std::string python_path_;
  // libfaketime for runtimes under a virtual clock; empty = not used (real clock, or not installed).
  std::string faketime_path_;
  std::thread python_resolver_;
  pid_t resolver_pid_ = -1;
  std::mutex mu_;
  std::unordered_map<uint64_t, std::unique_ptr<Environment>> envs_;
  std::unordered_map<std::string, std::unique_ptr<Provisioned>> provisioned_;
  std::unordered_map<std::string, int64_t> busy_by_function_;
  int64_t busy_unreserved_ = 0;
  uint64_t next_env_id_ = 1;
  int64_t cold_starts_ = 0;
  bool shutting_down_ = false;
  Reactor::TimerId memory_timer_ = 0;
  Reactor::TimerId reap_timer_ = 0;
  // Last: destroyed (and its thread joined) first, while everything its callbacks touch still exists.
  Reactor reactor_;
};

}  // namespace eddy::lambda
