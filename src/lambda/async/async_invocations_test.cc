// AsyncInvocations over a real SQS engine (in-memory store, FakeClock) and a scripted invoker: retry
// timing, throttles, event age, destinations and the dead-letter queue.

#include "lambda/async/async_invocations.h"

#include <chrono>
#include <deque>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "store/memory_store.h"

namespace eddy::lambda {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class ScriptedInvoker final : public Invoker {
 public:
  void Invoke(InvokeRequest request, std::function<void(InvokeResult)> done) override {
    InvokeResult r;
    {
      std::lock_guard lock(mu_);
      calls_.push_back({request.request_id, request.payload, clock_ ? clock_->NowMs() : 0});
      if (!script_.empty()) {
        r = script_.front();
        script_.pop_front();
      }
    }
    r.executed_version = "$LATEST";
    done(std::move(r));
  }
  void InvokeAsync(InvokeRequest, std::function<void()> accepted) override { accepted(); }
  void SetProvisioned(const std::string&, std::shared_ptr<const FunctionSpec>, int64_t) override {}
  ProvisionedStatus GetProvisioned(const std::string&) override { return {}; }
  void RetireEnvironments(const std::string&) override {}

  void Script(std::vector<InvokeResult> results) {
    std::lock_guard lock(mu_);
    script_.assign(results.begin(), results.end());
  }
  struct Call {
    std::string request_id, payload;
    int64_t at_ms;
  };
  std::vector<Call> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  const Clock* clock_ = nullptr;

 private:
  std::mutex mu_;
  std::deque<InvokeResult> script_;
  std::vector<Call> calls_;
};

InvokeResult Error() {
  InvokeResult r;
  r.outcome = InvokeResult::Outcome::kFunctionError;
  r.error_type = "Exception";
  r.payload = R"({"errorMessage":"intentional failure","errorType":"Exception","requestId":"r1","stackTrace":[]})";
  return r;
}
InvokeResult Throttle() {
  InvokeResult r;
  r.outcome = InvokeResult::Outcome::kThrottled;
  r.throttle_reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
  return r;
}
InvokeResult Ok() {
  InvokeResult r;
  r.payload = R"({"ok":true})";
  return r;
}

class AsyncInvocationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    invoker_.clock_ = &clock_;
    engine_ = std::make_unique<sqs::Engine>(clock_, store_);
    ASSERT_TRUE(engine_->Recover().ok());
    ctx_.url_base = "http://localhost:4566";
    for (const char* name : {"on-failure", "on-success", "dlq"}) {
      ASSERT_TRUE(engine_->CreateQueue(ctx_, name, {}, {}).ok());
    }
    spec_ = std::make_shared<FunctionSpec>();
    spec_->region = "us-east-1";
    spec_->account = "000000000000";
    spec_->name = "fn";
    spec_->version = "$LATEST";
    spec_->unqualified_arn = "arn:aws:lambda:us-east-1:000000000000:function:fn";
    async_ = std::make_unique<AsyncInvocations>(
        *engine_, store_, clock_, invoker_,
        [this](const std::string&, const std::string&, const std::string& name,
               const std::string&) -> std::optional<InvokeTarget> {
          if (name != "fn") return std::nullopt;
          return Target();
        },
        AsyncOptions{1, 60, 300, 960});
    ASSERT_TRUE(async_->Start().ok());
  }

  void TearDown() override {
    async_->Shutdown();
    engine_->Shutdown();
  }

  InvokeTarget Target() {
    std::lock_guard lock(mu_);
    InvokeTarget t;
    t.spec = spec_;
    t.invoked_arn = spec_->unqualified_arn;
    t.qualified_arn = spec_->QualifiedArn();
    t.qualifier = "$LATEST";
    t.event_settings = settings_;
    return t;
  }

  void Enqueue(std::string payload) {
    InvokeRequest req;
    req.target = Target();
    req.request_id = "r1";
    req.payload = std::move(payload);
    bool accepted = false;
    async_->Enqueue(std::move(req), [&] { accepted = true; });
    EXPECT_TRUE(accepted);
  }

  // Advances one second at a time (at most `max_ms`) until the invoker has seen `n` calls. The async
  // worker reads the clock when it requeues, so time only moves while it is idle enough; the gaps
  // between calls are then checked with a tolerance of a few steps.
  size_t AdvanceUntilCalls(size_t n, int64_t max_ms) {
    for (int64_t done = 0; done < max_ms && invoker_.Calls().size() < n; done += 1000) {
      std::this_thread::sleep_for(5ms);
      clock_.Advance(1000);
      engine_->Tick();
      for (int i = 0; i < 5 && invoker_.Calls().size() < n; ++i) std::this_thread::sleep_for(2ms);
    }
    return invoker_.Calls().size();
  }
  int64_t Gap(size_t i) {  // ms between call i-1 and call i
    auto calls = invoker_.Calls();
    return calls[i].at_ms - calls[i - 1].at_ms;
  }

  size_t WaitCalls(size_t n) {
    for (int i = 0; i < 500 && invoker_.Calls().size() < n; ++i) std::this_thread::sleep_for(2ms);
    return invoker_.Calls().size();
  }

  std::vector<sqs::ReceivedMessage> Drain(const std::string& queue) {
    std::vector<sqs::ReceivedMessage> out;
    for (int i = 0; i < 200 && out.empty(); ++i) {
      sqs::ReceiveRequest req;
      req.max_messages = 10;
      req.wait_seconds = 0;
      req.message_attribute_names = {"All"};
      engine_->ReceiveMessage(ctx_, ctx_.url_base + "/000000000000/" + queue, req,
                              [&](sqs::Result<sqs::ReceiveResult> r) {
                                if (r.ok()) out = std::move(r.value().messages);
                              });
      if (out.empty()) std::this_thread::sleep_for(2ms);
    }
    return out;
  }

  FakeClock clock_;
  store::MemoryStore store_;
  std::unique_ptr<sqs::Engine> engine_;
  sqs::RequestContext ctx_;
  ScriptedInvoker invoker_;
  std::mutex mu_;
  std::shared_ptr<FunctionSpec> spec_;
  EventInvokeSettings settings_;
  std::unique_ptr<AsyncInvocations> async_;
};

