// LocalInvoker against real processes: a `provided.al2023` bootstrap written in Python (standard
// library only) talks to a real HttpServer, so cold starts, warm reuse, timeouts, crashes, memory
// limits, throttling and provisioned concurrency are exercised end to end without the Lambda API.

#include "lambda/runtime/local_invoker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "net/http_server.h"

namespace eddy::lambda {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kBootstrap = R"PY(#!/usr/bin/env python3
import os, sys, json, http.client, time
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
count = 0
if os.environ.get("FAIL_INIT"):
    conn.request("POST", "/2018-06-01/runtime/init/error",
                 body=json.dumps({"errorType": "Runtime.ImportModuleError", "errorMessage": "no module"}),
                 headers={"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
    conn.getresponse().read()
    sys.exit(1)
while True:
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    r = conn.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    count += 1
    op = event.get("op")
    if op == "sleep":
        time.sleep(event["s"])
    elif op == "crash":
        sys.exit(3)
    elif op == "mem":
        hog = b"\x01" * (event["mb"] * 1024 * 1024)
        time.sleep(2)
    elif op == "print":
        print("hello from the handler", flush=True)
    if op == "error":
        conn.request("POST", "/2018-06-01/runtime/invocation/%s/error" % rid,
                     body=json.dumps({"errorType": "Boom", "errorMessage": "it broke"}))
    else:
        out = {"count": count, "init": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
               "arn": r.getheader("Lambda-Runtime-Invoked-Function-Arn"),
               "tmp": os.environ["TMPDIR"], "cwd": os.getcwd()}
        conn.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, body=json.dumps(out))
    conn.getresponse().read()
)PY";

class LocalInvokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("eddy-invoker-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "code");
    {
      std::ofstream out(dir_ / "code" / "bootstrap");
      out << kBootstrap;
    }
    chmod((dir_ / "code" / "bootstrap").c_str(), 0755);

    net::HttpServerOptions http;
    http.host = "127.0.0.1";
    http.port = 0;
    http.threads = 2;
    server_ = std::make_unique<net::HttpServer>(http, [this](net::Request&& req, net::Responder r) {
      if (req.listener_tag != 0) {
        invoker_->HandleRuntimeApi(std::move(req), std::move(r));
      } else {
        r(net::Response{404, "text/plain", {}, ""});
      }
    });
    ASSERT_TRUE(server_->Start().ok());
    runner_ = std::thread([this] { server_->Run(); });

    LocalInvokerOptions options;
    options.runtimes_dir = (dir_ / "runtimes").string();
    options.work_dir = (dir_ / "work").string();
    options.idle_timeout_ms = 60'000;
    options.memory_check_interval_ms = 50;
    options.open_port = [this](uint64_t tag, int io_thread) { return server_->AddListener(tag, io_thread); };
    options.close_port = [this](uint64_t tag) { server_->RemoveListener(tag); };
    options.move_port = [this](uint64_t tag, int io_thread) { server_->MoveListener(tag, io_thread); };
    options.write_log = [this](const std::string&, const std::string& group, const std::string& stream,
                               std::vector<LogLine> lines) {
      std::lock_guard lock(log_mu_);
      for (auto& l : lines) log_ += group + " " + stream + " " + l.message;
    };
    invoker_ = std::make_unique<LocalInvoker>(options);
    ASSERT_TRUE(invoker_->Prepare().ok());

    auto spec = std::make_shared<FunctionSpec>();
    spec->region = "us-east-1";
    spec->account = "000000000000";
    spec->name = "fn";
    spec->version = "$LATEST";
    spec->unqualified_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn";
    spec->runtime = "provided.al2023";
    spec->timeout_s = 1;
    spec->memory_mb = 128;
    spec->code_dir = (dir_ / "code").string();
    spec->config_id = "c1";
    spec->log_group = "/aws/lambda/fn";
    spec_ = spec;
  }

  void TearDown() override {
    invoker_->Shutdown();  // the server keeps routing Runtime API calls to it until it has stopped
    server_->Stop();
    runner_.join();
    invoker_.reset();
    server_.reset();
    fs::remove_all(dir_);
  }

  InvokeRequest Request(std::string payload, std::optional<int64_t> reserved = std::nullopt) {
    InvokeRequest req;
    req.target.spec = spec_;
    req.target.invoked_arn = spec_->unqualified_arn;
    req.target.qualified_arn = spec_->QualifiedArn();
    req.target.qualifier = "$LATEST";
    req.target.reserved_concurrency = reserved;
    req.request_id = "req-" + std::to_string(++next_id_);
    req.payload = std::move(payload);
    req.tail_log = true;
    return req;
  }

  std::future<InvokeResult> Start(InvokeRequest req) {
    auto promise = std::make_shared<std::promise<InvokeResult>>();
    auto future = promise->get_future();
    invoker_->Invoke(std::move(req), [promise](InvokeResult r) { promise->set_value(std::move(r)); });
    return future;
  }

