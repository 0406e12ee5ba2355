#include "lambda/runtime/local_invoker.h"

#include <signal.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <utility>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "lambda/runtime/process.h"
#include "runtimes/embedded.h"

namespace eddy::lambda {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kRuntimePrefix = "/2018-06-01/runtime/";
constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024 + 100;  // 6291556
constexpr size_t kLogTailBytes = 4096;
constexpr int kMoveAfterForeignInvokes = 3;

int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
}

int64_t EpochMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

std::string TwoDecimals(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// JSON string literal for platform-generated error messages.
std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// The platform's error payloads: "RequestId: <id> Error: <text>".
std::string PlatformError(std::string_view type, std::string_view request_id, std::string_view text) {
  return "{\"errorType\":" + JsonQuote(type) + ",\"errorMessage\":" +
         JsonQuote("RequestId: " + std::string(request_id) + " Error: " + std::string(text)) + "}";
}

// errorType of an error body posted by a runtime, if it is a JSON object that has one.
std::string ErrorTypeOf(std::string_view body) {
  size_t k = body.find("\"errorType\"");
  if (k == std::string_view::npos) return {};
  size_t q1 = body.find('"', body.find(':', k) + 1);
  if (q1 == std::string_view::npos) return {};
  size_t q2 = body.find('"', q1 + 1);
  if (q2 == std::string_view::npos) return {};
  return std::string(body.substr(q1 + 1, q2 - q1 - 1));
}

// "python3.12" -> "python:3.12", "nodejs20.x" -> "nodejs:20", "provided.al2023" -> "provided:al2023".
std::string RuntimeVersionName(const std::string& runtime) {
  if (runtime.starts_with("python")) return "python:" + runtime.substr(6) + ".v1";
  if (runtime.starts_with("nodejs")) {
    std::string v = runtime.substr(6);
    if (v.ends_with(".x")) v.resize(v.size() - 2);
    return "nodejs:" + v + ".v1";
  }
  if (runtime.starts_with("provided.")) return "provided:" + runtime.substr(9) + ".v1";
  return runtime;
}

std::string TraceId() {
  std::string r = HexLower(reinterpret_cast<const uint8_t*>(RandomBytes(20).data()), 20);
  char secs[16];
  std::snprintf(secs, sizeof secs, "%08llx", static_cast<unsigned long long>(EpochMs() / 1000));
  return "Root=1-" + std::string(secs) + "-" + r.substr(0, 24) + ";Parent=" + r.substr(24, 16) +
         ";Sampled=0";
}

}  // namespace

struct LocalInvoker::Invocation {
  InvokeRequest request;
  std::function<void(InvokeResult)> done;
  std::string function_key;
  bool counted_unreserved = false;
  bool cold = false;
  double init_ms = 0;
  int64_t start_us = 0;
  int64_t deadline_epoch_ms = 0;
  Reactor::TimerId deadline_timer = 0;
  std::string log_text;  // this invocation's log, for X-Amz-Log-Result
};

struct LocalInvoker::Environment {
  enum class State { kInit, kReady, kDead };
  uint64_t id = 0;
  int io_thread = -1;  // the HTTP io thread serving its Runtime API port
  int foreign_streak = 0;  // consecutive invocations from callers on another io thread
  int move_to = -1;        // io thread to move the runtime's connection to at its next answer
  std::shared_ptr<const FunctionSpec> spec;
  std::string function_key;
  std::string pc_key;  // provisioned-concurrency config this environment belongs to, if any
  std::string log_stream;
  std::string tmp_dir;
  Child child;
  State state = State::kInit;
  net::Responder parked;  // the runtime's /next, while it waits for work
  std::unique_ptr<Invocation> current;
  bool delivered = false;  // `current` has been handed to the runtime
  bool retired = false;    // stop as soon as it is idle
  bool served = false;     // has run an invocation (later ones are warm)
  int64_t spawn_us = 0;
  // The runtime's clock minus real time (libfaketime's offset under a virtual clock; else 0). Times the
  // handler sees (log timestamps, the invocation deadline) are on its clock.
  int64_t time_offset_ms = 0;
  double init_ms = 0;
  int64_t idle_since_ms = 0;  // monotonic
  Reactor::TimerId init_timer = 0;
  std::string init_error_body;
  std::string init_error_type;
  std::string partial_line;
  std::vector<LogLine> pending_log;  // not yet handed to the log writer
};

struct LocalInvoker::Provisioned {
  std::shared_ptr<const FunctionSpec> spec;
  int64_t count = 0;
  bool failed = false;
};

LocalInvoker::LocalInvoker(LocalInvokerOptions options) : options_(std::move(options)) {}

LocalInvoker::~LocalInvoker() {
  Shutdown();
  {
    std::lock_guard lock(mu_);
    KillGroup(resolver_pid_, SIGKILL);
  }
  if (python_resolver_.joinable()) python_resolver_.join();
  std::lock_guard lock(mu_);
  for (auto& [id, env] : envs_) {
    KillGroup(env->child.pid, SIGKILL);
    reactor_.Unwatch(env->child.pidfd);
    reactor_.Unwatch(env->child.output);
    ReapAndDescribe(env->child.pid);
    close(env->child.pidfd);
    close(env->child.output);
  }
  envs_.clear();
}

