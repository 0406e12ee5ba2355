#include "lambda/esm/mappings.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "lambda/http_handler.h"
#include "lambda/registry.h"
#include "lambda/test_support.h"

namespace eddy::lambda {
namespace {

constexpr char kQueue[] = "arn:aws:sqs:us-east-1:000000000000:orders";
constexpr char kFifo[] = "arn:aws:sqs:us-east-1:000000000000:orders.fifo";

FunctionId Fn(const std::string& name) { return FunctionId{"us-east-1", "000000000000", name}; }

class MappingsTest : public ::testing::Test {
 protected:
  MappingsTest() { mappings_ = Make(); }

  std::unique_ptr<Mappings> Make() {
    auto m = std::make_unique<Mappings>(
        clock_, store_,
        [this](const FunctionId& id, const std::string& qualifier) -> std::optional<int64_t> {
          auto it = timeouts_.find(id.name + (qualifier.empty() ? "" : ":" + qualifier));
          if (it == timeouts_.end()) return std::nullopt;
          return it->second;
        },
        [this](const std::string& arn) -> std::optional<QueueInfo> {
          auto it = queues_.find(arn);
          if (it == queues_.end()) return std::nullopt;
          return it->second;
        });
    m->SetObserver([this](const MappingPtr& s) { seen_.push_back(s); });
    return m;
  }

  MappingSpec Spec(const std::string& fn = "worker", const std::string& queue = kQueue) {
    MappingSpec s;
    s.function = Fn(fn);
    s.event_source_arn = queue;
    return s;
  }

  FakeClock clock_{1'772'366'096'123};
  testing::MetaStore store_;
  std::map<std::string, int64_t> timeouts_{{"worker", 3}, {"worker:live", 3}, {"other", 3}};
  std::map<std::string, QueueInfo> queues_{{kQueue, QueueInfo{false, 30}}, {kFifo, QueueInfo{true, 30}}};
  std::vector<MappingPtr> seen_;
  std::unique_ptr<Mappings> mappings_;
};

TEST_F(MappingsTest, CreateAppliesDefaultsPersistsAndNotifies) {
  auto c = mappings_->Create(Spec());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->state, "Creating");
  EXPECT_EQ(c->record.batch_size, 10);
  EXPECT_EQ(c->record.maximum_batching_window_s, 0);
  EXPECT_EQ(c->record.last_modified_ms, 1'772'366'096'123);
  EXPECT_EQ(c->record.last_processing_result, "No records processed");
  EXPECT_EQ(c->record.FunctionArn(), "arn:aws:lambda:us-east-1:000000000000:function:worker");
  EXPECT_EQ(c->record.MappingArn(),
            "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + c->record.uuid);
  EXPECT_GT(c->ticket, 0u);
  EXPECT_TRUE(store_.meta.contains("lambda/esm/" + c->record.uuid));
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0]->uuid, c->record.uuid);
  EXPECT_TRUE(seen_[0]->enabled);
  EXPECT_FALSE(seen_[0]->deleted);
  auto got = mappings_->Get(c->record.uuid);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->SettledState(), "Enabled");
}

TEST_F(MappingsTest, ValidationMessages) {
  auto missing_queue = mappings_->Create(Spec("worker", "arn:aws:sqs:us-east-1:000000000000:nope"));
  ASSERT_FALSE(missing_queue);
  EXPECT_EQ(missing_queue.error().code, Errc::kInvalidParameterValue);
  EXPECT_EQ(missing_queue.error().message,
            "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
            "SQS Error Message: The specified queue does not exist.");

  auto missing_fn = mappings_->Create(Spec("ghost"));
  ASSERT_FALSE(missing_fn);
  EXPECT_EQ(missing_fn.error().message, "Function does not exist");

  MappingSpec big = Spec();
  big.batch_size = 11;
  auto no_window = mappings_->Create(big);
  ASSERT_FALSE(no_window);
  EXPECT_EQ(no_window.error().message,
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
  big.maximum_batching_window_s = 1;
  EXPECT_TRUE(mappings_->Create(big));

  MappingSpec fifo = Spec("worker", kFifo);
  fifo.batch_size = 11;
  fifo.maximum_batching_window_s = 1;
  auto fifo_big = mappings_->Create(fifo);
  ASSERT_FALSE(fifo_big);
  EXPECT_EQ(fifo_big.error().code, Errc::kInvalidParameterValue);

  timeouts_["other"] = 120;
  auto slow = mappings_->Create(Spec("other"));
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().message, "Queue visibility timeout: 30 seconds is less than Function timeout: 120 seconds");
}

