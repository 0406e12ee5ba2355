#include "events/target_input.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "aws/violations.h"

namespace eddy::events {
namespace {

namespace json = boost::json;

// 2015-11-11T21:29:54Z
constexpr int64_t kEventTimeMs = 1447277394000;
// 2015-11-11T21:29:55.789Z
constexpr int64_t kIngestionMs = 1447277395789;

json::value Ec2Event() {
  return MakeEvent("7bf73129-1428-4cd3-a780-95db273d1602", "EC2 Instance State-change Notification", "aws.ec2",
                   "123456789012", kEventTimeMs, "us-east-1",
                   {"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"},
                   json::parse(R"({"instance-id":"i-0123456789","state":"RUNNING","count":3,"ratio":1.5,)"
                               R"("tags":["a","b"],"items":[{"id":1},{"id":2}],"quote":"say \"hi\"",)"
                               R"("nothing":null,"nested":{"x":true}})"));
}

InputContext Context() { return {"arn:aws:events:us-east-1:123456789012:rule/example", "example", kIngestionMs}; }

json::object Target(std::string_view members) {
  json::object t = json::parse(members).as_object();
  if (!t.contains("Id")) t["Id"] = "t1";
  return t;
}

std::string ParseError(std::string_view members) {
  std::string error;
  EXPECT_FALSE(TargetInput::Parse(Target(members), &error).has_value()) << members;
  return error;
}

std::string Render(std::string_view members) {
  std::string error;
  std::optional<TargetInput> input = TargetInput::Parse(Target(members), &error);
  EXPECT_TRUE(input.has_value()) << members << ": " << error;
  return input ? input->Render(Ec2Event(), Context()) : std::string();
}

// A transformer target with the EC2 example's variables and `tmpl` as its template.
std::string Transform(std::string_view tmpl) {
  json::object t{{"Id", "t1"},
                 {"InputTransformer",
                  {{"InputPathsMap",
                    {{"instance", "$.detail.instance-id"},
                     {"state", "$.detail.state"},
                     {"count", "$.detail.count"},
                     {"ratio", "$.detail.ratio"},
                     {"tags", "$.detail.tags"},
                     {"ids", "$.detail.items[*].id"},
                     {"first", "$.detail.items[0]"},
                     {"quote", "$.detail.quote"},
                     {"nothing", "$.detail.nothing"},
                     {"missing", "$.detail.not-there"},
                     {"timestamp", "$.time"}}},
                   {"InputTemplate", tmpl}}}};
  std::string error;
  std::optional<TargetInput> input = TargetInput::Parse(t, &error);
  EXPECT_TRUE(input.has_value()) << tmpl << ": " << error;
  return input ? input->Render(Ec2Event(), Context()) : std::string();
}

// ---- The envelope ----------------------------------------------------------------------------------

TEST(MakeEventTest, KeysInAwsOrderAndTimeWithoutMillis) {
  json::object e = MakeEvent("id-1", "Scheduled Event", "aws.events", "123456789012", 1772366400123, "us-east-1",
                             {"arn:aws:events:us-east-1:123456789012:rule/my-rule"}, json::object{});
  EXPECT_EQ(ToJsonText(e), R"({"version":"0","id":"id-1","detail-type":"Scheduled Event","source":"aws.events",)"
                           R"("account":"123456789012","time":"2026-03-01T12:00:00Z","region":"us-east-1",)"
                           R"("resources":["arn:aws:events:us-east-1:123456789012:rule/my-rule"],"detail":{}})");
}

TEST(MakeEventTest, NoResources) {
  json::object e = MakeEvent("i", "t", "s", "1", 0, "r", {}, json::parse(R"({"a":1})"));
  EXPECT_EQ(ToJsonText(e), R"({"version":"0","id":"i","detail-type":"t","source":"s","account":"1",)"
                           R"("time":"1970-01-01T00:00:00Z","region":"r","resources":[],"detail":{"a":1}})");
}

TEST(FormatEventTimeTest, DropsMillisecondsAndHandlesTimesBefore1970) {
  EXPECT_EQ(FormatEventTime(1648000783999), "2022-03-23T01:59:43Z");
  EXPECT_EQ(FormatEventTime(-1), "1969-12-31T23:59:59Z");
}

TEST(ToJsonTextTest, DoublesInPlainDecimalForm) {
  EXPECT_EQ(ToJsonText(json::parse(R"([1.5,100.0,0.1,-0.0,1e21,12,-3,18446744073709551615,"\u0001\"\\/"])")),
            R"([1.5,100.0,0.1,-0.0,1e+21,12,-3,18446744073709551615,"\u0001\"\\/"])");
}

