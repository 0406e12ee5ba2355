// The CloudWatch Logs wire layer over a real LogStore: response shapes, errors, tokens and paging, the
// filter pattern, JSON 1.1 framing.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/clock.h"
#include "logs/api.h"
#include "logs/http_handler.h"

namespace eddy::logs {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1'700'000'000'000;

class LogsApiTest : public ::testing::Test {
 protected:
  LogsApiTest() : clock_(kNow), store_(clock_), handler_(store_, clock_) {}

  net::Response Raw(std::string_view target, std::string body,
                    std::string region = "us-east-1") {
    net::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers.push_back({"x-amz-target", std::string(target)});
    r.headers.push_back({"content-type", "application/x-amz-json-1.1"});
    r.headers.push_back({"authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/" + region +
                                              "/logs/aws4_request, SignedHeaders=host, Signature=x"});
    r.body = std::move(body);
    return handler_.HandleSync(r);
  }

  // A successful call's response object.
  json::object Ok(std::string_view op, const json::object& input, std::string region = "us-east-1") {
    net::Response r = Raw("Logs_20140328." + std::string(op), json::serialize(input), region);
    EXPECT_EQ(r.status, 200) << op << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
    json::value v = json::parse(r.body);
    return v.is_object() ? v.get_object() : json::object();
  }

  // A failing call: "<__type>: <message>".
  std::string Err(std::string_view op, const json::object& input) {
    net::Response r = Raw("Logs_20140328." + std::string(op), json::serialize(input));
    EXPECT_EQ(r.status, 400) << r.body;
    json::object o = json::parse(r.body).as_object();
    return std::string(o.at("__type").as_string()) + ": " + std::string(o.at("message").as_string());
  }

  void MakeGroup(const std::string& group, const std::string& stream) {
    Ok("CreateLogGroup", {{"logGroupName", group}});
    Ok("CreateLogStream", {{"logGroupName", group}, {"logStreamName", stream}});
  }

  void Put(const std::string& group, const std::string& stream,
           const std::vector<std::pair<int64_t, std::string>>& events) {
    json::array list;
    for (const auto& [ts, msg] : events) list.push_back(json::object{{"timestamp", ts}, {"message", msg}});
    Ok("PutLogEvents", {{"logGroupName", group}, {"logStreamName", stream}, {"logEvents", list}});
  }

  static std::vector<std::string> Messages(const json::object& response) {
    std::vector<std::string> out;
    for (const json::value& e : response.at("events").as_array()) {
      out.emplace_back(e.at("message").as_string());
    }
    return out;
  }

  FakeClock clock_;
  LogStore store_;
  HttpHandler handler_;
};

TEST_F(LogsApiTest, DescribeLogGroupsShape) {
  clock_.Set(kNow + 5);
  MakeGroup("/aws/lambda/fn", "s");
  Put("/aws/lambda/fn", "s", {{kNow, "hello"}});
  json::object out = Ok("DescribeLogGroups", {}, "eu-west-1");
  EXPECT_EQ(json::serialize(out), R"({"logGroups":[]})");
  out = Ok("DescribeLogGroups", {{"logGroupNamePrefix", "/aws/lambda/"}});
  EXPECT_EQ(json::serialize(out),
            R"({"logGroups":[{"logGroupName":"/aws/lambda/fn","creationTime":1700000000005,)"
            R"("metricFilterCount":0,"arn":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn:*",)"
            R"("storedBytes":5,"logGroupClass":"STANDARD",)"
            R"("logGroupArn":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn"}]})");
  Ok("PutRetentionPolicy", {{"logGroupName", "/aws/lambda/fn"}, {"retentionInDays", 7}});
  out = Ok("DescribeLogGroups", {{"logGroupNamePattern", "LAMBDA"}});
  EXPECT_EQ(out.at("logGroups").as_array().at(0).at("retentionInDays").as_int64(), 7);
}

TEST_F(LogsApiTest, DescribeLogGroupsPagination) {
  for (int i = 0; i < 5; ++i) Ok("CreateLogGroup", {{"logGroupName", "g" + std::to_string(i)}});
  std::vector<std::string> names;
  json::object input{{"limit", 2}};
  for (int pages = 1;; ++pages) {
    ASSERT_LE(pages, 3);
    json::object out = Ok("DescribeLogGroups", input);
    for (const json::value& g : out.at("logGroups").as_array()) {
      names.emplace_back(g.at("logGroupName").as_string());
    }
    if (!out.contains("nextToken")) break;
    input["nextToken"] = out.at("nextToken");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"g0", "g1", "g2", "g3", "g4"}));
}