Status LocalInvoker::Prepare() {
  std::error_code ec;
  fs::create_directories(options_.runtimes_dir, ec);
  if (ec) return Status::IoError("cannot create " + options_.runtimes_dir + ": " + ec.message());
  for (const runtimes::File& file : runtimes::Files()) {
    fs::path path = fs::path(options_.runtimes_dir) / file.path;
    fs::create_directories(path.parent_path(), ec);
    // Write-then-rename: a runtime starting right now never sees a half-written client.
    fs::path tmp = path;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(file.content.data(), static_cast<std::streamsize>(file.content.size()));
      if (!out) return Status::IoError("cannot write " + tmp.string());
    }
    if (file.executable) chmod(tmp.c_str(), 0755);
    fs::rename(tmp, path, ec);
    if (ec) return Status::IoError("cannot write " + path.string() + ": " + ec.message());
  }
  fs::remove_all(options_.work_dir, ec);
  fs::create_directories(options_.work_dir, ec);
  if (ec) return Status::IoError("cannot create " + options_.work_dir + ": " + ec.message());
  if (options_.virtual_clock != nullptr) {
    const std::string lib = options_.faketime_library.empty()
                                ? "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
                                : options_.faketime_library;
    if (access(lib.c_str(), R_OK) == 0) {
      faketime_path_ = lib;
    } else {
      log::Warn("lambda: " + lib + " not found (apt install libfaketime): functions see the real time, "
                "not the virtual clock");
    }
  }
  python_path_ = options_.python;
  python_resolver_ = std::thread([this] { ResolvePython(); });
  std::lock_guard lock(mu_);
  memory_timer_ = reactor_.RunAfter(options_.memory_check_interval_ms, [this] { CheckMemory(); });
  reap_timer_ = reactor_.RunAfter(1000, [this] { ReapIdle(); });
  return Status::Ok();
}