TEST_F(MappingsTest, DuplicateIsAConflictButQualifiersDiffer) {
  auto first = mappings_->Create(Spec());
  ASSERT_TRUE(first);
  auto dup = mappings_->Create(Spec());
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kResourceConflict);
  EXPECT_EQ(dup.error().message,
            std::string("An event source mapping with SQS arn (\" ") + kQueue +
                " \") and function (\" worker \") already exists. Please update or delete the existing "
                "mapping with UUID " + first->record.uuid);
  MappingSpec aliased = Spec();
  aliased.qualifier = "live";
  EXPECT_TRUE(mappings_->Create(aliased));
  EXPECT_TRUE(mappings_->Create(Spec("other")));
}

TEST_F(MappingsTest, UpdateStatesAndNotFound) {
  auto c = mappings_->Create(Spec());
  ASSERT_TRUE(c);
  clock_.Advance(5000);
  MappingPatch disable;
  disable.enabled = false;
  auto d = mappings_->Update(c->record.uuid, disable);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "Disabling");
  EXPECT_EQ(d->record.last_modified_ms, 1'772'366'101'123);
  EXPECT_EQ(mappings_->Get(c->record.uuid)->SettledState(), "Disabled");
  EXPECT_FALSE(seen_.back()->enabled);

  MappingPatch batch;
  batch.batch_size = 5;
  auto u = mappings_->Update(c->record.uuid, batch);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->state, "Updating");
  EXPECT_EQ(u->record.batch_size, 5);

  MappingPatch enable;
  enable.enabled = true;
  EXPECT_EQ(mappings_->Update(c->record.uuid, enable)->state, "Enabling");

  MappingPatch too_big;
  too_big.batch_size = 100;
  auto bad = mappings_->Update(c->record.uuid, too_big);
  ASSERT_FALSE(bad);
  EXPECT_EQ(mappings_->Get(c->record.uuid)->batch_size, 5);  // unchanged after a refusal

  auto unknown = mappings_->Update("6d9d2f1e-0000-0000-0000-000000000000", batch);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kResourceNotFound);
  EXPECT_FALSE(mappings_->Delete("6d9d2f1e-0000-0000-0000-000000000000"));
}

TEST_F(MappingsTest, DeleteNotifiesAndForgets) {
  auto c = mappings_->Create(Spec());
  ASSERT_TRUE(c);
  auto d = mappings_->Delete(c->record.uuid);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "Deleting");
  EXPECT_TRUE(seen_.back()->deleted);
  EXPECT_FALSE(mappings_->Get(c->record.uuid));
  EXPECT_FALSE(store_.meta.contains("lambda/esm/" + c->record.uuid));
  EXPECT_TRUE(mappings_->Create(Spec()));  // no longer a duplicate
}

TEST_F(MappingsTest, RecoverRoundTripsEverything) {
  MappingSpec s = Spec();
  s.qualifier = "live";
  s.batch_size = 50;
  s.maximum_batching_window_s = 7;
  s.report_batch_item_failures = true;
  s.maximum_concurrency = 20;
  s.filter_patterns = std::vector<std::string>{R"({"body":{"a":["x"]}})"};
  s.enabled = false;
  s.tags = {{"team", "blue"}};
  auto c = mappings_->Create(s);
  ASSERT_TRUE(c) << c.error().message;
  mappings_->RecordProcessingResult(c->record.uuid, "OK");
  EXPECT_EQ(mappings_->Get(c->record.uuid)->last_processing_result, "OK");

  seen_.clear();
  auto restarted = Make();
  ASSERT_TRUE(restarted->Recover().ok());
  ASSERT_EQ(seen_.size(), 1u);
  const MappingSnapshot& snap = *seen_[0];
  EXPECT_EQ(snap.uuid, c->record.uuid);
  EXPECT_EQ(snap.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:worker:live");
  EXPECT_EQ(snap.qualifier, "live");
  EXPECT_EQ(snap.batch_size, 50);
  EXPECT_EQ(snap.maximum_batching_window_s, 7);
  EXPECT_TRUE(snap.report_batch_item_failures);
  EXPECT_EQ(snap.maximum_concurrency, 20);
  ASSERT_EQ(snap.filter_patterns.size(), 1u);
  EXPECT_EQ(snap.filter_patterns[0], R"({"body":{"a":["x"]}})");
  EXPECT_FALSE(snap.enabled);
  auto r = restarted->Get(c->record.uuid);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->tags.at("team"), "blue");
  EXPECT_EQ(r->last_modified_ms, c->record.last_modified_ms);
  EXPECT_TRUE(r->has_filter_criteria);
  EXPECT_EQ(r->last_processing_result, "No records processed");  // in memory only
}