TEST_F(LogsApiTest, DescribeLogStreamsShape) {
  MakeGroup("g", "2024/01/01/[$LATEST]abc");
  Ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "empty"}});
  clock_.Set(kNow + 100);
  Put("g", "2024/01/01/[$LATEST]abc", {{kNow - 10, "a"}, {kNow - 5, "b"}});
  json::object out = Ok("DescribeLogStreams", {{"logGroupIdentifier",
                                                "arn:aws:logs:us-east-1:000000000000:log-group:g"}});
  EXPECT_EQ(json::serialize(out),
            R"({"logStreams":[{"logStreamName":"2024/01/01/[$LATEST]abc","creationTime":1700000000000,)"
            R"("firstEventTimestamp":1699999999990,"lastEventTimestamp":1699999999995,)"
            R"("lastIngestionTime":1700000000100,)"
            R"("uploadSequenceToken":"00000000000000000000000000000000000000000000000000000001",)"
            R"("arn":"arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:2024/01/01/[$LATEST]abc",)"
            R"("storedBytes":0},)"
            R"({"logStreamName":"empty","creationTime":1700000000000,)"
            R"("arn":"arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:empty","storedBytes":0}]})");
  out = Ok("DescribeLogStreams", {{"logGroupName", "g"}, {"orderBy", "LastEventTime"},
                                  {"descending", true}, {"limit", 1}});
  ASSERT_EQ(out.at("logStreams").as_array().size(), 1u);
  EXPECT_EQ(out.at("logStreams").as_array()[0].at("logStreamName").as_string(),
            "2024/01/01/[$LATEST]abc");
  out = Ok("DescribeLogStreams", {{"logGroupName", "g"}, {"orderBy", "LastEventTime"},
                                  {"descending", true}, {"limit", 1}, {"nextToken", out.at("nextToken")}});
  EXPECT_EQ(out.at("logStreams").as_array()[0].at("logStreamName").as_string(), "empty");
  EXPECT_FALSE(out.contains("nextToken"));
}

TEST_F(LogsApiTest, GetLogEventsTokensPageAndRepeat) {
  MakeGroup("g", "s");
  Put("g", "s", {{kNow, "a"}, {kNow + 1, "b"}, {kNow + 2, "c"}});
  json::object p1 = Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"},
                                        {"startFromHead", true}, {"limit", 2}});
  EXPECT_EQ(Messages(p1), (std::vector<std::string>{"a", "b"}));
  const json::value& first = p1.at("events").as_array()[0];
  EXPECT_EQ(first.at("timestamp").as_int64(), kNow);
  EXPECT_EQ(first.at("ingestionTime").as_int64(), kNow);
  EXPECT_EQ(first.as_object().size(), 3u);
  const std::string fwd(p1.at("nextForwardToken").as_string());
  ASSERT_EQ(fwd.size(), 60u);
  EXPECT_EQ(fwd.substr(0, 2), "f/");
  EXPECT_EQ(fwd.substr(58), "/s");
  EXPECT_EQ(std::string(p1.at("nextBackwardToken").as_string()).substr(0, 2), "b/");

  json::object p2 = Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"},
                                        {"nextToken", fwd}, {"limit", 2}});
  EXPECT_EQ(Messages(p2), (std::vector<std::string>{"c"}));
  json::object p3 = Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"},
                                        {"nextToken", p2.at("nextForwardToken")}});
  EXPECT_TRUE(Messages(p3).empty());
  EXPECT_EQ(p3.at("nextForwardToken"), p2.at("nextForwardToken"));

  // Backward from the newest page reaches the head, then repeats its token.
  json::object tail = Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"limit", 2}});
  EXPECT_EQ(Messages(tail), (std::vector<std::string>{"b", "c"}));
  json::object back = Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"},
                                          {"nextToken", tail.at("nextBackwardToken")}, {"limit", 2}});
  EXPECT_EQ(Messages(back), (std::vector<std::string>{"a"}));
  json::object end = Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"},
                                         {"nextToken", back.at("nextBackwardToken")}, {"limit", 2}});
  EXPECT_TRUE(Messages(end).empty());
  EXPECT_EQ(end.at("nextBackwardToken"), back.at("nextBackwardToken"));
}

