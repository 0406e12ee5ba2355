// Rules and the EventBridge API with a FakeClock, an in-memory store and a recording dispatcher.
#include "eventbridge/rules.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "eventbridge/api.h"
#include "store/test_meta_store.h"

namespace eddy::eventbridge {
namespace {

namespace json = boost::json;

struct RecordingDispatcher : Dispatcher {
  std::vector<Delivery> seen;
  void Deliver(Delivery d) override { seen.push_back(std::move(d)); }
};

// 2026-03-10T20:00:00Z
constexpr int64_t kStart = 1773172800000;

class RulesTest : public ::testing::Test {
 protected:
  Result<Reply> Call(std::string_view op, std::string_view body) {
    return api_.Handle(op, json::parse(body).as_object(), ctx_);
  }
  json::object Ok(std::string_view op, std::string_view body) {
    auto r = Call(op, body);
    EXPECT_TRUE(static_cast<bool>(r)) << op << ": " << (r ? "" : r.error().message);
    return r ? r->body : json::object();
  }
  std::string ErrorOf(std::string_view op, std::string_view body, Errc* code = nullptr) {
    auto r = Call(op, body);
    EXPECT_FALSE(static_cast<bool>(r)) << op;
    if (r) return "";
    if (code) *code = r.error().code;
    return r.error().message;
  }
  void AdvanceTo(int64_t ms) {
    // Step through deadlines in order, as the virtual clock's driver does.
    for (int64_t next = rules_.NextDeadlineMs(); next <= ms; next = rules_.NextDeadlineMs()) {
      clock_.Set(next);
      rules_.Tick();
    }
    clock_.Set(ms);
    rules_.Tick();
  }