TEST_F(MappingsTest, ListFiltersAndTags) {
  auto a = mappings_->Create(Spec("worker"));
  auto b = mappings_->Create(Spec("other"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(mappings_->List("us-east-1", "000000000000", "", std::nullopt, std::nullopt).size(), 2u);
  EXPECT_EQ(mappings_->List("us-west-2", "000000000000", "", std::nullopt, std::nullopt).size(), 0u);
  auto only = mappings_->List("us-east-1", "000000000000", kQueue, Fn("other"), std::nullopt);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].uuid, b->record.uuid);
  EXPECT_TRUE(mappings_->Tag(a->record.uuid, {{"k", "v"}, {"x", "y"}}));
  EXPECT_TRUE(mappings_->Untag(a->record.uuid, {"x"}));
  EXPECT_EQ(mappings_->Get(a->record.uuid)->tags, (std::map<std::string, std::string>{{"k", "v"}}));
  EXPECT_EQ(Mappings::UuidOfArn(a->record.MappingArn()), a->record.uuid);
  EXPECT_EQ(Mappings::UuidOfArn("arn:aws:lambda:us-east-1:000000000000:function:worker"), "");
}

TEST_F(MappingsTest, ObserverMayCallBackIntoMappings) {
  std::vector<std::string> states;
  mappings_->SetObserver([&](const MappingPtr& s) {
    auto r = mappings_->Get(s->uuid);  // must not deadlock
    states.push_back(r ? r->SettledState() : "gone");
    if (r) mappings_->RecordProcessingResult(s->uuid, "OK");
  });
  auto c = mappings_->Create(Spec());
  ASSERT_TRUE(c);
  MappingPatch off;
  off.enabled = false;
  ASSERT_TRUE(mappings_->Update(c->record.uuid, off));
  ASSERT_TRUE(mappings_->Delete(c->record.uuid));
  EXPECT_EQ(states, (std::vector<std::string>{"Enabled", "Disabled", "gone"}));
}

TEST(FilterPattern, EventBridgeShapes) {
  EXPECT_TRUE(IsValidFilterPattern(R"({"body":{"RequestCode":["BBBB"]}})"));
  EXPECT_TRUE(IsValidFilterPattern(R"({"body":{"n":[{"numeric":[">",0,"<=",5]}],"s":[{"prefix":"a"}]}})"));
  EXPECT_TRUE(IsValidFilterPattern(R"({"body":{"$or":[{"a":[1]},{"b":[2]}]}})"));
  EXPECT_FALSE(IsValidFilterPattern("not json"));
  EXPECT_FALSE(IsValidFilterPattern(R"(["a"])"));
  EXPECT_FALSE(IsValidFilterPattern(R"({"body":"x"})"));
  EXPECT_FALSE(IsValidFilterPattern(R"({"body":{"a":5}})"));
  EXPECT_FALSE(IsValidFilterPattern(R"({})"));
  EXPECT_FALSE(IsValidFilterPattern(R"({"body":{"a":[{"bogus":1}]}})"));
}

// ---- Routes and the REST surface, end to end through HttpHandler ----

TEST(MappingRoutes, PathsMethodsAndTrailingSlashes) {
  auto op = [](std::string_view method, std::string_view path) {
    auto r = MatchRoute(method, path, "");
    return r ? std::optional<Op>(r->op) : std::nullopt;
  };
  EXPECT_EQ(op("POST", "/2015-03-31/event-source-mappings"), Op::kCreateEventSourceMapping);
  EXPECT_EQ(op("POST", "/2015-03-31/event-source-mappings/"), Op::kCreateEventSourceMapping);
  EXPECT_EQ(op("GET", "/2015-03-31/event-source-mappings/"), Op::kListEventSourceMappings);
  EXPECT_EQ(op("GET", "/2015-03-31/event-source-mappings/u-1"), Op::kGetEventSourceMapping);
  EXPECT_EQ(op("PUT", "/2015-03-31/event-source-mappings/u-1/"), Op::kUpdateEventSourceMapping);
  EXPECT_EQ(op("DELETE", "/2015-03-31/event-source-mappings/u-1"), Op::kDeleteEventSourceMapping);
  EXPECT_EQ(MatchRoute("GET", "/2015-03-31/event-source-mappings/u-1", "")->sub_name, "u-1");
  EXPECT_EQ(op("PUT", "/2015-03-31/event-source-mappings"), std::nullopt);
  EXPECT_EQ(op("GET", "/2015-03-31/event-source-mappings/a/b"), std::nullopt);
}