TEST_F(LogsApiTest, GetLogEventsOnEmptyStream) {
  MakeGroup("g", "s");
  json::object out = Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}});
  EXPECT_EQ(json::serialize(out),
            R"({"events":[],)"
            R"("nextForwardToken":"f/00000000000000000000000000000000000000000000000000000000/s",)"
            R"("nextBackwardToken":"b/00000000000000000000000000000000000000000000000000000000/s"})");
}

TEST_F(LogsApiTest, FilterLogEventsShapeAndPatterns) {
  MakeGroup("g", "a");
  Ok("CreateLogStream", {{"logGroupName", "g"}, {"logStreamName", "b"}});
  Put("g", "a", {{kNow, "START RequestId: 1"}, {kNow + 2, "ERROR boom"}});
  Put("g", "b", {{kNow + 1, "WARN slow"}, {kNow + 3, "all fine"}});
  json::object out = Ok("FilterLogEvents", {{"logGroupName", "g"}, {"interleaved", true}});
  EXPECT_EQ(Messages(out),
            (std::vector<std::string>{"START RequestId: 1", "WARN slow", "ERROR boom", "all fine"}));
  const json::object& e = out.at("events").as_array()[1].as_object();
  EXPECT_EQ(e.at("logStreamName").as_string(), "b");
  EXPECT_EQ(e.at("timestamp").as_int64(), kNow + 1);
  EXPECT_EQ(e.at("ingestionTime").as_int64(), kNow);
  EXPECT_EQ(e.at("eventId").as_string().size(), 56u);
  EXPECT_EQ(out.at("searchedLogStreams").as_array().size(), 0u);
  EXPECT_FALSE(out.contains("nextToken"));

  auto filter = [&](std::string pattern) {
    return Messages(Ok("FilterLogEvents", {{"logGroupName", "g"}, {"filterPattern", pattern}}));
  };
  EXPECT_EQ(filter("ERROR"), (std::vector<std::string>{"ERROR boom"}));
  EXPECT_EQ(filter("?ERROR ?WARN"), (std::vector<std::string>{"WARN slow", "ERROR boom"}));
  EXPECT_EQ(filter("\"RequestId: 1\""), (std::vector<std::string>{"START RequestId: 1"}));
  EXPECT_TRUE(filter("{ $.level = \"x\" }").empty());
  // startTime and endTime are inclusive; stream selection by names or prefix.
  EXPECT_EQ(Messages(Ok("FilterLogEvents", {{"logGroupName", "g"}, {"startTime", kNow + 1},
                                            {"endTime", kNow + 2}})),
            (std::vector<std::string>{"WARN slow", "ERROR boom"}));
  EXPECT_EQ(Messages(Ok("FilterLogEvents", {{"logGroupName", "g"}, {"logStreamNames", {"b"}}})),
            (std::vector<std::string>{"WARN slow", "all fine"}));
  EXPECT_EQ(Messages(Ok("FilterLogEvents", {{"logGroupName", "g"}, {"logStreamNamePrefix", "a"}})),
            (std::vector<std::string>{"START RequestId: 1", "ERROR boom"}));
}

