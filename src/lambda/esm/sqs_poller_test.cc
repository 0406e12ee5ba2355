// SqsPoller over a real SQS engine (in-memory store, FakeClock for queue time) and a scripted invoker.

#include "lambda/esm/sqs_poller.h"

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
  std::function<InvokeResult(const json::object& event)> behaviour = [](const json::object&) {
    return InvokeResult{};
  };
  void Invoke(InvokeRequest request, std::function<void(InvokeResult)> done) override {
    json::object event = json::parse(request.payload).as_object();
    InvokeResult r;
    {
      std::lock_guard lock(mu_);
      events_.push_back(event);
      r = behaviour(event);
    }
    done(std::move(r));
  }
  void InvokeAsync(InvokeRequest, std::function<void()> accepted) override { accepted(); }
  void SetProvisioned(const std::string&, std::shared_ptr<const FunctionSpec>, int64_t) override {}
  ProvisionedStatus GetProvisioned(const std::string&) override { return {}; }
  void RetireEnvironments(const std::string&) override {}

  std::vector<json::object> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t WaitEvents(size_t n) {
    for (int i = 0; i < 1000 && Events().size() < n; ++i) std::this_thread::sleep_for(2ms);
    return Events().size();
  }

 private:
  std::mutex mu_;
  std::vector<json::object> events_;
};

class SqsPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::make_unique<sqs::Engine>(clock_, store_);
    ASSERT_TRUE(engine_->Recover().ok());
    ctx_.url_base = "http://localhost:4566";
    auto spec = std::make_shared<FunctionSpec>();
    spec->name = "fn";
    spec->version = "$LATEST";
    spec_ = spec;
    poller_ = std::make_unique<SqsPoller>(
        *engine_, invoker_,
        [this](const MappingSnapshot&) -> std::optional<InvokeTarget> {
          InvokeTarget t;
          t.spec = spec_;
          return t;
        },
        [this](const std::string&, const std::string& result) {
          std::lock_guard lock(mu_);
          last_result_ = result;
        });
  }
  void TearDown() override {
    poller_->Shutdown();
    engine_->Shutdown();
  }

  std::string Queue(const std::string& name, sqs::StringMap attrs = {}) {
    auto r = engine_->CreateQueue(ctx_, name, attrs, {});
    EXPECT_TRUE(r.ok());
    return r.value().queue_url;
  }
  MappingPtr Mapping(const std::string& queue, bool enabled = true, bool partial = false) {
    auto m = std::make_shared<MappingSnapshot>();
    m->uuid = "u-" + queue;
    m->function_name = "fn";
    m->event_source_arn = "arn:aws:sqs:us-east-1:000000000000:" + queue;
    m->enabled = enabled;
    m->report_batch_item_failures = partial;
    return m;
  }
  void Send(const std::string& url, const std::string& body) {
    sqs::SendRequest req;
    req.body = body;
    ASSERT_TRUE(engine_->SendMessage(ctx_, url, std::move(req)).ok());
  }
  int64_t Count(const std::string& url, const std::string& attribute) {
    auto attrs = engine_->GetQueueAttributes(ctx_, url, {attribute});
    return std::stoll(attrs.value().at(attribute));
  }
  void PassTime(int64_t ms) {
    clock_.Advance(ms);
    engine_->Tick();
  }

  FakeClock clock_;
  store::MemoryStore store_;
  std::unique_ptr<sqs::Engine> engine_;
  sqs::RequestContext ctx_;
  ScriptedInvoker invoker_;
  std::shared_ptr<FunctionSpec> spec_;
  std::unique_ptr<SqsPoller> poller_;
  std::mutex mu_;
  std::string last_result_;
};

