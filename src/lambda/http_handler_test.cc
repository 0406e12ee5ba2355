#include "lambda/http_handler.h"

#include <memory>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "lambda/test_support.h"

namespace eddy::lambda {
namespace {

namespace json = boost::json;
using testing::FakeInvoker;
using testing::MetaStore;
using testing::TempDir;

const std::string kArn = "arn:aws:lambda:us-east-1:000000000000:function:";

// ---- Routing ----

Op RouteOp(std::string_view method, std::string_view path, std::string_view query = {}) {
  auto r = MatchRoute(method, path, query);
  EXPECT_TRUE(r.has_value()) << method << " " << path;
  return r ? r->op : Op::kInvoke;
}

TEST(RouteTest, EveryOperation) {
  EXPECT_EQ(RouteOp("POST", "/2015-03-31/functions"), Op::kCreateFunction);
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions"), Op::kListFunctions);
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions/f"), Op::kGetFunction);
  EXPECT_EQ(RouteOp("DELETE", "/2015-03-31/functions/f"), Op::kDeleteFunction);
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions/f/configuration"), Op::kGetFunctionConfiguration);
  EXPECT_EQ(RouteOp("PUT", "/2015-03-31/functions/f/configuration"), Op::kUpdateFunctionConfiguration);
  EXPECT_EQ(RouteOp("PUT", "/2015-03-31/functions/f/code"), Op::kUpdateFunctionCode);
  EXPECT_EQ(RouteOp("POST", "/2015-03-31/functions/f/invocations"), Op::kInvoke);
  EXPECT_EQ(RouteOp("POST", "/2014-11-13/functions/f/invoke-async"), Op::kInvokeAsync);
  EXPECT_EQ(RouteOp("POST", "/2015-03-31/functions/f/versions"), Op::kPublishVersion);
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions/f/versions"), Op::kListVersionsByFunction);
  EXPECT_EQ(RouteOp("POST", "/2015-03-31/functions/f/aliases"), Op::kCreateAlias);
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions/f/aliases"), Op::kListAliases);
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions/f/aliases/a"), Op::kGetAlias);
  EXPECT_EQ(RouteOp("PUT", "/2015-03-31/functions/f/aliases/a"), Op::kUpdateAlias);
  EXPECT_EQ(RouteOp("DELETE", "/2015-03-31/functions/f/aliases/a"), Op::kDeleteAlias);
  EXPECT_EQ(RouteOp("POST", "/2015-03-31/functions/f/policy"), Op::kAddPermission);
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions/f/policy"), Op::kGetPolicy);
  EXPECT_EQ(RouteOp("DELETE", "/2015-03-31/functions/f/policy/s1"), Op::kRemovePermission);
  EXPECT_EQ(RouteOp("PUT", "/2017-10-31/functions/f/concurrency"), Op::kPutFunctionConcurrency);
  EXPECT_EQ(RouteOp("DELETE", "/2017-10-31/functions/f/concurrency"), Op::kDeleteFunctionConcurrency);
  EXPECT_EQ(RouteOp("GET", "/2019-09-30/functions/f/concurrency"), Op::kGetFunctionConcurrency);
  EXPECT_EQ(RouteOp("PUT", "/2019-09-30/functions/f/provisioned-concurrency", "Qualifier=1"),
            Op::kPutProvisionedConcurrencyConfig);
  EXPECT_EQ(RouteOp("GET", "/2019-09-30/functions/f/provisioned-concurrency", "Qualifier=1"),
            Op::kGetProvisionedConcurrencyConfig);
  EXPECT_EQ(RouteOp("GET", "/2019-09-30/functions/f/provisioned-concurrency", "List=ALL"),
            Op::kListProvisionedConcurrencyConfigs);
  EXPECT_EQ(RouteOp("DELETE", "/2019-09-30/functions/f/provisioned-concurrency", "Qualifier=1"),
            Op::kDeleteProvisionedConcurrencyConfig);
  EXPECT_EQ(RouteOp("PUT", "/2019-09-25/functions/f/event-invoke-config"), Op::kPutFunctionEventInvokeConfig);
  EXPECT_EQ(RouteOp("POST", "/2019-09-25/functions/f/event-invoke-config"),
            Op::kUpdateFunctionEventInvokeConfig);
  EXPECT_EQ(RouteOp("GET", "/2019-09-25/functions/f/event-invoke-config"), Op::kGetFunctionEventInvokeConfig);
  EXPECT_EQ(RouteOp("DELETE", "/2019-09-25/functions/f/event-invoke-config"),
            Op::kDeleteFunctionEventInvokeConfig);
  EXPECT_EQ(RouteOp("GET", "/2019-09-25/functions/f/event-invoke-config/list"),
            Op::kListFunctionEventInvokeConfigs);
  EXPECT_EQ(RouteOp("GET", "/2016-08-19/account-settings"), Op::kGetAccountSettings);
  EXPECT_EQ(RouteOp("GET", "/2017-03-31/tags/x"), Op::kListTags);
  EXPECT_EQ(RouteOp("POST", "/2017-03-31/tags/x"), Op::kTagResource);
  EXPECT_EQ(RouteOp("DELETE", "/2017-03-31/tags/x", "tagKeys=a"), Op::kUntagResource);
}

TEST(RouteTest, TrailingSlashesAndEncodedParameters) {
  EXPECT_EQ(RouteOp("GET", "/2015-03-31/functions/"), Op::kListFunctions);
  EXPECT_EQ(RouteOp("GET", "/2016-08-19/account-settings/"), Op::kGetAccountSettings);
  EXPECT_EQ(RouteOp("POST", "/2014-11-13/functions/f/invoke-async/"), Op::kInvokeAsync);
  auto r = MatchRoute("GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->function_name, kArn + "f");
  auto alias = MatchRoute("GET", "/2015-03-31/functions/f/aliases/live", "");
  EXPECT_EQ(alias->sub_name, "live");
}

TEST(RouteTest, UnknownPathsAndMethods) {
  EXPECT_FALSE(MatchRoute("PATCH", "/2015-03-31/functions", ""));
  EXPECT_FALSE(MatchRoute("GET", "/2015-03-31/functions/f/code", ""));
  EXPECT_FALSE(MatchRoute("GET", "/2015-03-31/functions/f/unknown", ""));
  EXPECT_FALSE(MatchRoute("GET", "/2015-03-31/functions//configuration", ""));
  EXPECT_FALSE(MatchRoute("GET", "/2015-03-31/functions/f%ZZ", ""));
  EXPECT_FALSE(MatchRoute("GET", "/2019-09-30/functions/f/concurrency/x", ""));
}

TEST(RouteTest, MatchesOnlyLambdaPrefixes) {
  auto req = [](std::string target) {
    net::Request r;
    r.method = "GET";
    r.target = std::move(target);
    return r;
  };
  EXPECT_TRUE(HttpHandler::Matches(req("/2015-03-31/functions")));
  EXPECT_TRUE(HttpHandler::Matches(req("/2015-03-31/functions/?MaxItems=1")));
  EXPECT_TRUE(HttpHandler::Matches(req("/2017-03-31/tags/arn")));
  EXPECT_TRUE(HttpHandler::Matches(req("/_eddy/lambda/code/abc.zip")));
  EXPECT_FALSE(HttpHandler::Matches(req("/2015-03-31/functionsX")));
  EXPECT_TRUE(HttpHandler::Matches(req("/2015-03-31/event-source-mappings")));
  EXPECT_FALSE(HttpHandler::Matches(req("/000000000000/queue")));
  EXPECT_FALSE(HttpHandler::Matches(req("/")));
}

// ---- The handler, end to end with a fake invoker ----

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(code_.Init().ok());
    ASSERT_TRUE(registry_.Recover().ok());
  }