void LocalInvoker::ResolvePython() {
  // Asks the interpreter once for its own path, in the background so that start-up doesn't wait (and
  // killable, so that shutdown doesn't either).
  SpawnSpec sp;
  sp.argv = {options_.python, "-c", "import sys; print(sys.executable)"};
  const char* path = std::getenv("PATH");
  sp.env = {std::string("PATH=") + (path ? path : "/usr/bin:/bin")};
  if (const char* home = std::getenv("HOME")) sp.env.push_back(std::string("HOME=") + home);
  Result<Child> child = Spawn(sp);
  if (!child.ok()) return;
  {
    std::lock_guard lock(mu_);
    resolver_pid_ = child.value().pid;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd pfd{child.value().output, POLLIN, 0};
    if (poll(&pfd, 1, -1) < 0 && errno != EINTR) break;
    ssize_t n = read(child.value().output, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  close(child.value().output);
  close(child.value().pidfd);
  int status = 0;
  waitpid(child.value().pid, &status, 0);
  std::lock_guard lock(mu_);
  resolver_pid_ = -1;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (status != 0 || out.empty() || out.find('\n') != std::string::npos || access(out.c_str(), X_OK) != 0) {
    return;
  }
  python_path_ = out;
}

void LocalInvoker::RunAfterUnlock(std::vector<Completion>& after) {
  for (Completion& c : after) c();
  after.clear();
}

bool LocalInvoker::Busy(const Environment& env) const { return env.current != nullptr; }

// ---- Invoke ----

void LocalInvoker::Invoke(InvokeRequest request, std::function<void(InvokeResult)> done) {
  auto inv = std::make_unique<Invocation>();
  inv->request = std::move(request);
  inv->done = std::move(done);
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    Dispatch(std::move(inv), after);
  }
  RunAfterUnlock(after);
}

void LocalInvoker::InvokeAsync(InvokeRequest request, std::function<void()> accepted) {
  if (!async_sink_) {
    // No async queue configured (unit tests): run it in the background and forget the result.
    Invoke(std::move(request), [](InvokeResult) {});
    accepted();
    return;
  }
  async_sink_(std::move(request), std::move(accepted));
}

void LocalInvoker::Dispatch(std::unique_ptr<Invocation> inv, std::vector<Completion>& after) {
  const InvokeTarget& target = inv->request.target;
  const std::shared_ptr<const FunctionSpec>& spec = target.spec;
  auto fail = [&](InvokeResult result) {
    after.push_back([done = std::move(inv->done), r = std::move(result)]() mutable { done(std::move(r)); });
  };
  if (shutting_down_) {
    InvokeResult r;
    r.outcome = InvokeResult::Outcome::kThrottled;
    r.throttle_reason = "ConcurrentInvocationLimitExceeded";
    fail(std::move(r));
    return;
  }
  inv->function_key = spec->FunctionKey();
  int64_t& busy = busy_by_function_[inv->function_key];
  if (target.reserved_concurrency.has_value() ? busy >= *target.reserved_concurrency
                                              : busy_unreserved_ >= target.unreserved_capacity) {
    InvokeResult r;
    r.outcome = InvokeResult::Outcome::kThrottled;
    r.throttle_reason = target.reserved_concurrency ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                                    : "ConcurrentInvocationLimitExceeded";
    fail(std::move(r));
    return;
  }

  // A warm environment of the same snapshot: prefer one served by the caller's io thread (no
  // cross-thread wake-ups), then one already parked on /next, then the most recently used (LIFO keeps
  // the others idle long enough to be reaped).
  const int io_thread = inv->request.io_thread;
  Environment* best = nullptr;
  for (auto& [id, env] : envs_) {
    Environment& e = *env;
    if (e.function_key != inv->function_key || e.retired || e.state == Environment::State::kDead ||
        Busy(e) || e.spec->config_id != spec->config_id || e.spec->version != spec->version) {
      continue;
    }
    auto rank = [io_thread](const Environment& x) {
      return std::make_tuple(x.io_thread == io_thread, x.parked != nullptr, x.idle_since_ms);
    };
    if (best == nullptr || rank(e) > rank(*best)) best = &e;
  }
  if (best == nullptr) {
    best = StartEnvironment(spec, "", io_thread, after);
    if (best == nullptr) {
      InvokeResult r;
      r.outcome = InvokeResult::Outcome::kFunctionError;
      r.executed_version = spec->version;
      r.error_type = "Runtime.ExitError";
      r.payload = PlatformError(r.error_type, inv->request.request_id,
                                "Runtime failed to start: could not start the runtime process");
      fail(std::move(r));
      return;
    }
  }
  // An environment that keeps being invoked from another io thread follows its callers (after a few
  // invocations, so that callers on both threads sharing one environment don't make it bounce).
  if (io_thread >= 0 && best->io_thread != io_thread && options_.move_port) {
    if (++best->foreign_streak >= kMoveAfterForeignInvokes) best->move_to = io_thread;
  } else {
    best->foreign_streak = 0;
    best->move_to = -1;
  }
  ++busy;
  inv->counted_unreserved = !target.reserved_concurrency.has_value();
  if (inv->counted_unreserved) ++busy_unreserved_;
  inv->cold = !best->served && best->pc_key.empty();
  best->current = std::move(inv);
  best->delivered = false;
  if (best->parked) Deliver(*best, after);
}

LocalInvoker::Environment* LocalInvoker::StartEnvironment(std::shared_ptr<const FunctionSpec> spec,
                                                          const std::string& pc_key, int io_thread,
                                                          std::vector<Completion>& after) {
  auto env = std::make_unique<Environment>();
  env->id = next_env_id_++;
  env->spec = spec;
  env->function_key = spec->FunctionKey();
  env->pc_key = pc_key;
  Result<uint16_t> port = options_.open_port ? options_.open_port(env->id, io_thread)
                                             : Result<uint16_t>(Status::Internal("no ports"));
  env->io_thread = io_thread;
  if (!port.ok()) {
    log::Error("lambda: cannot open a Runtime API port: " + port.error().message());
    return nullptr;
  }

  if (!faketime_path_.empty()) {
    // Whole seconds: libfaketime reads fractions in the locale's notation.
    const int64_t lead_ms = options_.virtual_clock->NowMs() - EpochMs();
    env->time_offset_ms = (lead_ms >= 0 ? lead_ms + 500 : lead_ms - 500) / 1000 * 1000;
  }
  const int64_t now_ms = EpochMs() + env->time_offset_ms;
  {
    time_t secs = static_cast<time_t>(now_ms / 1000);
    tm t;
    gmtime_r(&secs, &t);
    char date[48];
    std::snprintf(date, sizeof date, "%04d/%02d/%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday);
    env->log_stream = std::string(date) + "/[" + spec->version + "]" +
                      HexLower(reinterpret_cast<const uint8_t*>(RandomBytes(16).data()), 16);
  }
  env->tmp_dir = options_.work_dir + "/env-" + std::to_string(env->id) + "/tmp";
  std::error_code ec;
  fs::create_directories(env->tmp_dir, ec);

  SpawnSpec sp;
  const std::string& rt = spec->runtime;
  if (rt.starts_with("python")) {
    sp.argv = {python_path_, options_.runtimes_dir + "/python/bootstrap.py"};
  } else if (rt.starts_with("nodejs")) {
    sp.argv = {options_.node, options_.runtimes_dir + "/node/bootstrap.cjs"};
  } else {
    sp.argv = {spec->code_dir + "/bootstrap"};
  }
  sp.cwd = spec->code_dir;
  const std::string api = "127.0.0.1:" + std::to_string(port.value());
  auto add = [&](std::string_view k, std::string_view v) {
    sp.env.push_back(std::string(k) + "=" + std::string(v));
  };
  // Unreserved variables first: the user's may replace them.
  const char* host_path = std::getenv("PATH");
  std::vector<std::pair<std::string, std::string>> unreserved = {
      {"PATH", host_path ? host_path : "/usr/local/bin:/usr/bin:/bin"},
      {"LANG", "en_US.UTF-8"},
      {"AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR"},
      {"AWS_ENDPOINT_URL", endpoint_url_},
  };
  for (auto& [k, v] : unreserved) {
    bool overridden = false;
    for (auto& [uk, uv] : spec->environment) overridden |= uk == k;
    if (!overridden && !v.empty()) add(k, v);
  }
  for (auto& [k, v] : spec->environment) add(k, v);
  add("AWS_LAMBDA_FUNCTION_NAME", spec->name);
  add("AWS_LAMBDA_FUNCTION_VERSION", spec->version);
  add("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(spec->memory_mb));
  add("AWS_LAMBDA_INITIALIZATION_TYPE", pc_key.empty() ? "on-demand" : "provisioned-concurrency");
  add("AWS_LAMBDA_LOG_GROUP_NAME", spec->log_group);
  add("AWS_LAMBDA_LOG_STREAM_NAME", env->log_stream);
  add("AWS_LAMBDA_RUNTIME_API", api);
  add("AWS_EXECUTION_ENV", "AWS_Lambda_" + rt);
  add("AWS_REGION", spec->region);
  add("AWS_DEFAULT_REGION", spec->region);
  add("AWS_ACCESS_KEY_ID", "test");
  add("AWS_SECRET_ACCESS_KEY", "test");
  add("AWS_SESSION_TOKEN", "test");
  add("_HANDLER", spec->handler);
  add("LAMBDA_TASK_ROOT", spec->code_dir);
  add("LAMBDA_RUNTIME_DIR", options_.runtimes_dir);
  add("TZ", ":UTC");
  add("TMPDIR", env->tmp_dir);
  if (!faketime_path_.empty()) {
    std::string preload = faketime_path_;
    for (auto& [k, v] : spec->environment) {
      if (k == "LD_PRELOAD" && !v.empty()) preload += ":" + v;  // the user's preload too
    }
    std::erase_if(sp.env, [](const std::string& kv) { return kv.starts_with("LD_PRELOAD="); });
    add("LD_PRELOAD", preload);
    const int64_t offset_s = env->time_offset_ms / 1000;
    add("FAKETIME", (offset_s >= 0 ? "+" : "") + std::to_string(offset_s));
    add("FAKETIME_DONT_FAKE_MONOTONIC", "1");  // the runtime's own timers keep real durations
    add("FAKETIME_DONT_RESET", "1");           // child processes share the shifted clock
  }

  env->spawn_us = MonotonicUs();
  Result<Child> child = Spawn(sp);
  if (!child.ok()) {
    log::Warn("lambda: cannot start " + spec->name + ": " + child.error().message());
    options_.close_port(env->id);
    fs::remove_all(options_.work_dir + "/env-" + std::to_string(env->id), ec);
    return nullptr;
  }
  env->child = child.value();
  ++cold_starts_;
  const uint64_t id = env->id;
  reactor_.Watch(env->child.pidfd, [this, id] { OnExit(id); });
  reactor_.Watch(env->child.output, [this, id] { OnOutput(id); });
  env->init_timer = reactor_.RunAfter(options_.init_timeout_ms, [this, id] { OnInitDeadline(id); });
  std::string version_name = RuntimeVersionName(rt);
  env->pending_log.push_back(
      {now_ms, "INIT_START Runtime Version: " + version_name + "\tRuntime Version ARN: arn:aws:lambda:" +
                   spec->region + "::runtime:" + Sha256Hex(version_name) + "\n"});
  log::Debug("lambda: started environment " + std::to_string(id) + " of " +
                                     spec->name + ":" + spec->version + " on " + api);
  (void)after;
  Environment* raw = env.get();
  envs_.emplace(id, std::move(env));
  return raw;
}

void LocalInvoker::Deliver(Environment& env, std::vector<Completion>& after) {
  Invocation& inv = *env.current;
  const FunctionSpec& spec = *env.spec;
  inv.start_us = MonotonicUs();
  if (inv.cold) inv.init_ms = env.init_ms;
  const int64_t now = EpochMs() + env.time_offset_ms;
  if (inv.deadline_timer == 0) {
    inv.deadline_epoch_ms = now + spec.timeout_s * 1000;
    const uint64_t id = env.id;
    inv.deadline_timer = reactor_.RunAfter(spec.timeout_s * 1000, [this, id, rid = inv.request.request_id] {
      OnDeadline(id, rid);
    });
  }
  env.delivered = true;
  env.served = true;

  std::string start = "START RequestId: " + inv.request.request_id + " Version: " + spec.version + "\n";
  inv.log_text += start;
  env.pending_log.push_back({now, std::move(start)});

  net::Response response;
  response.status = 200;
  response.content_type = "application/json";
  response.headers = {
      {"Lambda-Runtime-Aws-Request-Id", inv.request.request_id},
      {"Lambda-Runtime-Deadline-Ms", std::to_string(inv.deadline_epoch_ms)},
      {"Lambda-Runtime-Invoked-Function-Arn", inv.request.target.invoked_arn},
      {"Lambda-Runtime-Trace-Id", TraceId()},
  };
  if (!inv.request.client_context.empty()) {
    response.headers.push_back({"Lambda-Runtime-Client-Context", inv.request.client_context});
  }
  response.body = inv.request.payload.empty() ? "{}" : inv.request.payload;
  after.push_back([r = std::move(env.parked), resp = std::move(response)]() mutable { r(std::move(resp)); });
  env.parked = nullptr;
}

void LocalInvoker::Finish(Environment& env, InvokeResult::Outcome outcome, std::string payload,
                          std::string error_type, std::vector<Completion>& after) {
  DrainOutput(env, false);  // the handler's output belongs to this invocation
  std::unique_ptr<Invocation> inv = std::move(env.current);
  env.delivered = false;
  env.idle_since_ms = Reactor::MonotonicMs();
  reactor_.Cancel(inv->deadline_timer);
  const FunctionSpec& spec = *env.spec;
  const int64_t now = EpochMs() + env.time_offset_ms;

  double duration_ms = inv->start_us ? static_cast<double>(MonotonicUs() - inv->start_us) / 1000.0 : 0;
  if (error_type == "Sandbox.Timedout") duration_ms = static_cast<double>(spec.timeout_s) * 1000.0;
  MemoryUse mem = ReadMemoryUse(env.child.pid);
  int64_t used_mb = (mem.peak_kib + 1023) / 1024;
  if (inv->start_us != 0) {
    std::string end = "END RequestId: " + inv->request.request_id + "\n";
    std::string report = "REPORT RequestId: " + inv->request.request_id + "\tDuration: " +
                         TwoDecimals(duration_ms) + " ms\tBilled Duration: " +
                         std::to_string(static_cast<int64_t>(std::ceil(duration_ms))) +
                         " ms\tMemory Size: " + std::to_string(spec.memory_mb) +
                         " MB\tMax Memory Used: " + std::to_string(used_mb) + " MB\t";
    if (inv->cold) report += "Init Duration: " + TwoDecimals(inv->init_ms) + " ms\t";
    report += "\n";
    inv->log_text += end;
    inv->log_text += report;
    env.pending_log.push_back({now, std::move(end)});
    env.pending_log.push_back({now, std::move(report)});
  }
  FlushLog(env);

  if (--busy_by_function_[inv->function_key] <= 0) busy_by_function_.erase(inv->function_key);
  if (inv->counted_unreserved) --busy_unreserved_;

  InvokeResult result;
  result.outcome = outcome;
  result.payload = std::move(payload);
  result.executed_version = spec.version;
  result.error_type = std::move(error_type);
  if (inv->request.tail_log) {
    const std::string& t = inv->log_text;
    result.log_tail = t.size() > kLogTailBytes ? t.substr(t.size() - kLogTailBytes) : t;
  }
  after.push_back([done = std::move(inv->done), r = std::move(result)]() mutable { done(std::move(r)); });
  if (env.retired) KillEnvironment(env, after);
}

// ---- Process output and exit ----

bool LocalInvoker::DrainOutput(Environment& env, bool flush_partial) {
  if (env.child.output < 0) return true;
  char buf[16384];
  const int64_t now = EpochMs() + env.time_offset_ms;
  bool eof = false;
  for (;;) {
    ssize_t n = read(env.child.output, buf, sizeof buf);
    if (n == 0) eof = true;
    if (n <= 0) break;
    env.partial_line.append(buf, static_cast<size_t>(n));
  }
  size_t start = 0;
  for (;;) {
    size_t nl = env.partial_line.find('\n', start);
    if (nl == std::string::npos) break;
    std::string line = env.partial_line.substr(start, nl + 1 - start);
    if (env.current && env.delivered) env.current->log_text += line;
    env.pending_log.push_back({now, std::move(line)});
    start = nl + 1;
  }
  env.partial_line.erase(0, start);
  if (flush_partial && !env.partial_line.empty()) {
    std::string line = std::move(env.partial_line) + "\n";
    env.partial_line.clear();
    if (env.current && env.delivered) env.current->log_text += line;
    env.pending_log.push_back({now, std::move(line)});
  }
  return eof;
}

void LocalInvoker::FlushLog(Environment& env) {
  if (env.pending_log.empty()) return;
  if (options_.write_log) {
    options_.write_log(env.spec->region, env.spec->log_group, env.log_stream, std::move(env.pending_log));
  }
  env.pending_log.clear();
}

void LocalInvoker::OnOutput(uint64_t env_id) {
  std::lock_guard lock(mu_);
  auto it = envs_.find(env_id);
  if (it == envs_.end()) return;
  Environment& env = *it->second;
  if (DrainOutput(env, false)) {
    // End of output (the process closed it, normally by exiting): stop watching, or the hung-up pipe
    // would wake the reactor until the pidfd reports the exit.
    reactor_.Unwatch(env.child.output);
  }
  FlushLog(env);
}

void LocalInvoker::OnExit(uint64_t env_id) {
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    auto it = envs_.find(env_id);
    if (it == envs_.end()) return;
    Environment& env = *it->second;
    std::string how = ReapAndDescribe(env.child.pid);
    if (how.empty()) return;  // spurious wake-up
    const bool was_initialized = env.state == Environment::State::kReady;
    env.state = Environment::State::kDead;
    DrainOutput(env, true);
    reactor_.Cancel(env.init_timer);
    if (env.current) {
      const std::string& rid = env.current->request.request_id;
      if (!env.delivered && env.served && env.init_error_body.empty()) {
        // Queued behind the previous invocation, never started: give it to another environment.
        std::unique_ptr<Invocation> inv = std::move(env.current);
        if (--busy_by_function_[inv->function_key] <= 0) busy_by_function_.erase(inv->function_key);
        if (inv->counted_unreserved) --busy_unreserved_;
        Dispatch(std::move(inv), after);
      } else if (!env.init_error_body.empty()) {
        std::string type = env.init_error_type.empty() ? ErrorTypeOf(env.init_error_body) : env.init_error_type;
        Finish(env, InvokeResult::Outcome::kFunctionError, env.init_error_body, type, after);
      } else {
        std::string text = how == "exit status 0" ? "Runtime exited without providing a reason"
                                                  : "Runtime exited with error: " + how;
        std::string type = "Runtime.ExitError";
        if (env.spec->runtime.starts_with("provided") && how == "exit status 127" && !was_initialized &&
            access((env.spec->code_dir + "/bootstrap").c_str(), X_OK) != 0) {
          type = "Runtime.InvalidEntrypoint";
          text = "Couldn't find valid bootstrap(s): [" + env.spec->code_dir + "/bootstrap]";
        }
        Finish(env, InvokeResult::Outcome::kFunctionError, PlatformError(type, rid, text), type, after);
      }
    }
    if (!env.init_error_body.empty() && !env.pc_key.empty()) {
      auto p = provisioned_.find(env.pc_key);
      if (p != provisioned_.end()) p->second->failed = true;
    }
    FlushLog(env);
    ReleaseParked(env, after);
    reactor_.Unwatch(env.child.pidfd);
    reactor_.Unwatch(env.child.output);
    close(env.child.pidfd);
    close(env.child.output);
    if (options_.close_port) options_.close_port(env.id);
    std::error_code ec;
    fs::remove_all(options_.work_dir + "/env-" + std::to_string(env.id), ec);
    const std::string pc_key = env.pc_key;
    const bool init_failed = !env.init_error_body.empty();
    envs_.erase(env_id);  // by key: Dispatch above may have rehashed the map
    if (!pc_key.empty() && !init_failed && !shutting_down_) TopUpProvisioned(pc_key, after);
  }
  RunAfterUnlock(after);
}

// A /next that will never get work: answered, so that its connection (which reads nothing while the
// request is open) closes now rather than at the HTTP server's drain timeout.
void LocalInvoker::ReleaseParked(Environment& env, std::vector<Completion>& after) {
  if (!env.parked) return;
  net::Response gone{410, "application/json", {},
                     R"({"errorMessage":"The execution environment is shutting down","errorType":"EnvironmentShutdown"})"};
  after.push_back([r = std::move(env.parked), gone = std::move(gone)]() mutable { r(std::move(gone)); });
  env.parked = nullptr;
}

void LocalInvoker::KillEnvironment(Environment& env, std::vector<Completion>& after) {
  (void)after;
  env.retired = true;
  if (env.state == Environment::State::kDead) return;
  // SIGKILL the group: the runtime and anything it started. OnExit cleans up.
  KillGroup(env.child.pid, SIGKILL);
}

// ---- Timers ----

void LocalInvoker::OnDeadline(uint64_t env_id, std::string request_id) {
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    auto it = envs_.find(env_id);
    if (it == envs_.end()) return;
    Environment& env = *it->second;
    if (!env.current || env.current->request.request_id != request_id) return;
    const std::string secs = TwoDecimals(static_cast<double>(env.spec->timeout_s));
    const int64_t now = EpochMs() + env.time_offset_ms;
    std::string line = FormatIsoUtcMs(now) + " " + request_id + " Task timed out after " + secs + " seconds\n";
    DrainOutput(env, true);
    if (env.delivered) env.current->log_text += line;
    env.pending_log.push_back({now, std::move(line)});
    if (!env.delivered) env.current->start_us = MonotonicUs();  // never reached the handler
    env.retired = true;  // a timed-out runtime is restarted (module state resets)
    env.delivered = true;
    Finish(env, InvokeResult::Outcome::kFunctionError,
           PlatformError("Sandbox.Timedout", request_id, "Task timed out after " + secs + " seconds"),
           "Sandbox.Timedout", after);
  }
  RunAfterUnlock(after);
}

void LocalInvoker::OnInitDeadline(uint64_t env_id) {
  std::lock_guard lock(mu_);
  auto it = envs_.find(env_id);
  if (it == envs_.end()) return;
  Environment& env = *it->second;
  env.init_timer = 0;
  if (env.state != Environment::State::kInit) return;
  env.pending_log.push_back({EpochMs() + env.time_offset_ms, "INIT_REPORT Init Duration: " +
                                            TwoDecimals(static_cast<double>(options_.init_timeout_ms)) +
                                            " ms\tPhase: init\tStatus: timeout\n"});
  FlushLog(env);
  // AWS retries a timed-out init inside the first invoke ("suppressed init"): from now on the init
  // counts against the invocation's own timeout.
  if (env.current && env.current->deadline_timer == 0) {
    Invocation& inv = *env.current;
    inv.deadline_epoch_ms = EpochMs() + env.time_offset_ms + env.spec->timeout_s * 1000;
    inv.deadline_timer = reactor_.RunAfter(env.spec->timeout_s * 1000, [this, env_id, rid = inv.request.request_id] {
      OnDeadline(env_id, rid);
    });
  }
}

void LocalInvoker::CheckMemory() {
  struct Probe {
    uint64_t id;
    pid_t pid;
    int64_t limit_kib;
  };
  std::vector<Probe> probes;
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) return;
    for (auto& [id, env] : envs_) {
      if (env->state != Environment::State::kDead && Busy(*env)) {
        probes.push_back({id, env->child.pid, env->spec->memory_mb * 1024});
      }
    }
  }
  std::vector<uint64_t> over;
  for (const Probe& p : probes) {
    if (ReadMemoryUse(p.pid).current_kib > p.limit_kib) over.push_back(p.id);
  }
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    for (uint64_t id : over) {
      auto it = envs_.find(id);
      if (it == envs_.end() || !it->second->current) continue;
      Environment& env = *it->second;
      const std::string rid = env.current->request.request_id;
      env.retired = true;
      if (!env.delivered) env.current->start_us = MonotonicUs();
      env.delivered = true;
      Finish(env, InvokeResult::Outcome::kFunctionError,
             PlatformError("Runtime.OutOfMemory", rid, "Runtime exited with error: signal: killed"),
             "Runtime.OutOfMemory", after);
    }
    memory_timer_ = reactor_.RunAfter(options_.memory_check_interval_ms, [this] { CheckMemory(); });
  }
  RunAfterUnlock(after);
}