// ---- Default, Input, InputPath -------------------------------------------------------------------------

TEST(TargetInputTest, DefaultIsTheWholeEvent) {
  EXPECT_EQ(Render(R"({"Arn":"x"})"), ToJsonText(Ec2Event()));
  TargetInput defaulted;  // what a default-constructed target (no Input*) does
  EXPECT_EQ(defaulted.Render(Ec2Event(), Context()), ToJsonText(Ec2Event()));
}

TEST(TargetInputTest, InputIsSentVerbatimAndTheEventIgnored) {
  EXPECT_EQ(Render(R"({"Input":"{ \"env\" : \"dev\" }"})"), R"({ "env" : "dev" })");
  EXPECT_EQ(Render(R"({"Input":"\"hello\""})"), R"("hello")");  // a JSON scalar is fine
  EXPECT_EQ(Render(R"({"Input":"42"})"), "42");
}

TEST(TargetInputTest, InputPathSelectsPartOfTheEvent) {
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.nested"})"), R"({"x":true})");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.state"})"), R"("RUNNING")");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.ratio"})"), "1.5");
  EXPECT_EQ(Render(R"({"InputPath":"$.resources[0]"})"), R"("arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111")");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail-type"})"), R"("EC2 Instance State-change Notification")");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.items[*].id"})"), "[1,2]");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.items.*.id"})"), "[1,2]");
  EXPECT_EQ(Render(R"({"InputPath":"$"})"), ToJsonText(Ec2Event()));
}

TEST(TargetInputTest, InputPathToNothingSendsNull) {
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.absent"})"), "null");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.tags[7]"})"), "null");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.state.deeper"})"), "null");
  EXPECT_EQ(Render(R"({"InputPath":"$.detail.absent[*]"})"), "[]");
}

TEST(TargetInputTest, PathNamesMayHoldSlashesColonsAndDashes) {
  json::value event = json::parse(R"({"detail":{"a/b":1,"aws:cloudformation:stack-id":"s","x-y_z":2}})");
  for (auto [path, want] :
       {std::pair{"$.detail.a/b", "1"}, {"$.detail.aws:cloudformation:stack-id", "\"s\""}, {"$.detail.x-y_z", "2"}}) {
    std::string error;
    auto input = TargetInput::Parse(json::object{{"Id", "t"}, {"InputPath", path}}, &error);
    ASSERT_TRUE(input) << path << ": " << error;
    EXPECT_EQ(input->Render(event, Context()), want) << path;
  }
}

// ---- InputTransformer ----------------------------------------------------------------------------------