  net::Response Call(std::string method, std::string target, std::string body = {},
                     std::vector<net::Header> headers = {}) {
    net::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.headers.push_back({"host", "localhost:4566"});
    r.headers.push_back(
        {"authorization",
         "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, "
         "Signature=x"});
    net::Response out;
    bool answered = false;
    handler_.Handle(std::move(r), [&](net::Response resp) {
      out = std::move(resp);
      answered = true;
    });
    EXPECT_TRUE(answered);
    return out;
  }

  static std::string Header(const net::Response& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (h.name == name) return h.value;
    }
    return {};
  }

  static json::object Json(const net::Response& r) { return json::parse(r.body).as_object(); }

  net::Response CreateFunction(const std::string& name, const std::string& extra = "",
                               const std::string& zip = testing::SimpleZip()) {
    return Call("POST", "/2015-03-31/functions",
                R"({"FunctionName":")" + name +
                    R"(","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/r",)"
                    R"("Handler":"app.handler","Code":{"ZipFile":")" + Base64Encode(zip) + R"("})" + extra +
                    "}");
  }

  FakeClock clock_;
  MetaStore store_;
  TempDir dir_;
  CodeStore code_{dir_.path()};
  Registry registry_{clock_, store_, code_};
  FakeInvoker invoker_;
  HttpHandler handler_{registry_, invoker_, code_, store_};
};