TEST_F(LogsApiTest, FilterLogEventsPaging) {
  MakeGroup("g", "s");
  Put("g", "s", {{kNow, "1"}, {kNow, "2"}, {kNow + 1, "3"}, {kNow + 2, "4"}, {kNow + 2, "5"}});
  std::vector<std::string> seen;
  json::object input{{"logGroupName", "g"}, {"limit", 2}};
  for (int pages = 1;; ++pages) {
    ASSERT_LE(pages, 3);
    json::object out = Ok("FilterLogEvents", input);
    for (const std::string& m : Messages(out)) seen.push_back(m);
    if (!out.contains("nextToken")) break;
    input["nextToken"] = out.at("nextToken");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST_F(LogsApiTest, PutLogEventsRejectsAndReports) {
  MakeGroup("g", "s");
  constexpr int64_t kHour = 3600 * 1000;
  json::object out = Ok("PutLogEvents",
                        {{"logGroupName", "g"},
                         {"logStreamName", "s"},
                         {"sequenceToken", "ignored"},
                         {"logEvents", {json::object{{"timestamp", kNow - 15 * 24 * kHour + 1}, {"message", "old"}},
                                        json::object{{"timestamp", kNow - 15 * 24 * kHour + 2}, {"message", "old"}}}}});
  // Both too old (span under 24 h): nothing stored, both reported.
  EXPECT_EQ(json::serialize(out.at("rejectedLogEventsInfo")), R"({"tooOldLogEventEndIndex":1})");
  out = Ok("PutLogEvents", {{"logGroupName", "g"},
                            {"logStreamName", "s"},
                            {"logEvents", {json::object{{"timestamp", kNow}, {"message", "ok"}},
                                           json::object{{"timestamp", kNow + 3 * kHour}, {"message", "new"}}}}});
  EXPECT_EQ(json::serialize(out.at("rejectedLogEventsInfo")), R"({"tooNewLogEventStartIndex":1})");
  EXPECT_EQ(out.at("nextSequenceToken").as_string(),
            "00000000000000000000000000000000000000000000000000000002");
  EXPECT_EQ(Messages(Ok("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}})),
            (std::vector<std::string>{"ok"}));

  EXPECT_EQ(Err("PutLogEvents", {{"logGroupName", "g"},
                                 {"logStreamName", "s"},
                                 {"logEvents", {json::object{{"timestamp", kNow}, {"message", "b"}},
                                                json::object{{"timestamp", kNow - 1}, {"message", "a"}}}}}),
            "InvalidParameterException: Log events in a single PutLogEvents request must be in "
            "chronological order.");
  EXPECT_EQ(Err("PutLogEvents", {{"logGroupName", "g"},
                                 {"logStreamName", "nope"},
                                 {"logEvents", {json::object{{"timestamp", kNow}, {"message", "b"}}}}}),
            "ResourceNotFoundException: The specified log stream does not exist.");
  EXPECT_EQ(Err("PutLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"logEvents", json::array()}}),
            "InvalidParameterException: 1 validation error detected: Value '[]' at 'logEvents' failed "
            "to satisfy constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(Err("PutLogEvents", {{"logGroupName", "g"},
                                 {"logStreamName", "s"},
                                 {"logEvents", {json::object{{"message", ""}}}}}),
            "InvalidParameterException: 2 validation errors detected: Value null at "
            "'logEvents.1.member.timestamp' failed to satisfy constraint: Member must not be null; "
            "Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have "
            "length greater than or equal to 1");
}

TEST_F(LogsApiTest, ResourceErrors) {
  EXPECT_EQ(Err("DescribeLogStreams", {{"logGroupName", "nope"}}),
            "ResourceNotFoundException: The specified log group does not exist.");
  EXPECT_EQ(Err("GetLogEvents", {{"logGroupName", "nope"}, {"logStreamName", "s"}}),
            "ResourceNotFoundException: The specified log group does not exist.");
  EXPECT_EQ(Err("FilterLogEvents", {{"logGroupName", "nope"}}),
            "ResourceNotFoundException: The specified log group does not exist.");
  EXPECT_EQ(Err("DeleteLogGroup", {{"logGroupName", "nope"}}),
            "ResourceNotFoundException: The specified log group does not exist.");
  MakeGroup("g", "s");
  EXPECT_EQ(Err("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "t"}}),
            "ResourceNotFoundException: The specified log stream does not exist.");
  EXPECT_EQ(Err("CreateLogGroup", {{"logGroupName", "g"}}),
            "ResourceAlreadyExistsException: The specified log group already exists");
  Ok("DeleteLogGroup", {{"logGroupName", "g"}});
  EXPECT_EQ(json::serialize(Ok("DescribeLogGroups", {})), R"({"logGroups":[]})");
}

TEST_F(LogsApiTest, ValidationErrors) {
  EXPECT_EQ(Err("CreateLogGroup", {}),
            "InvalidParameterException: 1 validation error detected: Value null at 'logGroupName' "
            "failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(Err("CreateLogGroup", {{"logGroupName", "a b"}}),
            "InvalidParameterException: 1 validation error detected: Value 'a b' at 'logGroupName' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "[\\.\\-_/#A-Za-z0-9]+");
  EXPECT_EQ(Err("DescribeLogGroups", {{"logGroupNamePrefix", ""}}),
            "InvalidParameterException: 2 validation errors detected: Value '' at "
            "'logGroupNamePrefix' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [\\.\\-_/#A-Za-z0-9]+; Value '' at 'logGroupNamePrefix' failed to "
            "satisfy constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(Err("DescribeLogGroups", {{"limit", 51}}),
            "InvalidParameterException: 1 validation error detected: Value '51' at 'limit' failed to "
            "satisfy constraint: Member must have value less than or equal to 50");
  EXPECT_EQ(Err("DescribeLogGroups", {{"logGroupNamePrefix", "a"}, {"logGroupNamePattern", "b"}}),
            "InvalidParameterException: LogGroup name prefix and LogGroup name pattern are mutually "
            "exclusive parameters.");
  EXPECT_EQ(Err("DescribeLogGroups", {{"nextToken", "garbage"}}),
            "InvalidParameterException: The specified nextToken is invalid.");
  MakeGroup("g", "s");
  EXPECT_EQ(Err("DescribeLogStreams", {{"logGroupName", "g"}, {"orderBy", "LastEventTime"},
                                       {"logStreamNamePrefix", "s"}}),
            "InvalidParameterException: Cannot order by LastEventTime with a logStreamNamePrefix.");
  EXPECT_EQ(Err("DescribeLogStreams", {{"logGroupName", "g"}, {"orderBy", "Size"}}),
            "InvalidParameterException: 1 validation error detected: Value 'Size' at 'orderBy' "
            "failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, "
            "LastEventTime]");
  EXPECT_EQ(Err("DescribeLogStreams", {{"logGroupName", "g"}, {"logGroupIdentifier", "g"}}),
            "ValidationException: LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  EXPECT_EQ(Err("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"},
                                 {"nextToken", "f/123/s"}}),
            "InvalidParameterException: The specified nextToken is invalid.");
  EXPECT_EQ(Err("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"limit", 10001}}),
            "InvalidParameterException: 1 validation error detected: Value '10001' at 'limit' failed "
            "to satisfy constraint: Member must have value less than or equal to 10000");
  EXPECT_EQ(Err("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", "a:b"}}),
            "InvalidParameterException: 1 validation error detected: Value 'a:b' at 'logStreamName' "
            "failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*");
  EXPECT_EQ(Err("FilterLogEvents", {{"logGroupName", "g"}, {"logStreamNames", {"s"}},
                                    {"logStreamNamePrefix", "s"}}),
            "InvalidParameterException: Cannot specify both logStreamNames and logStreamNamePrefix.");
  EXPECT_EQ(Err("FilterLogEvents", {{"logGroupName", "g"}, {"nextToken", "f/1/s"}}),
            "InvalidParameterException: The specified nextToken is invalid.");
}

TEST_F(LogsApiTest, WrongJsonTypesAreSerializationErrors) {
  EXPECT_EQ(Err("DescribeLogGroups", {{"limit", "5"}}),
            "SerializationException: STRING_VALUE can not be converted to a Long");
  EXPECT_EQ(Err("GetLogEvents", {{"logGroupName", "g"}, {"logStreamName", json::object()}}),
            "SerializationException: Start of structure or map found where not expected.");
  EXPECT_EQ(Err("DescribeLogStreams", {{"logGroupName", "g"}, {"descending", "yes"}}),
            "SerializationException: STRING_VALUE can not be converted to a Boolean");
  EXPECT_EQ(Err("PutLogEvents", {{"logGroupName", "g"}, {"logStreamName", "s"}, {"logEvents", {1}}}),
            "SerializationException: NUMBER_VALUE can not be converted to an InputLogEvent");
}

TEST_F(LogsApiTest, Framing) {
  auto body_of = [](const net::Response& r) { return json::parse(r.body).as_object(); };
  net::Response r = Raw("Logs_20140328.DescribeLogGroups", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"logGroups":[]})");
  bool has_request_id = false;
  for (const net::Header& h : r.headers) has_request_id |= h.name == "x-amzn-RequestId";
  EXPECT_TRUE(has_request_id);

  r = Raw("Logs_20140328.DescribeLogGroups", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r).at("__type").as_string(), "SerializationException");
  r = Raw("Logs_20140328.DescribeLogGroups", "[1]");
  EXPECT_EQ(body_of(r).at("__type").as_string(), "SerializationException");
  r = Raw("Logs_20140328.StartQuery", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r).at("__type").as_string(), "UnknownOperationException");
  r = Raw("Logs_20140328.", "{}");
  EXPECT_EQ(body_of(r).at("__type").as_string(), "UnknownOperationException");

  net::Request plain;
  plain.headers.push_back({"x-amz-target", "Logs_20140328.DescribeLogGroups"});
  EXPECT_TRUE(HttpHandler::Accepts(plain));
  plain.headers[0].value = "AmazonSQS.ListQueues";
  EXPECT_FALSE(HttpHandler::Accepts(plain));
}