void LocalInvoker::ReapIdle() {
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) return;
    const int64_t now = Reactor::MonotonicMs();
    for (auto& [id, env] : envs_) {
      if (env->pc_key.empty() && !Busy(*env) && env->state == Environment::State::kReady &&
          now - env->idle_since_ms >= options_.idle_timeout_ms) {
        KillEnvironment(*env, after);
      }
    }
    reap_timer_ = reactor_.RunAfter(std::min<int64_t>(1000, options_.idle_timeout_ms), [this] { ReapIdle(); });
  }
  RunAfterUnlock(after);
}

// ---- Provisioned concurrency ----

void LocalInvoker::TopUpProvisioned(const std::string& key, std::vector<Completion>& after) {
  auto it = provisioned_.find(key);
  if (it == provisioned_.end() || it->second->failed) return;
  int64_t live = 0;
  for (auto& [id, env] : envs_) {
    if (env->pc_key == key && !env->retired && env->state != Environment::State::kDead) ++live;
  }
  for (; live < it->second->count; ++live) {
    if (StartEnvironment(it->second->spec, key, -1, after) == nullptr) {
      it->second->failed = true;
      return;
    }
  }
}

void LocalInvoker::SetProvisioned(const std::string& config_key, std::shared_ptr<const FunctionSpec> spec,
                                  int64_t count) {
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    auto& p = provisioned_[config_key];
    if (!p) p = std::make_unique<Provisioned>();
    const bool spec_changed = p->spec && spec && p->spec->config_id != spec->config_id;
    p->spec = std::move(spec);
    p->count = count;
    p->failed = false;
    // Too many (or stale) environments: retire the surplus, idle ones first.
    int64_t keep = spec_changed ? 0 : count;
    for (auto& [id, env] : envs_) {
      if (env->pc_key != config_key || env->retired || env->state == Environment::State::kDead) continue;
      if (keep > 0) {
        --keep;
        continue;
      }
      env->retired = true;
      if (!Busy(*env)) KillEnvironment(*env, after);
    }
    if (count == 0) {
      provisioned_.erase(config_key);
    } else {
      TopUpProvisioned(config_key, after);
    }
  }
  RunAfterUnlock(after);
}