  InvokeResult Run(InvokeRequest req) {
    auto f = Start(std::move(req));
    EXPECT_EQ(f.wait_for(20s), std::future_status::ready);
    return f.get();
  }

  std::string Log() {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  fs::path dir_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread runner_;
  std::unique_ptr<LocalInvoker> invoker_;
  std::shared_ptr<FunctionSpec> spec_;
  int next_id_ = 0;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(LocalInvokerTest, ColdStartThenWarmReuseKeepsProcessState) {
  InvokeResult first = Run(Request(R"({"op":"echo"})"));
  ASSERT_EQ(first.outcome, InvokeResult::Outcome::kSuccess) << first.payload;
  EXPECT_NE(first.payload.find("\"count\": 1"), std::string::npos) << first.payload;
  EXPECT_NE(first.payload.find("\"init\": \"on-demand\""), std::string::npos);
  EXPECT_NE(first.payload.find(dir_.string() + "/work/env-"), std::string::npos) << "own TMPDIR";
  EXPECT_EQ(first.executed_version, "$LATEST");
  EXPECT_NE(first.log_tail.find("START RequestId: req-1 Version: $LATEST\n"), std::string::npos);
  EXPECT_NE(first.log_tail.find("END RequestId: req-1\n"), std::string::npos);
  EXPECT_NE(first.log_tail.find("\tInit Duration: "), std::string::npos) << first.log_tail;

  InvokeResult second = Run(Request(R"({"op":"print"})"));
  ASSERT_EQ(second.outcome, InvokeResult::Outcome::kSuccess);
  EXPECT_NE(second.payload.find("\"count\": 2"), std::string::npos) << "same process, warm";
  EXPECT_EQ(second.log_tail.find("Init Duration"), std::string::npos) << second.log_tail;
  EXPECT_NE(second.log_tail.find("hello from the handler\n"), std::string::npos) << second.log_tail;
  EXPECT_NE(second.log_tail.find("\tMemory Size: 128 MB\tMax Memory Used: "), std::string::npos);
  EXPECT_EQ(invoker_->GetStats().cold_starts, 1);
  EXPECT_NE(Log().find("INIT_START Runtime Version: provided:al2023.v1\tRuntime Version ARN: "),
            std::string::npos);
  EXPECT_NE(Log().find("/aws/lambda/fn 20"), std::string::npos) << "stream YYYY/MM/DD/[$LATEST]...";
}

TEST_F(LocalInvokerTest, FunctionErrorKeepsTheEnvironment) {
  InvokeResult r = Run(Request(R"({"op":"error"})"));
  EXPECT_EQ(r.outcome, InvokeResult::Outcome::kFunctionError);
  EXPECT_EQ(r.error_type, "Boom");
  EXPECT_EQ(r.payload, R"({"errorType": "Boom", "errorMessage": "it broke"})");
  InvokeResult next = Run(Request(R"({"op":"echo"})"));
  EXPECT_NE(next.payload.find("\"count\": 2"), std::string::npos);
}

TEST_F(LocalInvokerTest, TimeoutKillsAndReportsSandboxTimedout) {
  InvokeResult r = Run(Request(R"({"op":"sleep","s":30})"));
  EXPECT_EQ(r.outcome, InvokeResult::Outcome::kFunctionError);
  EXPECT_EQ(r.error_type, "Sandbox.Timedout");
  EXPECT_EQ(r.payload, R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: req-1 Error: Task timed out after 1.00 seconds"})");
  EXPECT_NE(r.log_tail.find(" req-1 Task timed out after 1.00 seconds\n"), std::string::npos);
  EXPECT_NE(r.log_tail.find("\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\t"), std::string::npos)
      << r.log_tail;
  InvokeResult next = Run(Request(R"({"op":"echo"})"));
  EXPECT_EQ(next.outcome, InvokeResult::Outcome::kSuccess);
  EXPECT_NE(next.payload.find("\"count\": 1"), std::string::npos) << "a fresh runtime";
}

TEST_F(LocalInvokerTest, CrashIsRuntimeExitErrorAndTheEnvironmentIsReplaced) {
  InvokeResult r = Run(Request(R"({"op":"crash"})"));
  EXPECT_EQ(r.outcome, InvokeResult::Outcome::kFunctionError);
  EXPECT_EQ(r.payload, R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: req-1 Error: Runtime exited with error: exit status 3"})");
  EXPECT_EQ(Run(Request(R"({"op":"echo"})")).outcome, InvokeResult::Outcome::kSuccess);
}

TEST_F(LocalInvokerTest, InitErrorIsReturnedAsTheFunctionError) {
  spec_->environment = {{"FAIL_INIT", "1"}};
  InvokeResult r = Run(Request("{}"));
  EXPECT_EQ(r.outcome, InvokeResult::Outcome::kFunctionError);
  EXPECT_EQ(r.error_type, "Runtime.ImportModuleError");
  EXPECT_NE(r.payload.find("no module"), std::string::npos);
  EXPECT_NE(Log().find("Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError"), std::string::npos);
}

TEST_F(LocalInvokerTest, MemoryLimitIsEnforced) {
  InvokeResult r = Run(Request(R"({"op":"mem","mb":300})"));
  EXPECT_EQ(r.outcome, InvokeResult::Outcome::kFunctionError);
  EXPECT_EQ(r.error_type, "Runtime.OutOfMemory") << r.payload;
}

TEST_F(LocalInvokerTest, ReservedConcurrencyThrottles) {
  spec_->timeout_s = 5;
  auto slow = Start(Request(R"({"op":"sleep","s":1})", 1));
  std::this_thread::sleep_for(100ms);
  InvokeResult throttled = Run(Request(R"({"op":"echo"})", 1));
  EXPECT_EQ(throttled.outcome, InvokeResult::Outcome::kThrottled);
  EXPECT_EQ(throttled.throttle_reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
  EXPECT_EQ(slow.get().outcome, InvokeResult::Outcome::kSuccess);
  InvokeResult zero = Run(Request(R"({"op":"echo"})", 0));
  EXPECT_EQ(zero.outcome, InvokeResult::Outcome::kThrottled);
}

TEST_F(LocalInvokerTest, ConcurrentInvokesGetTheirOwnEnvironments) {
  spec_->timeout_s = 5;
  auto a = Start(Request(R"({"op":"sleep","s":0.5})"));
  auto b = Start(Request(R"({"op":"sleep","s":0.5})"));
  EXPECT_EQ(a.get().outcome, InvokeResult::Outcome::kSuccess);
  EXPECT_EQ(b.get().outcome, InvokeResult::Outcome::kSuccess);
  EXPECT_EQ(invoker_->GetStats().environments, 2);
}

TEST_F(LocalInvokerTest, ProvisionedEnvironmentsAreReadyAhead) {
  auto v1 = std::make_shared<FunctionSpec>(*spec_);
  v1->version = "1";
  invoker_->SetProvisioned("us-east-1/000000000000/fn:1", v1, 2);
  for (int i = 0; i < 400 && invoker_->GetProvisioned("us-east-1/000000000000/fn:1").available < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ProvisionedStatus st = invoker_->GetProvisioned("us-east-1/000000000000/fn:1");
  EXPECT_EQ(st.requested, 2);
  EXPECT_EQ(st.available, 2);
  spec_ = v1;
  InvokeResult r = Run(Request(R"({"op":"echo"})"));
  EXPECT_NE(r.payload.find("provisioned-concurrency"), std::string::npos) << r.payload;
  EXPECT_EQ(r.log_tail.find("Init Duration"), std::string::npos);
  EXPECT_EQ(invoker_->GetStats().cold_starts, 2);
  invoker_->SetProvisioned("us-east-1/000000000000/fn:1", v1, 0);
  EXPECT_EQ(invoker_->GetProvisioned("us-east-1/000000000000/fn:1").requested, 0);
}

TEST_F(LocalInvokerTest, EnvironmentFollowsItsCallersIoThreadWithoutARestart) {
  auto on = [this](int io_thread) {
    InvokeRequest req = Request(R"({"op":"echo"})");
    req.io_thread = io_thread;
    return Run(std::move(req));
  };
  EXPECT_EQ(on(0).outcome, InvokeResult::Outcome::kSuccess);  // created on io thread 0
  for (int i = 0; i < 6; ++i) {  // the third call from thread 1 moves it; the runtime reconnects
    InvokeResult r = on(1);
    ASSERT_EQ(r.outcome, InvokeResult::Outcome::kSuccess) << r.payload;
    EXPECT_NE(r.payload.find("\"count\": " + std::to_string(i + 2)), std::string::npos) << r.payload;
  }
  EXPECT_EQ(invoker_->GetStats().cold_starts, 1);
  EXPECT_EQ(invoker_->GetStats().environments, 1);
}

TEST_F(LocalInvokerTest, RetiredEnvironmentsAreNotReused) {
  EXPECT_NE(Run(Request(R"({"op":"echo"})")).payload.find("\"count\": 1"), std::string::npos);
  invoker_->RetireEnvironments(spec_->FunctionKey());
  EXPECT_NE(Run(Request(R"({"op":"echo"})")).payload.find("\"count\": 1"), std::string::npos);
  EXPECT_EQ(invoker_->GetStats().cold_starts, 2);
}

TEST_F(LocalInvokerTest, MissingBootstrapIsInvalidEntrypoint) {
  fs::remove(dir_ / "code" / "bootstrap");
  InvokeResult r = Run(Request("{}"));
  EXPECT_EQ(r.outcome, InvokeResult::Outcome::kFunctionError);
}

}  // namespace
}  // namespace eddy::lambda