TEST_F(HandlerTest, CreateAnswersAfterTheChangeIsDurable) {
  net::Response r = CreateFunction("fn");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(Header(r, "x-amzn-RequestId").empty());
  EXPECT_EQ(store_.durable_waits.size(), 1u);
  json::object o = Json(r);
  EXPECT_EQ(o["FunctionArn"].as_string(), kArn + "fn");
  EXPECT_EQ(o["State"].as_string(), "Pending");
  EXPECT_FALSE(o.contains("LastUpdateStatus"));
  EXPECT_FALSE(o.contains("Environment"));  // absent optional fields are omitted
  EXPECT_FALSE(o.contains("DeadLetterConfig"));

  json::object got = Json(Call("GET", "/2015-03-31/functions/fn"));
  EXPECT_EQ(got["Configuration"].as_object()["State"].as_string(), "Active");
  EXPECT_EQ(got["Configuration"].as_object()["LastUpdateStatus"].as_string(), "Successful");
  const std::string location(got["Code"].as_object()["Location"].as_string());
  EXPECT_TRUE(location.starts_with("http://localhost:4566/_eddy/lambda/code/")) << location;

  net::Response zip = Call("GET", location.substr(std::string("http://localhost:4566").size()));
  EXPECT_EQ(zip.status, 200);
  EXPECT_EQ(zip.body, testing::SimpleZip());
  EXPECT_EQ(Call("GET", "/_eddy/lambda/code/../../etc/passwd").status, 404);
}

TEST_F(HandlerTest, ErrorsCarryTypeHeaderAndPerShapeCasing) {
  net::Response missing = Call("GET", "/2015-03-31/functions/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Header(missing, "x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(missing.body, R"({"Type":"User","Message":"Function not found: )" + kArn + R"(nope"})");

  CreateFunction("fn");
  net::Response conflict = CreateFunction("fn");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body, R"({"Type":"User","message":"Function already exist: fn"})");

  net::Response validation = Call("PUT", "/2017-10-31/functions/fn/concurrency", R"({})");
  EXPECT_EQ(validation.status, 400);
  EXPECT_EQ(Header(validation, "x-amzn-ErrorType"), "ValidationException");
  EXPECT_EQ(validation.body,
            R"({"message":"1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null"})");

  net::Response bad_json = Call("POST", "/2015-03-31/functions", "{nope");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(Header(bad_json, "x-amzn-ErrorType"), "InvalidRequestContentException");

  net::Response unknown = Call("GET", "/2015-03-31/functions/fn/whatever");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Header(unknown, "x-amzn-ErrorType"), "UnknownOperationException");

  net::Response missing_fields = Call("POST", "/2015-03-31/functions", R"({"FunctionName":"x"})");
  EXPECT_EQ(missing_fields.body,
            R"({"message":"2 validation errors detected: Value null at 'role' failed to satisfy constraint: Member must not be null; Value null at 'code' failed to satisfy constraint: Member must not be null"})");
}