  FakeClock clock_{kStart};
  store::testing::MetaStore store_;
  RecordingDispatcher dispatcher_;
  Rules rules_{clock_, store_, dispatcher_};
  Api api_{rules_, clock_};
  RequestContext ctx_;
};

TEST_F(RulesTest, CronRuleFiresTheScheduledEventAtTheMinute) {
  auto put = Ok("PutRule", R"J({"Name":"nightly","ScheduleExpression":"cron(0 21 * * ? *)"})J");
  EXPECT_EQ(put["RuleArn"], "arn:aws:events:us-east-1:000000000000:rule/nightly");
  Ok("PutTargets", R"({"Rule":"nightly","Targets":[{"Id":"fn","Arn":"arn:aws:lambda:us-east-1:000000000000:function:redrive"}]})");
  AdvanceTo(kStart + 59 * 60'000 + 59'000);  // 20:59:59
  EXPECT_TRUE(dispatcher_.seen.empty());
  AdvanceTo(kStart + 3600'000);  // 21:00
  ASSERT_EQ(dispatcher_.seen.size(), 1u);
  const Delivery& d = dispatcher_.seen[0];
  EXPECT_EQ(d.target_arn, "arn:aws:lambda:us-east-1:000000000000:function:redrive");
  EXPECT_EQ(d.event_time_ms, kStart + 3600'000);
  json::object event = json::parse(d.payload).as_object();
  EXPECT_EQ(event["detail-type"], "Scheduled Event");
  EXPECT_EQ(event["source"], "aws.events");
  EXPECT_EQ(event["time"], "2026-03-10T21:00:00Z");
  EXPECT_EQ(event["resources"].as_array()[0], "arn:aws:events:us-east-1:000000000000:rule/nightly");
  EXPECT_EQ(event["detail"], json::object());
  // Three days later: exactly three more fires, one per day.
  AdvanceTo(kStart + 3 * 86400'000 + 3600'000);
  EXPECT_EQ(dispatcher_.seen.size(), 4u);
}

TEST_F(RulesTest, RateCountsFromCreationAndDisabledRulesDoNotFire) {
  clock_.Set(kStart + 17'000);
  Ok("PutRule", R"J({"Name":"r","ScheduleExpression":"rate(5 minutes)"})J");
  Ok("PutTargets", R"({"Rule":"r","Targets":[{"Id":"q","Arn":"arn:aws:sqs:us-east-1:000000000000:q","Input":"{\"k\":1}"}]})");
  AdvanceTo(kStart + 17'000 + 5 * 60'000);
  ASSERT_EQ(dispatcher_.seen.size(), 1u);
  EXPECT_EQ(dispatcher_.seen[0].payload, R"({"k":1})");
  Ok("DisableRule", R"({"Name":"r"})");
  AdvanceTo(kStart + 3600'000);
  EXPECT_EQ(dispatcher_.seen.size(), 1u);
  EXPECT_EQ(Ok("DescribeRule", R"({"Name":"r"})")["State"], "DISABLED");
  Ok("EnableRule", R"({"Name":"r"})");
  AdvanceTo(kStart + 3600'000 + 5 * 60'000);
  EXPECT_EQ(dispatcher_.seen.size(), 2u);
}

TEST_F(RulesTest, PutEventsReachesMatchingRulesOnly) {
  Ok("PutRule", R"({"Name":"orders","EventPattern":"{\"source\":[\"shop\"],\"detail\":{\"total\":[{\"numeric\":[\">\",100]}]}}"})");
  Ok("PutTargets", R"({"Rule":"orders","Targets":[{"Id":"q","Arn":"arn:aws:sqs:us-east-1:000000000000:big.fifo","SqsParameters":{"MessageGroupId":"g"},"InputPath":"$.detail"}]})");
  auto out = Ok("PutEvents", R"({"Entries":[
      {"Source":"shop","DetailType":"order","Detail":"{\"total\":250}"},
      {"Source":"shop","DetailType":"order","Detail":"{\"total\":5}"},
      {"Source":"other","DetailType":"order","Detail":"{\"total\":500}"},
      {"DetailType":"order","Detail":"{}"},
      {"Source":"shop","DetailType":"order","Detail":"not json"}]})");
  EXPECT_EQ(out["FailedEntryCount"], 2);
  auto& entries = out["Entries"].as_array();
  EXPECT_TRUE(entries[0].as_object().contains("EventId"));
  EXPECT_EQ(entries[3].as_object().at("ErrorMessage"),
            "Parameter Source is not valid. Reason: Source is a required argument.");
  EXPECT_EQ(entries[4].as_object().at("ErrorCode"), "MalformedDetail");
  ASSERT_EQ(dispatcher_.seen.size(), 1u);
  EXPECT_EQ(dispatcher_.seen[0].payload, R"({"total":250})");
  // Answered only once what the deliveries appended is durable.
  auto matched = Call("PutEvents", R"({"Entries":[{"Source":"shop","DetailType":"o","Detail":"{\"total\":101}"}]})");
  ASSERT_TRUE(static_cast<bool>(matched));
  EXPECT_GT(matched->ticket, 0u);
  auto unmatched = Call("PutEvents", R"({"Entries":[{"Source":"x","DetailType":"o","Detail":"{}"}]})");
  EXPECT_EQ(unmatched->ticket, 0u);
  EXPECT_EQ(dispatcher_.seen[0].message_group_id, "g");
  EXPECT_FALSE(dispatcher_.seen[0].deduplication_id.empty());
}