ProvisionedStatus LocalInvoker::GetProvisioned(const std::string& config_key) {
  std::lock_guard lock(mu_);
  ProvisionedStatus st;
  auto it = provisioned_.find(config_key);
  if (it == provisioned_.end()) return st;
  st.requested = it->second->count;
  st.failed = it->second->failed;
  for (auto& [id, env] : envs_) {
    if (env->pc_key != config_key || env->retired || env->state == Environment::State::kDead) continue;
    ++st.allocated;
    if (env->state == Environment::State::kReady) ++st.available;
  }
  st.allocated = std::min(st.allocated, st.requested);
  st.available = std::min(st.available, st.requested);
  return st;
}

void LocalInvoker::RetireEnvironments(const std::string& function_key) {
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, env] : envs_) {
      // Provisioned environments run a published (immutable) version; SetProvisioned manages them.
      if (env->function_key != function_key || !env->pc_key.empty()) continue;
      env->retired = true;
      if (!Busy(*env)) KillEnvironment(*env, after);
    }
  }
  RunAfterUnlock(after);
}

void LocalInvoker::RetireAllEnvironments() {
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, env] : envs_) {
      env->retired = true;  // provisioned ones are topped up again when they exit
      if (!Busy(*env)) KillEnvironment(*env, after);
    }
  }
  RunAfterUnlock(after);
}