TEST_F(SqsPollerTest, ASendWakesThePollerAndSuccessDeletesTheMessage) {
  std::string url = Queue("q");
  poller_->Apply(Mapping("q"));
  std::this_thread::sleep_for(20ms);  // the consumer parks on its long poll
  Send(url, R"({"order":42})");
  ASSERT_EQ(invoker_.WaitEvents(1), 1u);
  json::object event = invoker_.Events()[0];
  const json::object& record = event["Records"].as_array()[0].as_object();
  EXPECT_EQ(record.at("body"), R"({"order":42})");
  EXPECT_EQ(record.at("eventSource"), "aws:sqs");
  EXPECT_EQ(record.at("eventSourceARN"), "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(record.at("awsRegion"), "us-east-1");
  EXPECT_EQ(record.at("attributes").at("ApproximateReceiveCount"), "1");
  EXPECT_TRUE(record.at("md5OfMessageAttributes").is_null());
  EXPECT_EQ(record.at("messageAttributes").as_object().size(), 0u);
  for (int i = 0; i < 200 && Count(url, "ApproximateNumberOfMessagesNotVisible") > 0; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(Count(url, "ApproximateNumberOfMessages"), 0);
  EXPECT_EQ(Count(url, "ApproximateNumberOfMessagesNotVisible"), 0);
}

TEST_F(SqsPollerTest, FailuresComeBackAfterTheVisibilityTimeoutThenTheRedrivePolicyDeadLetters) {
  Queue("dlq");
  std::string url = Queue("q", {{"VisibilityTimeout", "30"},
                                {"RedrivePolicy",
                                 R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"2"})"}});
  invoker_.behaviour = [](const json::object&) {
    InvokeResult r;
    r.outcome = InvokeResult::Outcome::kFunctionError;
    r.payload = R"({"errorType":"Exception","errorMessage":"boom"})";
    return r;
  };
  poller_->Apply(Mapping("q"));
  Send(url, R"({"user_id":"2"})");
  ASSERT_EQ(invoker_.WaitEvents(1), 1u);
  PassTime(29'000);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(invoker_.Events().size(), 1u) << "no retry on Lambda's side";
  PassTime(2'000);
  ASSERT_EQ(invoker_.WaitEvents(2), 2u);
  EXPECT_EQ(invoker_.Events()[1]["Records"].as_array()[0].at("attributes").at("ApproximateReceiveCount"), "2");
  PassTime(31'000);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(invoker_.Events().size(), 2u) << "two error logs, not four";
  std::string dlq = ctx_.url_base + "/000000000000/dlq";
  EXPECT_EQ(Count(dlq, "ApproximateNumberOfMessages"), 1);
}

TEST_F(SqsPollerTest, PartialBatchResponseDeletesAllButTheReportedMessages) {
  std::string url = Queue("q", {{"VisibilityTimeout", "30"}});
  std::vector<sqs::BatchSendEntry> entries;
  for (const char* id : {"a", "b", "c"}) entries.push_back({id, sqs::SendRequest{std::string("m-") + id, {}, {}, {}, {}, {}}});
  ASSERT_TRUE(engine_->SendMessageBatch(ctx_, url, entries).ok());
  invoker_.behaviour = [](const json::object& event) {
    const json::array& records = event.at("Records").as_array();
    std::string failed;
    for (const auto& r : records) {
      if (r.at("body") == "m-b") failed = std::string(r.at("messageId").as_string());
    }
    InvokeResult r;
    r.payload = R"({"batchItemFailures":[{"itemIdentifier":")" + failed + R"("}]})";
    return r;
  };
  poller_->Apply(Mapping("q", true, true));
  ASSERT_GE(invoker_.WaitEvents(1), 1u);
  for (int i = 0; i < 200 && Count(url, "ApproximateNumberOfMessagesNotVisible") > 1; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  size_t invoked = 0;
  for (const auto& e : invoker_.Events()) invoked += e.at("Records").as_array().size();
  EXPECT_EQ(invoked, 3u);
  EXPECT_EQ(Count(url, "ApproximateNumberOfMessagesNotVisible"), 1) << "only m-b stays";
  EXPECT_EQ(Count(url, "ApproximateNumberOfMessages"), 0);
}

TEST_F(SqsPollerTest, MessagesThatMatchNoFilterAreDeletedUndelivered) {
  std::string url = Queue("q");
  auto m = std::make_shared<MappingSnapshot>(*Mapping("q"));
  m->filter_patterns = {R"({"body":{"RequestCode":["BBBB"]}})"};
  poller_->Apply(m);
  Send(url, R"({"RequestCode":"AAAA"})");
  Send(url, R"({"RequestCode":"BBBB"})");
  Send(url, "plain text");
  ASSERT_EQ(invoker_.WaitEvents(1), 1u);
  for (int i = 0; i < 300 && (Count(url, "ApproximateNumberOfMessages") + Count(url, "ApproximateNumberOfMessagesNotVisible")) > 0; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  size_t delivered = 0;
  for (const auto& e : invoker_.Events()) {
    for (const auto& r : e.at("Records").as_array()) {
      EXPECT_EQ(r.at("body"), R"({"RequestCode":"BBBB"})");
      ++delivered;
    }
  }
  EXPECT_EQ(delivered, 1u);
  EXPECT_EQ(Count(url, "ApproximateNumberOfMessages") + Count(url, "ApproximateNumberOfMessagesNotVisible"), 0);
}

TEST_F(SqsPollerTest, ADisabledMappingDeliversNothing) {
  std::string url = Queue("q");
  poller_->Apply(Mapping("q", false));
  Send(url, "x");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(invoker_.Events().size(), 0u);
  poller_->Apply(Mapping("q", true));
  EXPECT_EQ(invoker_.WaitEvents(1), 1u);
}

}  // namespace
}  // namespace eddy::lambda