TEST_F(HandlerTest, CreateValidatesRuntimesAndSizes) {
  auto message = [&](const std::string& extra) {
    return std::string(Json(CreateFunction("v-" + NewUuid().substr(0, 8), extra))["message"].as_string());
  };
  EXPECT_EQ(CheckRuntime("python3.12").ok(), true);
  EXPECT_EQ(message(R"(,"Runtime":"nodejs14.x")"),
            "The runtime parameter of nodejs14.x is no longer supported for creating or updating AWS "
            "Lambda functions. We recommend you use a supported runtime while creating or updating "
            "functions.");
  EXPECT_TRUE(message(R"(,"Runtime":"cobol")")
                  .starts_with("Value cobol at 'runtime' failed to satisfy constraint: Member must "
                               "satisfy enum value set: [nodejs, nodejs4.3,"));
  EXPECT_TRUE(message(R"(,"Runtime":"cobol")").ends_with("java17.al2023] or be a valid ARN"));
  EXPECT_EQ(message(R"(,"Timeout":0)"),
            "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member "
            "must have value greater than or equal to 1");
  EXPECT_EQ(message(R"(,"MemorySize":64,"Timeout":1000)"),
            "2 validation errors detected: Value '1000' at 'timeout' failed to satisfy constraint: "
            "Member must have value less than or equal to 900; Value '64' at 'memorySize' failed to "
            "satisfy constraint: Member must have value greater than or equal to 128");
  EXPECT_EQ(message(R"(,"EphemeralStorage":{"Size":100})"),
            "1 validation error detected: Value '100' at 'ephemeralStorage.size' failed to satisfy "
            "constraint: Member must have value greater than or equal to 512");
  EXPECT_EQ(message(R"(,"Environment":{"Variables":{"LAMBDA_TASK_ROOT":"x","TZ2":"y"}})"),
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported for "
            "modification. Reserved keys used in this request: LAMBDA_TASK_ROOT");

  net::Response huge = Call("POST", "/2015-03-31/functions", std::string(70'167'212, ' '));
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(Json(huge)["message"].as_string(),
            "Request must be smaller than 70167211 bytes for the CreateFunction operation");
}