TEST(InputTransformerTest, QuotedStringTemplate) {
  EXPECT_EQ(Transform(R"("instance <instance> is in <state>")"), R"("instance i-0123456789 is in RUNNING")");
  EXPECT_EQ(Transform(R"("instance \"<instance>\" is in <state>")"), R"("instance \"i-0123456789\" is in RUNNING")");
  // Characters that look like JSON openers inside the string do not matter.
  EXPECT_EQ(Transform(R"("{[/Check with special starting characters for event of <state> type")"),
            R"("{[/Check with special starting characters for event of RUNNING type")");
}

TEST(InputTransformerTest, JsonTemplateQuotesStringsOnlyOutsideStringLiterals) {
  EXPECT_EQ(Transform(R"({"instance" : <instance>, "state": <state>})"),
            R"({"instance":"i-0123456789","state":"RUNNING"})");
  EXPECT_EQ(
      Transform(R"({
  "instance" : <instance>,
  "state": "<state>",
  "instanceStatus": "instance \"<instance>\" is in <state>"
})"),
      R"({"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \"i-0123456789\" is in RUNNING"})");
  EXPECT_EQ(Transform(R"({"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"})"),
            R"({"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"})");
}

TEST(InputTransformerTest, NonStringValues) {
  EXPECT_EQ(Transform(R"({"c":<count>,"r":<ratio>,"t":<tags>,"f":<first>,"ids":<ids>,"n":<nothing>})"),
            R"({"c":3,"r":1.5,"t":["a","b"],"f":{"id":1},"ids":[1,2],"n":null})");
  // Inside a string literal they appear as their JSON text, escaped so the result stays JSON.
  EXPECT_EQ(Transform(R"("c=<count> t=<tags> n=<nothing>")"), R"("c=3 t=[\"a\",\"b\"] n=null")");
}

TEST(InputTransformerTest, ValuesAreEscapedInsideAndOutsideStrings) {
  EXPECT_EQ(Transform(R"({"q":<quote>,"s":"<quote>!"})"), R"({"q":"say \"hi\"","s":"say \"hi\"!"})");
}

TEST(InputTransformerTest, MissingPathIsTheEmptyString) {
  EXPECT_EQ(Transform(R"("info extracted from detail <missing>")"), R"("info extracted from detail ")");
  EXPECT_EQ(Transform(R"({"detailType": <state>, "time": <timestamp>, "command": <missing>})"),
            R"({"detailType":"RUNNING","time":"2015-11-11T21:29:54Z","command":""})");
}

TEST(InputTransformerTest, NonJsonResultIsSentAsAJsonString) {
  EXPECT_EQ(Transform("<instance> is in state <state>"), R"("\"i-0123456789\" is in state \"RUNNING\"")");
  EXPECT_EQ(Transform("plain text, no placeholders"), R"("plain text, no placeholders")");
  EXPECT_EQ(Transform("a < b and c > d"), R"("a < b and c > d")");
}

TEST(InputTransformerTest, ConstantJsonTemplateIsMinified) {
  EXPECT_EQ(Transform("{\n  \"a\" : [ 1, 2 ],\n  \"b\" : \"x  y\"\n}"), R"({"a":[1,2],"b":"x  y"})");
}

TEST(InputTransformerTest, RuleVariables) {
  EXPECT_EQ(Transform(R"("<aws.events.rule-name> triggered")"), R"("example triggered")");
  EXPECT_EQ(Transform(R"("Message <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>")"),
            R"("Message arn:aws:events:us-east-1:123456789012:rule/example example 2015-11-11T21:29:55Z")");
  EXPECT_EQ(Transform(R"({"ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>})"),
            R"({"ruleArn":"arn:aws:events:us-east-1:123456789012:rule/example","ruleName":"example"})");
}

TEST(InputTransformerTest, PredefinedVariablesNeedNoPathsMap) {
  std::string error;
  auto input = TargetInput::Parse(
      Target(
          R"({"InputTransformer":{"InputTemplate":"{\"originalEvent\": <aws.events.event>, \"originalEventJson\": <aws.events.event.json>}"}})"),
      &error);
  ASSERT_TRUE(input) << error;
  json::value got = json::parse(input->Render(Ec2Event(), Context()));
  // <aws.events.event>: the event without detail, detail-type spelled detailType, AWS's key order.
  EXPECT_EQ(ToJsonText(got.at("originalEvent")),
            R"({"id":"7bf73129-1428-4cd3-a780-95db273d1602","account":"123456789012",)"
            R"("detailType":"EC2 Instance State-change Notification","time":"2015-11-11T21:29:55Z",)"
            R"("source":"aws.ec2","region":"us-east-1",)"
            R"("resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],"version":"0"})");
  // <aws.events.event.json>: the whole event.
  EXPECT_EQ(ToJsonText(got.at("originalEventJson")), ToJsonText(Ec2Event()));
}

TEST(InputTransformerTest, TheSameVariableTwice) {
  EXPECT_EQ(Transform(R"({"a":<state>,"b":"<state>/<state>"})"), R"({"a":"RUNNING","b":"RUNNING/RUNNING"})");
}

// ---- Validation --------------------------------------------------------------------------------------

TEST(TargetInputValidationTest, OnlyOneInputMode) {
  const char* kWant = "Only one of Input, InputPath, or InputTransformer must be provided for target t1.";
  EXPECT_EQ(ParseError(R"({"Input":"{}","InputPath":"$.detail"})"), kWant);
  EXPECT_EQ(ParseError(R"({"Input":"{}","InputTransformer":{"InputTemplate":"\"x\""}})"), kWant);
  EXPECT_EQ(ParseError(R"({"InputPath":"$.detail","InputTransformer":{"InputTemplate":"\"x\""}})"), kWant);
}

