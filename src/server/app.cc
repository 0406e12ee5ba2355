#include "server/app.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "common/clock.h"
#include "common/log.h"
#include "common/time_driver.h"
#include "eventbridge/http_handler.h"
#include "eventbridge/rules.h"
#include "events/target_dispatcher.h"
#include "iam/directory.h"
#include "iam/http_handler.h"
#include "lambda/code_store.h"
#include "lambda/esm/mappings.h"
#include "lambda/esm/sqs_poller.h"
#include "lambda/http_handler.h"
#include "lambda/async/async_invocations.h"
#include "lambda/invoker.h"
#include "lambda/registry.h"
#include "lambda/runtime/local_invoker.h"
#include "logs/http_handler.h"
#include "logs/log_store.h"
#include "net/http_server.h"
#include "scheduler/http_handler.h"
#include "scheduler/schedules.h"
#include "server/clock_admin.h"
#include "server/event_targets.h"
#include "sqs/engine.h"
#include "sqs/http_handler.h"
#include "store/memory_store.h"
#include "store/message_store.h"
#include "store/sqlite_store.h"

namespace eddy::server {
namespace {

// `host` as it appears in a URL: IPv6 literals in brackets.
std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string SignalName(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : std::to_string(sig); }

}  // namespace

bool HandleBuiltin(const net::Request& request, const HealthInfo& info, net::Response* response) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  std::string_view path = request.path();
  if (path == "/_eddy/health") {
    response->status = 200;
    response->content_type = "application/json";
    response->body = std::string(R"({"status":"ok","version":")") + kVersion +
                     R"(","storage":")" + std::string(info.storage) +
                     R"(","uptime_ms":)" + std::to_string(info.uptime_ms) + "}";
    return true;
  }
  if (path == "/_localstack/health") {
    // LocalStack's shape, so tooling that waits on it (testcontainers, CI scripts) works. Only what
    // Eddy implements is listed.
    response->status = 200;
    response->content_type = "application/json";
    response->body =
        std::string(R"({"services":{"sqs":"running","logs":"running","lambda":"running","events":"running","scheduler":"running","iam":"running"},"edition":"eddy","version":")") +
        kVersion + R"("})";
    return true;
  }
  return false;
}

App::App(Config config) : config_(std::move(config)) {}