namespace json = boost::json;

class MappingApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(code_.Init().ok());
    ASSERT_TRUE(registry_.Recover().ok());
    ASSERT_TRUE(mappings_.Recover().ok());
    handler_.AttachMappings(&mappings_);
    net::Response f = Call("POST", "/2015-03-31/functions",
                           R"({"FunctionName":"worker","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/r",)"
                           R"("Handler":"app.handler","Timeout":60,"Code":{"ZipFile":")" +
                               Base64Encode(testing::SimpleZip()) + R"("}})");
    ASSERT_EQ(f.status, 201) << f.body;
  }

  net::Response Call(std::string method, std::string target, std::string body = {}) {
    net::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers.push_back({"host", "localhost:4566"});
    net::Response out;
    handler_.Handle(std::move(r), [&](net::Response resp) { out = std::move(resp); });
    return out;
  }
  static json::object Json(const net::Response& r) { return json::parse(r.body).as_object(); }
  static std::string ErrorType(const net::Response& r) {
    for (const auto& h : r.headers) {
      if (h.name == "x-amzn-ErrorType") return h.value;
    }
    return {};
  }

  FakeClock clock_{1'772'366'096'123};
  testing::MetaStore store_;
  testing::TempDir dir_;
  CodeStore code_{dir_.path()};
  Registry registry_{clock_, store_, code_};
  std::map<std::string, QueueInfo> queues_{{kQueue, QueueInfo{false, 120}}};
  Mappings mappings_{clock_, store_, RegistryTimeoutLookup(registry_),
                     [this](const std::string& arn) -> std::optional<QueueInfo> {
                       auto it = queues_.find(arn);
                       if (it == queues_.end()) return std::nullopt;
                       return it->second;
                     }};
  testing::FakeInvoker invoker_;
  HttpHandler handler_{registry_, invoker_, code_, store_};
};

TEST_F(MappingApiTest, CreateGetListUpdateDeleteShapes) {
  net::Response c = Call("POST", "/2015-03-31/event-source-mappings/",
                         std::string(R"({"FunctionName":"worker","EventSourceArn":")") + kQueue + R"("})");
  ASSERT_EQ(c.status, 202) << c.body;
  json::object o = Json(c);
  const std::string uuid(o["UUID"].as_string());
  EXPECT_EQ(o["BatchSize"].as_int64(), 10);
  EXPECT_EQ(o["MaximumBatchingWindowInSeconds"].as_int64(), 0);
  EXPECT_EQ(o["State"].as_string(), "Creating");
  EXPECT_EQ(o["StateTransitionReason"].as_string(), "USER_INITIATED");
  EXPECT_EQ(o["FunctionArn"].as_string(), "arn:aws:lambda:us-east-1:000000000000:function:worker");
  EXPECT_TRUE(o["FunctionResponseTypes"].as_array().empty());
  EXPECT_DOUBLE_EQ(o["LastModified"].as_double(), 1772366096.123);
  EXPECT_EQ(o["EventSourceMappingArn"].as_string(),
            "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + uuid);
  EXPECT_FALSE(o.contains("FilterCriteria"));
  EXPECT_FALSE(o.contains("ScalingConfig"));

  json::object got = Json(Call("GET", "/2015-03-31/event-source-mappings/" + uuid));
  EXPECT_EQ(got["State"].as_string(), "Enabled");
  EXPECT_EQ(got["LastProcessingResult"].as_string(), "No records processed");

  net::Response u = Call("PUT", "/2015-03-31/event-source-mappings/" + uuid,
                         R"({"Enabled":false,"BatchSize":100,"MaximumBatchingWindowInSeconds":5,)"
                         R"("FunctionResponseTypes":["ReportBatchItemFailures"],)"
                         R"("ScalingConfig":{"MaximumConcurrency":5},)"
                         R"("FilterCriteria":{"Filters":[{"Pattern":"{\"body\":{\"a\":[\"x\"]}}"}]}})");
  ASSERT_EQ(u.status, 202) << u.body;
  json::object uo = Json(u);
  EXPECT_EQ(uo["State"].as_string(), "Disabling");
  EXPECT_EQ(uo["BatchSize"].as_int64(), 100);
  EXPECT_EQ(uo["FunctionResponseTypes"].as_array().at(0).as_string(), "ReportBatchItemFailures");
  EXPECT_EQ(uo["ScalingConfig"].as_object()["MaximumConcurrency"].as_int64(), 5);
  EXPECT_EQ(uo["FilterCriteria"].as_object()["Filters"].as_array().at(0).as_object()["Pattern"].as_string(),
            R"({"body":{"a":["x"]}})");

  json::object list = Json(Call("GET", "/2015-03-31/event-source-mappings?FunctionName=worker"));
  ASSERT_EQ(list["EventSourceMappings"].as_array().size(), 1u);
  EXPECT_EQ(list["EventSourceMappings"].as_array()[0].as_object()["State"].as_string(), "Disabled");
  json::object none = Json(Call("GET", "/2015-03-31/event-source-mappings?EventSourceArn=arn:aws:sqs:us-east-1:000000000000:x"));
  EXPECT_TRUE(none["EventSourceMappings"].as_array().empty());

  const std::string arn = "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Aevent-source-mapping%3A" + uuid;
  EXPECT_EQ(Call("POST", "/2017-03-31/tags/" + arn, R"({"Tags":{"team":"blue"}})").status, 204);
  EXPECT_EQ(Json(Call("GET", "/2017-03-31/tags/" + arn))["Tags"].as_object()["team"].as_string(), "blue");
  EXPECT_EQ(Call("DELETE", "/2017-03-31/tags/" + arn + "?tagKeys=team").status, 204);
  EXPECT_TRUE(Json(Call("GET", "/2017-03-31/tags/" + arn))["Tags"].as_object().empty());

  // Deleting the function keeps the mapping.
  EXPECT_EQ(Call("DELETE", "/2015-03-31/functions/worker").status, 204);
  EXPECT_EQ(Call("GET", "/2015-03-31/event-source-mappings/" + uuid).status, 200);

  net::Response d = Call("DELETE", "/2015-03-31/event-source-mappings/" + uuid);
  ASSERT_EQ(d.status, 202);
  EXPECT_EQ(Json(d)["State"].as_string(), "Deleting");
  net::Response gone = Call("GET", "/2015-03-31/event-source-mappings/" + uuid);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(ErrorType(gone), "ResourceNotFoundException");
}