TEST(TargetInputValidationTest, InputMustBeJson) {
  EXPECT_EQ(ParseError(R"({"Id":"1","Input":"env:dev"})"),
            R"j(JSON syntax error in input for target 1: [Source: (String)"env:dev"; line: 1, column: 4])j");
  EXPECT_EQ(ParseError(R"({"Input":"{'db_name':1}"})"),
            R"j(JSON syntax error in input for target t1: [Source: (String)"{'db_name':1}"; line: 1, column: 3])j");
  EXPECT_EQ(ParseError(R"({"Input":"{\n\"a\": 1,\n\"b\": }"})"),
            "JSON syntax error in input for target t1: [Source: (String)\"{\n\"a\": 1,\n\"b\": }\"; line: 3, "
            "column: 7]");
  EXPECT_EQ(ParseError(R"({"Input":"{\"a\":"})"),
            R"j(JSON syntax error in input for target t1: [Source: (String)"{"a":"; line: 1, column: 6])j");
  EXPECT_EQ(ParseError(R"({"Input":""})"),
            R"j(JSON syntax error in input for target t1: [Source: (String)""; line: 1, column: 1])j");
}

TEST(TargetInputValidationTest, LongInvalidInputIsTruncatedLikeJackson) {
  std::string input = "x" + std::string(600, 'y');
  std::string error = ParseError(json::serialize(json::object{{"Input", input}}));
  EXPECT_EQ(error, "JSON syntax error in input for target t1: [Source: (String)\"" + input.substr(0, 500) +
                       "\"[truncated 101 chars]; line: 1, column: 602]");
}

TEST(TargetInputValidationTest, InvalidPaths) {
  const char* kWant = "InputPath for target t1 is invalid.";
  for (const char* path : {"detail", "", "$.", "$..detail", "$.detail.", "$['detail']", "$.detail[\"a\"]", "$.detail[",
                           "$.a[0:2]", "$.a[-1]", "$.a[?(@.x)]", "$.a[0,1]", "$x"}) {
    EXPECT_EQ(ParseError(json::serialize(json::object{{"InputPath", path}})), kWant) << path;
    EXPECT_EQ(ParseError(json::serialize(json::object{
                  {"InputTransformer", {{"InputPathsMap", {{"v", path}}}, {"InputTemplate", "\"<v>\""}}}})),
              kWant)
        << path;
  }
}

TEST(TargetInputValidationTest, UndefinedPlaceholder) {
  EXPECT_EQ(ParseError(R"({"InputTransformer":{"InputPathsMap":{"detail-type":"$.detail-type"},)"
                       R"("InputTemplate":"\"Event of <detail-type> type, with not defined key <notdefinedkey>\""}})"),
            "InputTemplate for target t1 contains invalid placeholder notdefinedkey.");
  EXPECT_EQ(ParseError(R"({"InputTransformer":{"InputTemplate":"\"<aws.events.unknown>\""}})"),
            "InputTemplate for target t1 contains invalid placeholder aws.events.unknown.");
}

TEST(TargetInputValidationTest, WholeEventOnlyInJsonObjectTemplates) {
  EXPECT_EQ(ParseError(R"({"InputTransformer":{"InputTemplate":"[<aws.events.event.json>]"}})"),
            "InputTemplate for target t1 contains placeholder aws.events.event.json valid only for JSON template.");
  EXPECT_EQ(ParseError(R"({"InputTransformer":{"InputTemplate":"\"e: <aws.events.event>\""}})"),
            "InputTemplate for target t1 contains placeholder aws.events.event valid only for JSON template.");
  std::string error;
  EXPECT_TRUE(TargetInput::Parse(
      Target(R"({"InputTransformer":{"InputTemplate":" {\"e\": <aws.events.event.json>}"}})"), &error))
      << error;
}