// ---- Runtime API ----

void LocalInvoker::HandleRuntimeApi(net::Request&& request, net::Responder respond) {
  auto reply = [&respond](int status, std::string body, bool close = false) {
    net::Response r{status, "application/json", {}, std::move(body)};
    r.close = close;
    respond(std::move(r));
  };
  auto error = [&](int status, std::string_view type, std::string_view message) {
    reply(status, "{\"errorMessage\":" + JsonQuote(message) + ",\"errorType\":" + JsonQuote(type) + "}");
  };
  std::string_view path = request.path();
  if (!path.starts_with(kRuntimePrefix)) {
    error(404, "InvalidRoute", "Unsupported Runtime API route (extensions, telemetry and logs APIs are not implemented)");
    return;
  }
  std::string_view rest = path.substr(kRuntimePrefix.size());
  std::vector<Completion> after;
  {
    std::lock_guard lock(mu_);
    auto it = envs_.find(request.listener_tag);
    if (it == envs_.end() || it->second->state == Environment::State::kDead) {
      error(403, "InvalidStateTransition", "The execution environment is shutting down");
      return;
    }
    Environment& env = *it->second;

    if (rest == "invocation/next") {
      if (request.method != "GET") return error(405, "MethodNotAllowed", "Use GET");
      if (env.current && env.delivered) {
        return error(403, "InvalidStateTransition",
                     "State transition from Running to Ready failed for runtime. Error: an invocation is in "
                     "progress; post its response or error first");
      }
      if (env.state == Environment::State::kInit) {
        env.state = Environment::State::kReady;
        env.init_ms = static_cast<double>(MonotonicUs() - env.spawn_us) / 1000.0;
        reactor_.Cancel(env.init_timer);
        env.init_timer = 0;
        env.idle_since_ms = Reactor::MonotonicMs();
        DrainOutput(env, false);
        FlushLog(env);
      }
      if (env.parked) {
        // A second /next while one is parked: the runtime gave up on the first connection.
        env.parked = nullptr;
      }
      env.parked = std::move(respond);
      if (env.current && !env.delivered) Deliver(env, after);
    } else if (rest == "init/error") {
      env.init_error_body = request.body.empty() ? PlatformError("Runtime.Unknown", "", "init failed") : request.body;
      const std::string* type = request.header("lambda-runtime-function-error-type");
      env.init_error_type = type ? *type : ErrorTypeOf(env.init_error_body);
      const double init_ms = static_cast<double>(MonotonicUs() - env.spawn_us) / 1000.0;
      DrainOutput(env, true);
      env.pending_log.push_back({EpochMs() + env.time_offset_ms,
                                 "INIT_REPORT Init Duration: " + TwoDecimals(init_ms) +
                                     " ms\tPhase: init\tStatus: error\tError Type: " +
                                     env.init_error_type + "\n"});
      if (env.current) {
        env.current->init_ms = init_ms;
        env.current->start_us = MonotonicUs();
        // The invocation reports the failed init: START/END/REPORT appear as on AWS.
        std::string start = "START RequestId: " + env.current->request.request_id + " Version: " +
                            env.spec->version + "\n";
        env.current->log_text += start;
        env.pending_log.push_back({EpochMs() + env.time_offset_ms, std::move(start)});
        env.delivered = true;
        env.retired = true;
        Finish(env, InvokeResult::Outcome::kFunctionError, env.init_error_body, env.init_error_type, after);
      }
      env.retired = true;
      reply(202, "{\"status\":\"OK\"}");
    } else if (rest.starts_with("invocation/")) {
      std::string_view tail = rest.substr(11);
      size_t slash = tail.find('/');
      std::string_view id = tail.substr(0, slash);
      std::string_view what = slash == std::string_view::npos ? "" : tail.substr(slash + 1);
      if (request.method != "POST" || (what != "response" && what != "error")) {
        return error(404, "InvalidRoute", "Unsupported Runtime API route");
      }
      if (!env.current || !env.delivered || env.current->request.request_id != id) {
        return error(400, "InvalidRequestID", "Invalid request ID");
      }
      // Moving to its callers' io thread: new connections go there, and this answer closes the
      // current one, so the runtime sends its next /next on a connection served by that thread.
      bool reconnect = false;
      if (env.move_to >= 0) {
        options_.move_port(env.id, env.move_to);
        log::Debug("lambda: environment " + std::to_string(env.id) + " moves to io thread " +
                   std::to_string(env.move_to));
        env.io_thread = env.move_to;
        env.move_to = -1;
        env.foreign_streak = 0;
        reconnect = true;
      }
      if (what == "response") {
        if (request.body.size() > kMaxResponseBytes) {
          error(413, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes).");
          Finish(env, InvokeResult::Outcome::kFunctionError,
                 "{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size (6291556 "
                 "bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}",
                 "Function.ResponseSizeTooLarge", after);
        } else {
          reply(202, "{\"status\":\"OK\"}", reconnect);
          Finish(env, InvokeResult::Outcome::kSuccess, std::move(request.body), "", after);
        }
      } else {
        std::string type = ErrorTypeOf(request.body);
        if (type.empty()) {
          const std::string* h = request.header("lambda-runtime-function-error-type");
          type = h ? *h : "Runtime.Unknown";
        }
        std::string body = request.body.empty()
                               ? "{\"errorMessage\":\"\",\"errorType\":" + JsonQuote(type) + "}"
                               : std::move(request.body);
        reply(202, "{\"status\":\"OK\"}", reconnect);
        Finish(env, InvokeResult::Outcome::kFunctionError, std::move(body), type, after);
      }
    } else {
      error(404, "InvalidRoute", "Unsupported Runtime API route");
    }
  }
  RunAfterUnlock(after);
}