TEST_F(RulesTest, ErrorsAreAwss) {
  Errc code;
  EXPECT_EQ(ErrorOf("PutRule", R"J({"Name":"x","ScheduleExpression":"cron(0 1 * * * *)"})J", &code),
            "Parameter ScheduleExpression is not valid.");
  EXPECT_EQ(code, Errc::kValidation);
  EXPECT_EQ(ErrorOf("PutRule", R"J({"Name":"x","ScheduleExpression":"rate(1 minutes)"})J"),
            "Parameter ScheduleExpression is not valid.");
  EXPECT_EQ(ErrorOf("DescribeRule", R"({"Name":"nope"})", &code), "Rule nope does not exist on EventBus default.");
  EXPECT_EQ(code, Errc::kResourceNotFound);
  EXPECT_EQ(Info(code).http_status, 400);
  EXPECT_EQ(ErrorOf("PutRule", R"J({"Name":"bad name","ScheduleExpression":"rate(1 day)"})J"),
            "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
  ErrorOf("PutRule", R"({"Name":"p","EventPattern":"{\"source\":\"not-an-array\"}"})", &code);
  EXPECT_EQ(code, Errc::kInvalidEventPattern);
  Ok("PutRule", R"J({"Name":"t","ScheduleExpression":"rate(1 hour)"})J");
  Ok("PutTargets", R"({"Rule":"t","Targets":[{"Id":"a","Arn":"arn:aws:sqs:us-east-1:000000000000:q"}]})");
  EXPECT_EQ(ErrorOf("DeleteRule", R"({"Name":"t"})"), "Rule can't be deleted since it has targets.");
  EXPECT_EQ(ErrorOf("PutTargets", R"({"Rule":"t","Targets":[{"Id":"b","Arn":"arn:aws:sqs:us-east-1:000000000000:q","Input":"{}","InputPath":"$.detail"}]})"),
            "Only one of Input, InputPath, or InputTransformer must be provided for target b.");
  EXPECT_EQ(ErrorOf("ListRules", R"({"EventBusName":"custom"})", &code), "Event bus custom does not exist.");
  Ok("DeleteRule", R"({"Name":"t","Force":true})");
  ErrorOf("DescribeRule", R"({"Name":"t"})", &code);
  EXPECT_EQ(code, Errc::kResourceNotFound);
}

TEST_F(RulesTest, ListsPageAndFindRulesByTarget) {
  for (int i = 0; i < 5; ++i) {
    Ok("PutRule", "{\"Name\":\"r" + std::to_string(i) + R"J(","ScheduleExpression":"rate(1 day)"})J");
  }
  Ok("PutTargets", R"({"Rule":"r3","Targets":[{"Id":"a","Arn":"arn:aws:lambda:us-east-1:000000000000:function:f"}]})");
  auto page = Ok("ListRules", R"({"NamePrefix":"r","Limit":2})");
  EXPECT_EQ(page["Rules"].as_array().size(), 2u);
  ASSERT_TRUE(page.contains("NextToken"));
  std::string token(page["NextToken"].as_string());
  auto rest = Ok("ListRules", R"({"NamePrefix":"r","NextToken":")" + token + R"("})");
  EXPECT_EQ(rest["Rules"].as_array().size(), 3u);
  auto names = Ok("ListRuleNamesByTarget", R"({"TargetArn":"arn:aws:lambda:us-east-1:000000000000:function:f"})");
  EXPECT_EQ(json::serialize(names["RuleNames"]), R"(["r3"])");
  auto targets = Ok("ListTargetsByRule", R"({"Rule":"r3"})");
  EXPECT_EQ(targets["Targets"].as_array()[0].as_object().at("Id"), "a");
}

TEST_F(RulesTest, RulesSurviveARestartWithoutCatchUpFires) {
  Ok("PutRule", R"J({"Name":"nightly","ScheduleExpression":"cron(0 21 * * ? *)","Tags":[{"Key":"team","Value":"ops"}]})J");
  Ok("PutTargets", R"({"Rule":"nightly","Targets":[{"Id":"fn","Arn":"arn:aws:lambda:us-east-1:000000000000:function:f"}]})");
  // "Down" for three days, back at 22:00 on day three: the missed fires are not replayed.
  clock_.Set(kStart + 3 * 86400'000 + 2 * 3600'000);
  RecordingDispatcher after;
  Rules restarted(clock_, store_, after);
  ASSERT_TRUE(restarted.Recover().ok());
  restarted.Tick();
  EXPECT_TRUE(after.seen.empty());
  EXPECT_EQ(restarted.NextDeadlineMs(), kStart + 4 * 86400'000 + 3600'000);
  auto rule = restarted.Describe(RuleKey{"us-east-1", "000000000000", "default", "nightly"});
  ASSERT_TRUE(static_cast<bool>(rule));
  EXPECT_EQ(rule->targets.size(), 1u);
  EXPECT_EQ(rule->tags.size(), 1u);
}

}  // namespace
}  // namespace eddy::eventbridge
