#include "scheduler/http_handler.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "scheduler/test_support.h"

namespace eddy::scheduler {
namespace {

using testing::MetaStore;
using testing::RecordingDispatcher;
using testing::Utc;

TEST(SchedulerRouteTest, MatchesTheModelsRoutes) {
  auto r = MatchRoute("POST", "/schedules/my-schedule");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->op, Op::kCreateSchedule);
  EXPECT_EQ(r->name, "my-schedule");
  EXPECT_EQ(MatchRoute("GET", "/schedules/s")->op, Op::kGetSchedule);
  EXPECT_EQ(MatchRoute("PUT", "/schedules/s")->op, Op::kUpdateSchedule);
  EXPECT_EQ(MatchRoute("DELETE", "/schedules/s/")->op, Op::kDeleteSchedule);
  EXPECT_EQ(MatchRoute("GET", "/schedules")->op, Op::kListSchedules);
  EXPECT_EQ(MatchRoute("GET", "/schedule-groups")->op, Op::kListScheduleGroups);
  EXPECT_EQ(MatchRoute("POST", "/schedule-groups/g")->op, Op::kCreateScheduleGroup);
  EXPECT_EQ(MatchRoute("GET", "/schedule-groups/g")->op, Op::kGetScheduleGroup);
  EXPECT_EQ(MatchRoute("DELETE", "/schedule-groups/g")->op, Op::kDeleteScheduleGroup);
  auto tags = MatchRoute("GET", "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A000000000000%3Aschedule-group%2Fg");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->op, Op::kListTagsForResource);
  EXPECT_EQ(tags->name, "arn:aws:scheduler:us-east-1:000000000000:schedule-group/g");
  EXPECT_EQ(MatchRoute("POST", "/tags/arn:aws:scheduler:us-east-1:000000000000:schedule-group/g")->name,
            "arn:aws:scheduler:us-east-1:000000000000:schedule-group/g");
  EXPECT_EQ(MatchRoute("DELETE", "/tags/x")->op, Op::kUntagResource);
  EXPECT_FALSE(MatchRoute("POST", "/schedules"));
  EXPECT_FALSE(MatchRoute("PUT", "/schedule-groups/g"));
  EXPECT_FALSE(MatchRoute("GET", "/schedules/a/b"));
  EXPECT_FALSE(MatchRoute("GET", "/other"));
}

net::Request MakeRequest(std::string method, std::string target, std::string body = {},
                         std::string service = "scheduler") {
  net::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers.push_back({"authorization", "AWS4-HMAC-SHA256 Credential=test/20260301/eu-central-1/" + service +
                                            "/aws4_request, SignedHeaders=host, Signature=abc"});
  return r;
}

TEST(SchedulerRouteTest, MatchesOnlySchedulerRequests) {
  EXPECT_TRUE(HttpHandler::Matches(MakeRequest("GET", "/schedules?NamePrefix=a")));
  EXPECT_TRUE(HttpHandler::Matches(MakeRequest("GET", "/schedule-groups")));
  EXPECT_TRUE(HttpHandler::Matches(MakeRequest("GET", "/tags/arn%3Aaws%3Ascheduler%3Ax")));
  EXPECT_FALSE(HttpHandler::Matches(MakeRequest("GET", "/tags/arn%3Aaws%3Asns%3Ax", "", "sns")));
  EXPECT_FALSE(HttpHandler::Matches(MakeRequest("GET", "/schedulesx")));
  EXPECT_FALSE(HttpHandler::Matches(MakeRequest("POST", "/000000000000/queue")));
}

class SchedulerHttpTest : public ::testing::Test {
 protected:
  net::Response Call(std::string method, std::string target, std::string body = {}) {
    net::Response out;
    bool answered = false;
    handler.Handle(MakeRequest(std::move(method), std::move(target), std::move(body)),
                   [&](net::Response r) {
                     out = std::move(r);
                     answered = true;
                   });
    EXPECT_TRUE(answered);
    return out;
  }

  static std::string Header(const net::Response& r, const std::string& name) {
    for (const auto& h : r.headers) {
      if (h.name == name) return h.value;
    }
    return {};
  }

  static boost::json::object Json(const net::Response& r) { return boost::json::parse(r.body).as_object(); }

  FakeClock clock{Utc("2026-03-01T12:00:00Z")};
  MetaStore store;
  RecordingDispatcher dispatcher;
  Schedules schedules{clock, store, dispatcher, {}, SchedulesOptions{1}};
  HttpHandler handler{schedules, store};
};

const char* kCreateBody = R"j({"ScheduleExpression":"rate(5 minutes)","FlexibleTimeWindow":{"Mode":"OFF"},
  "Target":{"Arn":"arn:aws:lambda:eu-central-1:000000000000:function:fn",
            "RoleArn":"arn:aws:iam::000000000000:role/r","Input":"{\"a\":1}"}})j";