TEST_F(MappingApiTest, RequestErrors) {
  auto create = [&](const std::string& extra) {
    return Call("POST", "/2015-03-31/event-source-mappings",
                std::string(R"({"FunctionName":"worker","EventSourceArn":")") + kQueue + "\"" + extra + "}");
  };
  net::Response no_source = Call("POST", "/2015-03-31/event-source-mappings", R"({"FunctionName":"worker"})");
  EXPECT_EQ(no_source.status, 400);
  EXPECT_EQ(Json(no_source)["message"].as_string(), "Unrecognized event source.");

  net::Response no_fn = Call("POST", "/2015-03-31/event-source-mappings",
                             std::string(R"({"FunctionName":"ghost","EventSourceArn":")") + kQueue + R"("})");
  EXPECT_EQ(no_fn.status, 400);
  EXPECT_EQ(ErrorType(no_fn), "InvalidParameterValueException");
  EXPECT_EQ(Json(no_fn)["message"].as_string(), "Function does not exist");

  net::Response zero = create(R"(,"BatchSize":0)");
  EXPECT_EQ(zero.status, 400);
  EXPECT_EQ(ErrorType(zero), "ValidationException");
  EXPECT_EQ(Json(zero)["message"].as_string(),
            "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must "
            "have value greater than or equal to 1");

  net::Response scaling = create(R"(,"ScalingConfig":{"MaximumConcurrency":1})");
  EXPECT_EQ(ErrorType(scaling), "ValidationException");

  net::Response pattern = create(R"(,"FilterCriteria":{"Filters":[{"Pattern":"{\"body\":\"x\"}"}]})");
  EXPECT_EQ(pattern.status, 400);
  EXPECT_EQ(Json(pattern)["message"].as_string(), "Invalid filter pattern definition.");

  queues_[kQueue].visibility_timeout_s = 30;
  net::Response slow = create("");
  EXPECT_EQ(Json(slow)["message"].as_string(),
            "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds");
  queues_[kQueue].visibility_timeout_s = 120;

  ASSERT_EQ(create("").status, 202);
  net::Response dup = create("");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(ErrorType(dup), "ResourceConflictException");

  net::Response missing = Call("PUT", "/2015-03-31/event-source-mappings/6d9d2f1e-0000-0000-0000-000000000000",
                               R"({"BatchSize":5})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json(missing)["Message"].as_string(), "The resource you requested does not exist.");
}

}  // namespace
}  // namespace eddy::lambda