TEST_F(AsyncInvocationsTest, FunctionErrorsAreRetriedAfterOneThenTwoMinutesThenOnFailure) {
  settings_.on_failure_arn = "arn:aws:sqs:us-east-1:000000000000:on-failure";
  invoker_.Script({Error(), Error(), Error()});
  Enqueue(R"({"order":42})");
  ASSERT_EQ(WaitCalls(1), 1u);
  ASSERT_EQ(AdvanceUntilCalls(2, 200'000), 2u);
  EXPECT_GE(Gap(1), 60'000) << "about a minute";
  EXPECT_LE(Gap(1), 64'000);
  ASSERT_EQ(AdvanceUntilCalls(3, 300'000), 3u);
  EXPECT_GE(Gap(2), 120'000) << "then about two minutes";
  EXPECT_LE(Gap(2), 124'000);
  EXPECT_EQ(AdvanceUntilCalls(4, 400'000), 3u) << "MaximumRetryAttempts 2: three runs";
  for (const auto& c : invoker_.Calls()) EXPECT_EQ(c.request_id, "r1") << "retries reuse the request id";

  auto records = Drain("on-failure");
  ASSERT_EQ(records.size(), 1u);
  json::object rec = json::parse(records[0].payload->body).as_object();
  EXPECT_EQ(rec["version"], "1.0");
  EXPECT_EQ(rec["requestContext"].at("condition"), "RetriesExhausted");
  EXPECT_EQ(rec["requestContext"].at("approximateInvokeCount"), 3);
  EXPECT_EQ(rec["requestContext"].at("functionArn"), "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST");
  EXPECT_EQ(rec["requestPayload"].at("order"), 42);
  EXPECT_EQ(rec["responseContext"].at("functionError"), "Unhandled");
  EXPECT_EQ(rec["responsePayload"].at("errorMessage"), "intentional failure");
}

TEST_F(AsyncInvocationsTest, MaximumRetryAttemptsOneRunsExactlyTwiceAndDeadLetters) {
  settings_.maximum_retry_attempts = 1;
  spec_->dead_letter_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
  invoker_.Script({Error(), Error()});
  Enqueue(R"({"n":1})");
  ASSERT_EQ(WaitCalls(1), 1u);
  ASSERT_EQ(AdvanceUntilCalls(2, 200'000), 2u);
  EXPECT_EQ(AdvanceUntilCalls(3, 300'000), 2u);
  auto dead = Drain("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].payload->body, R"({"n":1})");
  EXPECT_EQ(dead[0].attributes.at("RequestID").string_value, "r1");
  EXPECT_EQ(dead[0].attributes.at("ErrorCode").data_type, "Number");
  EXPECT_EQ(dead[0].attributes.at("ErrorCode").string_value, "200");
  EXPECT_EQ(dead[0].attributes.at("ErrorMessage").string_value, "intentional failure");
}

TEST_F(AsyncInvocationsTest, SuccessGoesToOnSuccess) {
  settings_.on_success_arn = "arn:aws:sqs:us-east-1:000000000000:on-success";
  invoker_.Script({Ok()});
  Enqueue(R"({"a":1})");
  auto records = Drain("on-success");
  ASSERT_EQ(records.size(), 1u);
  json::object rec = json::parse(records[0].payload->body).as_object();
  EXPECT_EQ(rec["requestContext"].at("condition"), "Success");
  EXPECT_EQ(rec["requestContext"].at("approximateInvokeCount"), 1);
  EXPECT_EQ(rec["responsePayload"].at("ok"), true);
  EXPECT_FALSE(rec["responseContext"].as_object().contains("functionError"));
}

TEST_F(AsyncInvocationsTest, ThrottlesBackOffWithoutUsingRetriesUntilTheEventIsTooOld) {
  settings_.maximum_retry_attempts = 0;
  settings_.maximum_event_age_s = 60;
  settings_.on_failure_arn = "arn:aws:sqs:us-east-1:000000000000:on-failure";
  invoker_.Script(std::vector<InvokeResult>(20, Throttle()));
  Enqueue("{}");
  ASSERT_EQ(WaitCalls(1), 1u);
  ASSERT_EQ(AdvanceUntilCalls(3, 20'000), 3u);
  EXPECT_GE(Gap(1), 1'000) << "1 s backoff";
  EXPECT_LE(Gap(1), 4'000);
  EXPECT_GE(Gap(2), 2'000) << "then 2 s";
  EXPECT_LE(Gap(2), 5'000);
  AdvanceUntilCalls(100, 120'000);
  auto records = Drain("on-failure");
  ASSERT_EQ(records.size(), 1u);
  json::object rec = json::parse(records[0].payload->body).as_object();
  EXPECT_EQ(rec["requestContext"].at("condition"), "EventAgeExceeded");
  EXPECT_EQ(rec["requestContext"].at("approximateInvokeCount"), 0);
}

}  // namespace
}  // namespace eddy::lambda