TEST_F(SchedulerHttpTest, CreateGetListDelete) {
  net::Response created = Call("POST", "/schedules/s1", kCreateBody);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(Json(created)["ScheduleArn"], "arn:aws:scheduler:eu-central-1:000000000000:schedule/default/s1");
  EXPECT_EQ(Header(created, "x-amzn-RequestId").size(), 36u);
  EXPECT_FALSE(store.durable_waits.empty()) << "answered after the change was durable";

  net::Response got = Call("GET", "/schedules/s1");
  ASSERT_EQ(got.status, 200) << got.body;
  boost::json::object g = Json(got);
  EXPECT_EQ(g["Name"], "s1");
  EXPECT_EQ(g["GroupName"], "default");
  EXPECT_EQ(g["State"], "ENABLED");
  EXPECT_EQ(g["Target"].at("Input"), "{\"a\":1}");
  EXPECT_EQ(g["CreationDate"].as_double(), Utc("2026-03-01T12:00:00Z") / 1000.0);

  net::Response list = Call("GET", "/schedules?NamePrefix=s&MaxResults=10");
  ASSERT_EQ(list.status, 200) << list.body;
  boost::json::object l = Json(list);
  ASSERT_EQ(l["Schedules"].as_array().size(), 1u);
  EXPECT_FALSE(l.contains("NextToken"));

  EXPECT_EQ(Call("DELETE", "/schedules/s1?groupName=default").status, 200);
  net::Response missing = Call("GET", "/schedules/s1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Header(missing, "x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(missing.body, R"({"Message":"Schedule s1 does not exist."})");
}

TEST_F(SchedulerHttpTest, ErrorsCarryTheirStatusAndType) {
  ASSERT_EQ(Call("POST", "/schedules/s1", kCreateBody).status, 200);
  net::Response conflict = Call("POST", "/schedules/s1", kCreateBody);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Header(conflict, "x-amzn-ErrorType"), "ConflictException");
  EXPECT_EQ(Json(conflict)["Message"], "Schedule s1 already exists.");

  net::Response bad = Call("POST", "/schedules/s2", R"j({"ScheduleExpression":"rate(10 seconds)",
      "FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"a","RoleArn":"arn:aws:iam::000000000000:role/r"}})j");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Header(bad, "x-amzn-ErrorType"), "ValidationException");
  EXPECT_EQ(Json(bad)["Message"], "Invalid Schedule Expression rate(10 seconds).");

  EXPECT_EQ(Call("POST", "/schedules/s3", "not json").status, 400);
  net::Response max = Call("GET", "/schedules?MaxResults=101");
  EXPECT_EQ(max.status, 400);
  EXPECT_EQ(Json(max)["Message"], "1 validation error detected: Value '101' at 'maxResults' failed to satisfy "
                                  "constraint: Member must have value less than or equal to 100");
  net::Response state = Call("GET", "/schedules?State=ON");
  EXPECT_EQ(state.status, 400);
  net::Response unknown = Call("PATCH", "/schedules/s1");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Header(unknown, "x-amzn-ErrorType"), "UnknownOperationException");
}

TEST_F(SchedulerHttpTest, GroupsAndTags) {
  net::Response created = Call("POST", "/schedule-groups/team", R"({"Tags":[{"Key":"k","Value":"v"}]})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string arn = "arn:aws:scheduler:eu-central-1:000000000000:schedule-group/team";
  EXPECT_EQ(Json(created)["ScheduleGroupArn"], boost::json::value(arn));

  boost::json::object g = Json(Call("GET", "/schedule-groups/team"));
  EXPECT_EQ(g["State"], "ACTIVE");
  EXPECT_TRUE(g.contains("CreationDate"));
  boost::json::object def = Json(Call("GET", "/schedule-groups/default"));
  EXPECT_EQ(def["Arn"], "arn:aws:scheduler:eu-central-1:000000000000:schedule-group/default");

  const std::string encoded = "/tags/arn%3Aaws%3Ascheduler%3Aeu-central-1%3A000000000000%3Aschedule-group%2Fteam";
  EXPECT_EQ(Call("POST", encoded, R"({"Tags":[{"Key":"k2","Value":"v2"}]})").status, 200);
  boost::json::object tags = Json(Call("GET", encoded));
  EXPECT_EQ(tags["Tags"].as_array().size(), 2u);
  EXPECT_EQ(Call("DELETE", encoded + "?TagKeys=k&TagKeys=k2").status, 200);
  EXPECT_TRUE(Json(Call("GET", encoded))["Tags"].as_array().empty());

  net::Response schedule_arn =
      Call("GET", "/tags/arn%3Aaws%3Ascheduler%3Aeu-central-1%3A000000000000%3Aschedule%2Fdefault%2Fs");
  EXPECT_EQ(schedule_arn.status, 400) << "only schedule groups can be tagged";
  EXPECT_EQ(Call("DELETE", encoded).status, 400) << "TagKeys is required";

  boost::json::object groups = Json(Call("GET", "/schedule-groups"));
  EXPECT_EQ(groups["ScheduleGroups"].as_array().size(), 2u);
  EXPECT_EQ(Call("DELETE", "/schedule-groups/team").status, 200);
  EXPECT_EQ(Call("GET", "/schedule-groups/team").status, 404);
  EXPECT_EQ(Call("DELETE", "/schedule-groups/default").status, 400);
}

}  // namespace
}  // namespace eddy::scheduler