int App::Run() {
  const auto started = std::chrono::steady_clock::now();
  log::SetLevel(config_.log_level);

  // Every thread started from here on inherits this mask, so SIGINT/SIGTERM reach only sigwait().
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // ---- Storage ----
  std::unique_ptr<store::MessageStore> store;
  std::string storage_desc;
  if (config_.in_memory) {
    store = std::make_unique<store::MemoryStore>();
    storage_desc = "in-memory";
  } else {
    auto opened = store::SqliteStore::Open(config_.data_dir);
    if (!opened.ok()) {
      log::Error("cannot open data directory " + config_.data_dir + ": " + opened.error().ToString());
      return 1;
    }
    store = std::move(opened.value());
    storage_desc = "sqlite at " + config_.data_dir;
  }

  // ---- Time ---- Every component reads `clock`. --clock virtual: it moves only when set or advanced
  // (/_eddy/clock), and the TimeDriver fires what falls due on the way; long polls stay in real time.
  SystemClock real_clock;
  std::optional<VirtualClock> virtual_clock;
  if (config_.virtual_clock) {
    Result<int64_t> start = VirtualClockStart(*store, config_.clock_start_ms, real_clock.NowMs());
    if (!start.ok()) {
      log::Error("cannot read the virtual clock from the store: " + start.error().ToString());
      store->Close();
      return 1;
    }
    virtual_clock.emplace(*start);
  }
  const Clock& clock = virtual_clock ? static_cast<const Clock&>(*virtual_clock) : real_clock;
  std::optional<TimeDriver> time_driver;  // timekeepers are added before Start() below
  if (virtual_clock) {
    time_driver.emplace(*virtual_clock);
  } else {
    time_driver.emplace(real_clock);
  }

  // ---- SQS ----
  sqs::EngineOptions engine_options;
  engine_options.wait_clock = &real_clock;  // WaitTimeSeconds are real seconds in both modes
  sqs::Engine engine(clock, *store, engine_options);
  if (Status st = engine.Recover(); !st.ok()) {
    log::Error("cannot recover state from " + config_.data_dir + ": " + st.ToString());
    store->Close();
    return 1;
  }
  engine.StartTimerThread();  // real clock: all its timers; virtual: long polls only
  if (virtual_clock) {
    time_driver->Add(&engine);
    PersistVirtualTime(*store, virtual_clock->NowMs());
  }

  // ---- CloudWatch Logs ---- (in memory; the Lambda runtime appends function output here too)
  logs::LogStore log_store(clock);
  logs::HttpHandler logs_handler(log_store, clock);

  // ---- IAM ---- (roles and policies are stored so deploy scripts run; nothing is enforced)
  iam::Directory iam_directory(clock, *store);
  if (Status st = iam_directory.Recover(); !st.ok()) {
    log::Error("cannot recover IAM roles and policies: " + st.ToString());
    engine.Shutdown();
    store->Close();
    return 1;
  }
  iam::HttpHandler iam_handler(iam_directory, *store);

  // ---- Lambda ---- (control plane: registry, code store, REST API)
  // Packages live beside the store (<data-dir>/lambda); --in-memory uses a temp dir removed at exit.
  struct TempDir {
    std::string path;
    ~TempDir() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
  } lambda_temp_dir;
  std::string lambda_dir = config_.data_dir + "/lambda";
  if (config_.in_memory) {
    char tmpl[] = "/tmp/eddy-lambda-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      log::Error("cannot create a temporary Lambda directory");
      engine.Shutdown();
      store->Close();
      return 1;
    }
    lambda_dir = lambda_temp_dir.path = tmpl;
  }
  lambda::CodeStore lambda_code(lambda_dir);
  lambda::RegistryOptions lambda_registry_options;
  lambda_registry_options.account_concurrency_limit = config_.lambda_concurrency;
  lambda::Registry lambda_registry(clock, *store, lambda_code, lambda_registry_options);
  if (Status st = lambda_code.Init(); !st.ok() || !(st = lambda_registry.Recover()).ok()) {
    log::Error("cannot recover Lambda state from " + lambda_dir + ": " + st.ToString());
    engine.Shutdown();
    store->Close();
    return 1;
  }
  // Event source mappings (control plane; the poller subscribes with SetObserver before Recover).
  lambda::Mappings lambda_mappings(
      clock, *store, lambda::RegistryTimeoutLookup(lambda_registry),
      [&engine](const std::string& arn) -> std::optional<lambda::QueueInfo> {
        std::optional<sqs::QueueArn> queue = sqs::ParseQueueArn(arn);
        if (!queue) return std::nullopt;
        sqs::RequestContext ctx;
        ctx.region = queue->region;
        ctx.account = queue->account;
        auto attrs = engine.GetQueueAttributes(ctx, queue->Url(), {"FifoQueue", "VisibilityTimeout"});
        if (!attrs) return std::nullopt;
        lambda::QueueInfo info;
        auto fifo = attrs->find("FifoQueue");
        info.fifo = fifo != attrs->end() && fifo->second == "true";
        auto vt = attrs->find("VisibilityTimeout");
        if (vt != attrs->end()) info.visibility_timeout_s = std::stoll(vt->second);
        return info;
      });
  // Data plane: environments are local processes behind per-environment Runtime API ports (extra
  // listeners of the HTTP server, opened once it runs); Event invocations go through a durable internal
  // SQS queue.
  net::HttpServer* http_server = nullptr;  // set below, before the first request
  lambda::LocalInvokerOptions invoker_options;
  invoker_options.runtimes_dir = lambda_dir + "/runtimes";
  invoker_options.work_dir = lambda_dir + "/environments";
  invoker_options.python = config_.lambda_python;
  invoker_options.node = config_.lambda_node;
  invoker_options.idle_timeout_ms = config_.lambda_idle_timeout_s * 1000;
  invoker_options.open_port = [&http_server](uint64_t tag, int io_thread) {
    return http_server->AddListener(tag, io_thread);
  };
  invoker_options.close_port = [&http_server](uint64_t tag) { http_server->RemoveListener(tag); };
  invoker_options.move_port = [&http_server](uint64_t tag, int io_thread) {
    http_server->MoveListener(tag, io_thread);
  };
  invoker_options.write_log = [&log_store](const std::string& region, const std::string& group,
                                           const std::string& stream, std::vector<lambda::LogLine> lines) {
    std::vector<logs::LogEvent> events;
    events.reserve(lines.size());
    for (auto& l : lines) events.push_back({l.timestamp_ms, std::move(l.message)});
    log_store.Append(region, group, stream, std::move(events));
  };
  invoker_options.virtual_clock = virtual_clock ? &*virtual_clock : nullptr;  // runtimes see it
  lambda::LocalInvoker lambda_invoker(invoker_options);
  if (virtual_clock) {
    time_driver->OnJump([&store, &lambda_invoker](int64_t now) {
      PersistVirtualTime(*store, now);          // a restart resumes here
      lambda_invoker.RetireAllEnvironments();   // runtimes restart with the new time
    });
  }
  lambda::AsyncInvocations lambda_async(
      engine, *store, clock, lambda_invoker,
      [&lambda_registry](const std::string& region, const std::string& account, const std::string& name,
                         const std::string& qualifier) -> std::optional<lambda::InvokeTarget> {
        auto target = lambda_registry.Resolve(region, account, name, qualifier);
        if (!target.ok()) return std::nullopt;
        return std::move(target.value());
      });
  // The SQS poller of event source mappings: consumers next to the queues, woken by enqueue.
  lambda::SqsPoller esm_poller(
      engine, lambda_invoker,
      [&lambda_registry](const lambda::MappingSnapshot& m) -> std::optional<lambda::InvokeTarget> {
        auto target = lambda_registry.Resolve(m.region, m.account, m.function_name, m.qualifier);
        if (!target.ok()) return std::nullopt;
        return std::move(target.value());
      },
      [&lambda_mappings](const std::string& uuid, const std::string& result) {
        lambda_mappings.RecordProcessingResult(uuid, result);
      });
  lambda_mappings.SetObserver([&esm_poller](const lambda::MappingPtr& m) { esm_poller.Apply(m); });
  lambda_invoker.SetAsyncSink([&lambda_async](lambda::InvokeRequest request, std::function<void()> accepted) {
    lambda_async.Enqueue(std::move(request), std::move(accepted));
  });

  // ---- EventBridge ---- Rules fire on `clock` (TimeDriver); targets are Lambda async invocations
  // and SQS sends, retried by the dispatcher per target RetryPolicy, then dead-lettered.
  events::TargetDispatcher event_dispatcher(clock, MakeTargetSinks(engine, lambda_registry, lambda_async),
                                            [&time_driver] { time_driver->Wake(); });
  eventbridge::Rules event_rules(clock, *store, event_dispatcher, [&time_driver] { time_driver->Wake(); });
  if (Status st = event_rules.Recover(); !st.ok()) {
    log::Error("cannot recover EventBridge rules: " + st.ToString());
    engine.Shutdown();
    store->Close();
    return 1;
  }
  time_driver->Add(&event_rules);
  time_driver->Add(&event_dispatcher);
  eventbridge::HttpHandler events_handler(event_rules, *store, clock);
  // ---- EventBridge Scheduler ---- (schedules in groups, evaluated in their time zones)
  scheduler::Schedules schedules(clock, *store, event_dispatcher, [&time_driver] { time_driver->Wake(); });
  if (Status st = schedules.Recover(); !st.ok()) {
    log::Error("cannot recover EventBridge Scheduler schedules: " + st.ToString());
    engine.Shutdown();
    store->Close();
    return 1;
  }
  time_driver->Add(&schedules);
  scheduler::HttpHandler scheduler_handler(schedules, *store);
  if (Status st = lambda_invoker.Prepare(); !st.ok()) {
    log::Error("cannot prepare the Lambda runtime directory: " + st.ToString());
    engine.Shutdown();
    store->Close();
    return 1;
  }
  std::optional<lambda::HttpHandler> lambda_handler;  // constructed once the port is known

  // Constructed once the port is known (before Run(), so before any request can arrive).
  std::optional<sqs::HttpHandler> sqs_handler;

  // ---- HTTP ----
  const std::string_view storage_kind = config_.in_memory ? "memory" : "sqlite";
  net::HttpServerOptions http_options;
  http_options.host = config_.host;
  http_options.port = config_.port;
  http_options.threads = config_.threads;
  http_options.max_body_bytes = 72 * 1024 * 1024;  // Lambda CreateFunction: up to 70,167,211 bytes
  net::HttpServer server(http_options, [&](net::Request&& request, net::Responder respond) {
    // ---- Lambda ----
    if (request.listener_tag != 0) {  // an execution environment's Runtime API port
      lambda_invoker.HandleRuntimeApi(std::move(request), std::move(respond));
      return;
    }
    if (lambda::HttpHandler::Matches(request)) {
      lambda_handler->Handle(std::move(request), std::move(respond));
      return;
    }
    if (request.path().starts_with("/_")) {
      if (net::Response clock_response; HandleClockRequest(request, *time_driver, &clock_response)) {
        respond(std::move(clock_response));
        return;
      }
      HealthInfo info{storage_kind, std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - started)
                                        .count()};
      net::Response response;
      if (HandleBuiltin(request, info, &response)) {
        respond(std::move(response));
        return;
      }
    }
    // ---- IAM ---- (Query on POST / like SQS: told apart by the SigV4 scope's service)
    if (iam::HttpHandler::Accepts(request)) {
      iam_handler.Handle(std::move(request), std::move(respond));
      return;
    }
    if (eventbridge::HttpHandler::Accepts(request)) {
      events_handler.Handle(std::move(request), std::move(respond));
      return;
    }
    if (scheduler::HttpHandler::Matches(request)) {
      scheduler_handler.Handle(std::move(request), std::move(respond));
      return;
    }
    // ---- CloudWatch Logs ----
    if (logs::HttpHandler::Accepts(request)) {
      logs_handler.Handle(std::move(request), std::move(respond));
      return;
    }
    sqs_handler->Handle(std::move(request), std::move(respond));
  });
  if (Status st = server.Start(); !st.ok()) {
    log::Error(st.message());
    engine.Shutdown();
    store->Close();
    return 1;
  }
  http_server = &server;
  const std::string port = std::to_string(server.port());
  sqs::HttpHandlerOptions handler_options;
  // Queue URLs normally follow the request's Host header; this is for requests without one.
  const bool wildcard = config_.host == "0.0.0.0" || config_.host == "::";
  handler_options.fallback_url_base =
      "http://" + (wildcard ? std::string("127.0.0.1") : UrlHost(config_.host)) + ":" + port;
  sqs_handler.emplace(engine, *store, handler_options);
  // ---- Lambda ----
  lambda::HttpHandlerOptions lambda_options;
  lambda_options.fallback_url_base = handler_options.fallback_url_base;
  lambda_handler.emplace(lambda_registry, lambda_invoker, lambda_code, *store, lambda_options);
  lambda_handler->Start();
  lambda_handler->AttachMappings(&lambda_mappings);
  // Recovered mappings start polling now that environments can open their Runtime API ports.
  if (Status st = lambda_mappings.Recover(); !st.ok()) {
    log::Error("cannot recover Lambda event source mappings: " + st.ToString());
    server.Stop();
    esm_poller.Shutdown();
    engine.Shutdown();
    store->Close();
    return 1;
  }
  lambda_invoker.SetEndpointUrl(handler_options.fallback_url_base);  // handler code's AWS_ENDPOINT_URL
  if (Status st = lambda_async.Start(); !st.ok()) {
    log::Error(st.ToString());
    server.Stop();
    engine.Shutdown();
    store->Close();
    return 1;
  }
  time_driver->Start();  // after every Add()
  log::Info("eddy listening on http://" + UrlHost(config_.host) + ":" + port +
            " (storage: " + storage_desc + ")");
  if (virtual_clock) log::Info("virtual clock at " + FormatIsoUtcMs(clock.NowMs()));

  // ---- Signals ----
  std::atomic<bool> exiting{false};
  std::promise<void> stop_steps_done;
  std::future<void> stop_steps_future = stop_steps_done.get_future();
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (exiting.load()) return;  // woken by Run() itself
    log::Info("received " + SignalName(sig) + ", shutting down");
    time_driver->Stop();  // before what its timekeepers deliver to
    // Environments first: their parked /next requests would otherwise hold the HTTP drain.
    esm_poller.Shutdown();
    lambda_async.Shutdown();
    lambda_invoker.Shutdown();
    server.Stop();
    engine.Shutdown();
    stop_steps_done.set_value();
    // A second signal forces the exit. Repeats within a second are ignored: `timeout`, shells and
    // process managers often deliver one stop request both to the process and to its group.
    const auto first = std::chrono::steady_clock::now();
    for (;;) {
      sigwait(&stop_signals, &sig);
      if (exiting.load()) return;
      if (std::chrono::steady_clock::now() - first < std::chrono::seconds(1)) continue;
      log::Warn("received " + SignalName(sig) + " again, exiting immediately");
      std::_Exit(1);
    }
  });

  server.Run();  // returns once Stop() has drained every connection
  stop_steps_future.wait();
  store->Close();
  exiting.store(true);
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // blocked, so it only wakes sigwait()
  signal_thread.join();
  log::Info("eddy stopped");
  return 0;
}

}  // namespace eddy::server