TEST_F(HandlerTest, InvokeSyncRendersTheResult) {
  CreateFunction("fn");
  invoker_.next_result.payload = R"({"ok":true})";
  invoker_.next_result.log_tail = std::string(5000, 'a') + "END";
  const std::string context = Base64Encode(R"({"custom":{"k":"v"}})");
  net::Response r = Call("POST", "/2015-03-31/functions/fn/invocations", R"({"in":1})",
                         {{"x-amz-log-type", "Tail"}, {"x-amz-client-context", context}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(Header(r, "X-Amz-Executed-Version"), "$LATEST");
  EXPECT_EQ(Header(r, "X-Amz-Function-Error"), "");
  auto log = Base64Decode(Header(r, "X-Amz-Log-Result"));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 4096u);
  EXPECT_TRUE(log->ends_with("END"));
  ASSERT_EQ(invoker_.invoked.size(), 1u);
  const InvokeRequest& sent = invoker_.invoked[0];
  EXPECT_EQ(sent.request_id, Header(r, "x-amzn-RequestId"));
  EXPECT_EQ(sent.payload, R"({"in":1})");
  EXPECT_EQ(sent.client_context, R"({"custom":{"k":"v"}})");
  EXPECT_TRUE(sent.tail_log);
  EXPECT_EQ(sent.target.invoked_arn, kArn + "fn");

  invoker_.next_result = {};
  invoker_.next_result.outcome = InvokeResult::Outcome::kFunctionError;
  invoker_.next_result.payload = R"({"errorType":"Exception"})";
  net::Response err = Call("POST", "/2015-03-31/functions/fn/invocations");
  EXPECT_EQ(err.status, 200);
  EXPECT_EQ(Header(err, "X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(Header(err, "X-Amz-Log-Result"), "");

  invoker_.next_result = {};
  invoker_.next_result.outcome = InvokeResult::Outcome::kThrottled;
  invoker_.next_result.throttle_reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
  net::Response throttled = Call("POST", "/2015-03-31/functions/fn/invocations");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(Header(throttled, "x-amzn-ErrorType"), "TooManyRequestsException");
  EXPECT_EQ(throttled.body,
            R"({"Type":"User","message":"Rate Exceeded.","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"})");
}

TEST_F(HandlerTest, InvokeEventDryRunAndInputErrors) {
  CreateFunction("fn");
  net::Response event = Call("POST", "/2015-03-31/functions/fn/invocations?Qualifier=%24LATEST", "{}",
                             {{"x-amz-invocation-type", "Event"}});
  EXPECT_EQ(event.status, 202);
  EXPECT_TRUE(event.body.empty());
  ASSERT_EQ(invoker_.queued.size(), 1u);
  EXPECT_EQ(invoker_.queued[0].request_id, Header(event, "x-amzn-RequestId"));
  EXPECT_EQ(invoker_.queued[0].target.invoked_arn, kArn + "fn:$LATEST");

  net::Response legacy = Call("POST", "/2014-11-13/functions/fn/invoke-async/", "{}");
  EXPECT_EQ(legacy.status, 202);
  EXPECT_EQ(invoker_.queued.size(), 2u);

  net::Response dry = Call("POST", "/2015-03-31/functions/fn/invocations", "",
                           {{"x-amz-invocation-type", "DryRun"}});
  EXPECT_EQ(dry.status, 204);
  EXPECT_TRUE(invoker_.invoked.empty());

  net::Response bad_json = Call("POST", "/2015-03-31/functions/fn/invocations", "{x");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(Header(bad_json, "x-amzn-ErrorType"), "InvalidRequestContentException");
  EXPECT_TRUE(std::string(Json(bad_json)["message"].as_string())
                  .starts_with("Could not parse request body into json: Could not parse payload into json: "));

  net::Response too_big = Call("POST", "/2015-03-31/functions/fn/invocations",
                               "\"" + std::string(6 * 1024 * 1024, 'x') + "\"");
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(Json(too_big)["message"].as_string(),
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation");

  net::Response bad_type = Call("POST", "/2015-03-31/functions/fn/invocations", "",
                                {{"x-amz-invocation-type", "Later"}});
  EXPECT_EQ(Header(bad_type, "x-amzn-ErrorType"), "ValidationException");

  net::Response bad_context = Call("POST", "/2015-03-31/functions/fn/invocations", "",
                                   {{"x-amz-client-context", "%%%"}});
  EXPECT_EQ(Header(bad_context, "x-amzn-ErrorType"), "InvalidParameterValueException");

  net::Response missing = Call("POST", "/2015-03-31/functions/ghost/invocations");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json(missing)["Message"].as_string(), "Function not found: " + kArn + "ghost:$LATEST");
  EXPECT_TRUE(invoker_.invoked.empty());
}

TEST_F(HandlerTest, TellsTheDataPlaneAboutChanges) {
  CreateFunction("fn", R"(,"Publish":true)");
  EXPECT_TRUE(invoker_.retired.empty());
  ASSERT_EQ(Call("PUT", "/2015-03-31/functions/fn/configuration", R"({"Timeout":10})").status, 200);
  EXPECT_EQ(invoker_.retired, std::vector<std::string>{"us-east-1/000000000000/fn"});

  ASSERT_EQ(Call("POST", "/2015-03-31/functions/fn/aliases", R"({"Name":"live","FunctionVersion":"1"})").status,
            201);
  net::Response put = Call("PUT", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=live",
                           R"({"ProvisionedConcurrentExecutions":3})");
  ASSERT_EQ(put.status, 202) << put.body;
  ASSERT_EQ(invoker_.provisioned_calls.size(), 1u);
  EXPECT_EQ(invoker_.provisioned_calls[0].key, "us-east-1/000000000000/fn:live");
  EXPECT_EQ(invoker_.provisioned_calls[0].version, "1");
  EXPECT_EQ(invoker_.provisioned_calls[0].count, 3);

  invoker_.provisioned_status["us-east-1/000000000000/fn:live"] = {3, 3, 3, false};
  json::object ready = Json(Call("GET", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=live"));
  EXPECT_EQ(ready["Status"].as_string(), "READY");
  invoker_.provisioned_status["us-east-1/000000000000/fn:live"] = {3, 1, 0, true};
  json::object failed = Json(Call("GET", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=live"));
  EXPECT_EQ(failed["Status"].as_string(), "FAILED");
  EXPECT_EQ(failed["StatusReason"].as_string(), "FUNCTION_ERROR_INIT_FAILURE");

  // Pointing the alias elsewhere moves its provisioned environments.
  ASSERT_EQ(Call("POST", "/2015-03-31/functions/fn/versions", R"({})").status, 201);  // unchanged: still 1
  ASSERT_EQ(Call("PUT", "/2015-03-31/functions/fn/code",
                 R"({"ZipFile":")" + Base64Encode(testing::SimpleZip("v = 2\n")) + R"(","Publish":true})")
                .status,
            200);
  ASSERT_EQ(Call("PUT", "/2015-03-31/functions/fn/aliases/live", R"({"FunctionVersion":"2"})").status, 200);
  ASSERT_EQ(invoker_.provisioned_calls.size(), 2u);
  EXPECT_EQ(invoker_.provisioned_calls[1].version, "2");

  ASSERT_EQ(Call("DELETE", "/2015-03-31/functions/fn").status, 204);
  ASSERT_EQ(invoker_.provisioned_calls.size(), 3u);
  EXPECT_EQ(invoker_.provisioned_calls[2].count, 0);
  EXPECT_EQ(invoker_.retired.back(), "us-east-1/000000000000/fn");
}

TEST_F(HandlerTest, StartPushesRecoveredProvisionedConfigs) {
  CreateFunction("fn", R"(,"Publish":true)");
  ASSERT_EQ(Call("PUT", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=1",
                 R"({"ProvisionedConcurrentExecutions":2})").status, 202);
  FakeInvoker fresh;
  Registry recovered(clock_, store_, code_);
  ASSERT_TRUE(recovered.Recover().ok());
  HttpHandler handler(recovered, fresh, code_, store_);
  handler.Start();
  ASSERT_EQ(fresh.provisioned_calls.size(), 1u);
  EXPECT_EQ(fresh.provisioned_calls[0].key, "us-east-1/000000000000/fn:1");
  EXPECT_EQ(fresh.provisioned_calls[0].count, 2);
}

TEST_F(HandlerTest, PackagesOfFailedRequestsAreCollected) {
  CreateFunction("fn");
  ASSERT_EQ(code_.List().size(), 1u);
  EXPECT_EQ(CreateFunction("fn", "", testing::SimpleZip("other = 1\n")).status, 409);
  EXPECT_EQ(code_.List().size(), 2u);  // stored before the conflict was known
  ASSERT_EQ(Call("POST", "/2017-03-31/tags/" + kArn + "fn", R"({"Tags":{"a":"b"}})").status, 204);
  EXPECT_EQ(code_.List().size(), 1u);  // collected by the next write
}

TEST_F(HandlerTest, ListsPageWithMarkers) {
  for (int i = 0; i < 5; ++i) CreateFunction("f" + std::to_string(i));
  json::object first = Json(Call("GET", "/2015-03-31/functions?MaxItems=2"));
  ASSERT_EQ(first["Functions"].as_array().size(), 2u);
  std::string marker(first["NextMarker"].as_string());
  std::vector<std::string> names;
  for (const auto& f : first["Functions"].as_array()) names.emplace_back(f.as_object().at("FunctionName").as_string());
  while (!marker.empty()) {
    json::object page = Json(Call("GET", "/2015-03-31/functions?MaxItems=2&Marker=" + marker));
    for (const auto& f : page["Functions"].as_array()) names.emplace_back(f.as_object().at("FunctionName").as_string());
    marker = page.contains("NextMarker") ? std::string(page["NextMarker"].as_string()) : "";
  }
  EXPECT_EQ(names, (std::vector<std::string>{"f0", "f1", "f2", "f3", "f4"}));
  EXPECT_EQ(Call("GET", "/2015-03-31/functions?Marker=garbage").status, 400);
}

}  // namespace
}  // namespace eddy::lambda