TEST_F(LogsApiTest, RegionComesFromTheCredentialScope) {
  Ok("CreateLogGroup", {{"logGroupName", "g"}}, "eu-central-1");
  EXPECT_EQ(json::serialize(Ok("DescribeLogGroups", {})), R"({"logGroups":[]})");
  json::object out = Ok("DescribeLogGroups", {}, "eu-central-1");
  EXPECT_EQ(out.at("logGroups").as_array()[0].at("logGroupArn").as_string(),
            "arn:aws:logs:eu-central-1:000000000000:log-group:g");
}

TEST_F(LogsApiTest, HostileInputsNeverCrash) {
  MakeGroup("g", "s");
  Put("g", "s", {{kNow, "x"}});
  const char* ops[] = {"CreateLogGroup",     "DeleteLogStream", "PutLogEvents",
                       "PutRetentionPolicy", "DescribeLogGroups", "DescribeLogStreams",
                       "GetLogEvents",       "FilterLogEvents"};
  const char* members[] = {"logGroupName", "logGroupIdentifier", "logStreamName", "logStreamNames",
                           "logStreamNamePrefix", "logGroupNamePrefix", "logGroupNamePattern",
                           "logGroupIdentifiers", "startTime", "endTime", "limit", "nextToken",
                           "filterPattern", "logEvents", "orderBy", "descending",
                           "retentionInDays", "startFromHead"};
  const json::value values[] = {nullptr, true, -1, 0, 1.5, 1e300, 18446744073709551615ull,
                                "", "*", "f/00000000000000000000000000000000000000000000000000000000/s",
                                json::array{}, json::array{nullptr, 1, "a", json::object{}},
                                json::object{{"timestamp", "x"}}, json::array{json::object{}}};
  for (const char* op : ops) {
    for (const char* member : members) {
      for (const json::value& v : values) {
        json::object base{{"logGroupName", "g"}, {"logStreamName", "s"}};
        base[member] = v;
        net::Response r = Raw("Logs_20140328." + std::string(op), json::serialize(base));
        EXPECT_TRUE(r.status == 200 || r.status == 400) << op << " " << member << " " << r.body;
      }
    }
  }
}