TEST(TargetInputValidationTest, ModelLimits) {
  EXPECT_EQ(ParseError(R"({"InputTransformer":{"InputPathsMap":{"a":"$.a"}}})"),
            "1 validation error detected: Value null at 'targets.1.member.inputTransformer.inputTemplate' failed "
            "to satisfy constraint: Member must not be null");
  EXPECT_EQ(ParseError(R"({"InputTransformer":{"InputTemplate":""}})"),
            "1 validation error detected: Value '' at 'targets.1.member.inputTransformer.inputTemplate' failed "
            "to satisfy constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(
      ParseError(R"({"InputTransformer":{"InputPathsMap":{"aws.events.rule-name":"$.a"},"InputTemplate":"\"x\""}})"),
      "1 validation error detected: Value '{aws.events.rule-name=$.a}' at "
      "'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy "
      "constraint: [Member must have length less than or equal to 256, Member must have length greater than "
      "or equal to 1, Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+]");

  std::string long_input = "\"" + std::string(8192, 'a') + "\"";
  std::string error;
  EXPECT_FALSE(TargetInput::Parse(Target(json::serialize(json::object{{"Input", long_input}})), &error, 3));
  EXPECT_EQ(error, "1 validation error detected: Value '" + long_input +
                       "' at 'targets.3.member.input' failed to satisfy constraint: Member must have length less "
                       "than or equal to 8192");

  std::string long_path = "$." + std::string(255, 'a');
  EXPECT_EQ(ParseError(json::serialize(json::object{{"InputPath", long_path}})),
            "1 validation error detected: Value '" + long_path +
                "' at 'targets.1.member.inputPath' failed to satisfy constraint: Member must have length less than "
                "or equal to 256");

  json::object map;
  for (int i = 0; i < 101; ++i) map["k" + std::to_string(i)] = "$.a";
  error =
      ParseError(json::serialize(json::object{{"InputTransformer", {{"InputPathsMap", map}, {"InputTemplate", "1"}}}}));
  EXPECT_TRUE(error.starts_with("1 validation error detected: Value '{k0=$.a, k1=$.a, ")) << error;
  EXPECT_TRUE(
      error.ends_with("' at 'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: "
                      "Member must have length less than or equal to 100"))
      << error;
  map.erase("k100");
  std::string ok_error;
  EXPECT_TRUE(TargetInput::Parse(
      json::object{{"Id", "t"}, {"InputTransformer", {{"InputPathsMap", map}, {"InputTemplate", "1"}}}}, &ok_error))
      << ok_error;

  EXPECT_EQ(
      ParseError(json::serialize(json::object{
          {"InputTransformer", {{"InputPathsMap", {{"v", "$." + std::string(255, 'b')}}}, {"InputTemplate", "<v>"}}}})),
      "1 validation error detected: Value '{v=$." + std::string(255, 'b') +
          "}' at 'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map value must "
          "satisfy constraint: [Member must have length less than or equal to 256]");
}

TEST(TargetInputValidationTest, ConstraintsMergeWithTheCallersViolations) {
  aws::Violations violations;
  violations.Add("bad id", "targets.2.member.id",
                 "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
  TargetInput::CheckConstraints(Target(R"({"InputTransformer":{}})"), "targets.2.member", violations);
  EXPECT_EQ(violations.Message(),
            "2 validation errors detected: Value 'bad id' at 'targets.2.member.id' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; Value null at "
            "'targets.2.member.inputTransformer.inputTemplate' failed to satisfy constraint: Member must not be null");
}

TEST(TargetInputValidationTest, AcceptsAwsExamples) {
  for (const char* members :
       {R"({"InputPath":"$"})", R"({"InputPath":"$.detail.a[0]"})", R"({"InputPath":"$.detail.items[*].id"})",
        R"({"InputTransformer":{"InputPathsMap":{"AWSish":"$.a"},"InputTemplate":"\"<AWSish>\""}})",
        R"({"InputTransformer":{"InputTemplate":"{\"e\": <aws.events.event>}"}})",
        R"({"InputTransformer":{"InputTemplate":"\"<b>bold</b>\"","InputPathsMap":{"b":"$.x"}}})"}) {
    std::string error;
    EXPECT_TRUE(TargetInput::Parse(Target(members), &error)) << members << ": " << error;
  }
}

// ---- Scheduler context attributes --------------------------------------------------------------------

TEST(SchedulerContextTest, ReplacesEveryAttribute) {
  SchedulerContext ctx{"arn:aws:scheduler:us-east-1:123456789012:schedule/default/s1", 1647975583000,
                       "c8c8d8a5-0d6c-4b2b-9d5b-6f7a3c2b1a00", 2};
  EXPECT_EQ(
      SubstituteSchedulerContext(R"({"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>",)"
                                 R"("run":"<aws.scheduler.execution-id>","n":<aws.scheduler.attempt-number>,)"
                                 R"("again":"<aws.scheduler.schedule-arn>","other":"<aws.events.rule-arn> <x>"})",
                                 ctx),
      R"({"arn":"arn:aws:scheduler:us-east-1:123456789012:schedule/default/s1","at":"2022-03-22T18:59:43Z",)"
      R"("run":"c8c8d8a5-0d6c-4b2b-9d5b-6f7a3c2b1a00","n":2,)"
      R"("again":"arn:aws:scheduler:us-east-1:123456789012:schedule/default/s1","other":"<aws.events.rule-arn> <x>"})");
  EXPECT_EQ(SubstituteSchedulerContext("", ctx), "");
  EXPECT_EQ(SubstituteSchedulerContext("no attributes < here >", ctx), "no attributes < here >");
}

}  // namespace
}  // namespace eddy::events