// ---- Shutdown ----

void LocalInvoker::Shutdown() {
  std::vector<Completion> after;
  std::vector<pid_t> pids;
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) return;
    shutting_down_ = true;
    reactor_.Cancel(memory_timer_);
    reactor_.Cancel(reap_timer_);
    for (auto& [id, env] : envs_) {
      if (env->current) {
        const std::string rid = env->current->request.request_id;
        if (!env->delivered) env->current->start_us = MonotonicUs();
        env->delivered = true;
        env->retired = true;
        Finish(*env, InvokeResult::Outcome::kFunctionError,
               PlatformError("Runtime.ExitError", rid, "Runtime exited with error: signal: terminated"),
               "Runtime.ExitError", after);
      }
      env->retired = true;
      ReleaseParked(*env, after);
      if (env->state != Environment::State::kDead) pids.push_back(env->child.pid);
    }
  }
  RunAfterUnlock(after);
  // SIGTERM first, as AWS does at shutdown; whatever is left after a short grace period is killed.
  for (pid_t pid : pids) KillGroup(pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    {
      std::lock_guard lock(mu_);
      if (envs_.empty()) break;
    }
    usleep(10'000);
  }
  for (pid_t pid : pids) KillGroup(pid, SIGKILL);
}

LocalInvoker::Stats LocalInvoker::GetStats() {
  std::lock_guard lock(mu_);
  Stats s;
  s.environments = static_cast<int64_t>(envs_.size());
  for (auto& [id, env] : envs_) s.busy += Busy(*env) ? 1 : 0;
  s.cold_starts = cold_starts_;
  return s;
}

}  // namespace eddy::lambda