TEST(LogsTokensTest, RoundTrips) {
  using D = EventQuery::Direction;
  const EventKey key{1'700'000'000'123, 42};
  auto cursor = tokens::ParseEventToken(tokens::EventToken(D::kBackward, key));
  ASSERT_TRUE(cursor.has_value());
  EXPECT_EQ(cursor->direction, D::kBackward);
  EXPECT_EQ(cursor->gap, key);
  const EventKey big{std::numeric_limits<int64_t>::max(), std::numeric_limits<uint64_t>::max()};
  EXPECT_EQ(tokens::ParseEventToken(tokens::EventToken(D::kForward, big))->gap, big);
  EXPECT_FALSE(tokens::ParseEventToken("x/00000000000000000000000000000000000000000000000000000000/s"));
  EXPECT_FALSE(tokens::ParseEventToken("f/99999999999999999999999999999999999999999999999999999999/s"));
  EXPECT_FALSE(tokens::ParseEventToken(""));
  EXPECT_EQ(tokens::ParseFilterToken(tokens::FilterToken(key)), key);
  EXPECT_FALSE(tokens::ParseFilterToken(tokens::GroupToken("x")));
  EXPECT_EQ(tokens::ParseGroupToken(tokens::GroupToken("/aws/lambda/x")), "/aws/lambda/x");
  auto stream = tokens::ParseStreamToken(tokens::StreamToken({123, "a:b/c"}));
  ASSERT_TRUE(stream.has_value());
  EXPECT_EQ(stream->last_event_ms, 123);
  EXPECT_EQ(stream->name, "a:b/c");
  EXPECT_FALSE(tokens::ParseStreamToken("!!"));
}

}  // namespace
}  // namespace eddy::logs
