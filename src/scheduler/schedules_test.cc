#include "scheduler/schedules.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "events/dispatcher.h"
#include "scheduler/test_support.h"

namespace eddy::scheduler {
namespace {

using testing::IsoUtc;
using testing::MetaStore;
using testing::RecordingDispatcher;
using testing::RunUntil;
using testing::Spec;
using testing::Utc;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr const char* kFunction = "arn:aws:lambda:us-east-1:000000000000:function:fn";
constexpr const char* kRole = "arn:aws:iam::000000000000:role/scheduler";

// A CreateSchedule body: `members` are extra top-level members (",\"State\":\"DISABLED\""),
// `target_members` extra Target members.
std::string Body(const std::string& expression, const std::string& members = "",
                 const std::string& target_members = "", const std::string& window = R"({"Mode":"OFF"})") {
  return R"({"ScheduleExpression":")" + expression + R"(","FlexibleTimeWindow":)" + window +
         R"(,"Target":{"Arn":")" + kFunction + R"(","RoleArn":")" + kRole + "\"" + target_members + "}" +
         members + "}";
}

std::string Seconds(int64_t ms) { return std::to_string(ms / 1000); }

class SchedulesTest : public ::testing::Test {
 protected:
  std::unique_ptr<Schedules> Make(uint64_t seed = 42) {
    return std::make_unique<Schedules>(clock, store, dispatcher, [this] { ++wakes; }, SchedulesOptions{seed});
  }

  void Create(const std::string& name, const std::string& body) {
    auto c = s->CreateSchedule(ctx, Spec(name, body));
    ASSERT_TRUE(c) << c.error().message;
  }

  Error CreateError(const std::string& name, const std::string& body) {
    auto c = s->CreateSchedule(ctx, Spec(name, body));
    EXPECT_FALSE(c) << name << " was created";
    return c ? Error{} : c.error();
  }

  std::vector<std::string> FireTimes() {
    std::vector<std::string> out;
    for (const auto& d : dispatcher.deliveries) out.push_back(IsoUtc(d.event_time_ms));
    return out;
  }

  static std::string Context(const events::Delivery& d, const std::string& name) {
    for (const auto& [k, v] : d.dead_letter_context) {
      if (k == name) return v;
    }
    return {};
  }

  std::vector<std::string> ScheduledTimes() {
    std::vector<std::string> out;
    for (const auto& d : dispatcher.deliveries) out.push_back(Context(d, "SCHEDULED_TIME"));
    return out;
  }

  void Run(const std::string& until) { RunUntil(clock, *s, Utc(until)); }

  FakeClock clock{Utc("2026-03-01T12:00:30Z")};
  MetaStore store;
  RecordingDispatcher dispatcher;
  int wakes = 0;
  RequestContext ctx;
  std::unique_ptr<Schedules> s = Make();
};

// ---- Firing ----

TEST_F(SchedulesTest, RateWithoutStartDateFiresAtCreationThenEveryPeriod) {
  Create("every5", Body("rate(5 minutes)"));
  EXPECT_EQ(s->PendingFireMs(ctx, "default", "every5"), clock.NowMs()) << "rate schedules start immediately";
  EXPECT_GE(wakes, 1);
  Run("2026-03-01T12:16:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-01T12:00:30.000Z", "2026-03-01T12:05:30.000Z",
                                                   "2026-03-01T12:10:30.000Z", "2026-03-01T12:15:30.000Z"}));
  const events::Delivery& d = dispatcher.deliveries[0];
  EXPECT_EQ(d.target_arn, kFunction);
  EXPECT_EQ(d.payload, "{}") << "no Input";
  EXPECT_EQ(d.source_arn, "arn:aws:scheduler:us-east-1:000000000000:schedule/default/every5");
  EXPECT_EQ(d.dead_letter_format, events::DeadLetterFormat::kSchedule);
  EXPECT_EQ(d.retry.maximum_retry_attempts, 185);
  EXPECT_EQ(d.retry.maximum_event_age_seconds, 86400);
  EXPECT_EQ(Context(d, "SCHEDULED_TIME"), "2026-03-01T12:00:30Z");
  EXPECT_EQ(Context(d, "EXECUTION_ID").size(), 36u);
  EXPECT_NE(Context(d, "EXECUTION_ID"), Context(dispatcher.deliveries[1], "EXECUTION_ID"));
}

TEST_F(SchedulesTest, DueOccurrencesOfSeveralSchedulesFireInTimeOrder) {
  Create("ten", Body("cron(0/10 * * * ? *)"));
  Create("seven", Body("rate(7 minutes)"));
  Run("2026-03-01T12:30:00Z");
  EXPECT_EQ(FireTimes(),
            (std::vector<std::string>{"2026-03-01T12:00:30.000Z", "2026-03-01T12:07:30.000Z",
                                      "2026-03-01T12:10:00.000Z", "2026-03-01T12:14:30.000Z",
                                      "2026-03-01T12:20:00.000Z", "2026-03-01T12:21:30.000Z",
                                      "2026-03-01T12:28:30.000Z", "2026-03-01T12:30:00.000Z"}));
}

TEST_F(SchedulesTest, OneTickFiresEachDueOccurrenceOnceWithoutCatchUp) {
  Create("minutely", Body("cron(* * * * ? *)"));
  clock.Set(Utc("2026-03-01T12:10:05Z"));  // a real-clock jump of 10 minutes
  s->Tick();
  ASSERT_EQ(dispatcher.deliveries.size(), 1u);
  EXPECT_EQ(ScheduledTimes()[0], "2026-03-01T12:01:00Z");
  EXPECT_EQ(s->PendingFireMs(ctx, "default", "minutely"), Utc("2026-03-01T12:11:00Z"));
  s->Tick();
  EXPECT_EQ(dispatcher.deliveries.size(), 1u);
}

TEST_F(SchedulesTest, CronFollowsNewYorkDaylightSavingTime) {
  clock.Set(Utc("2026-03-06T12:00:00Z"));
  // 02:30 does not exist on 2026-03-08 (spring forward): skipped.
  Create("spring", Body("cron(30 2 * * ? *)", R"(,"ScheduleExpressionTimezone":"America/New_York")"));
  Run("2026-03-09T12:00:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-07T07:30:00.000Z", "2026-03-09T06:30:00.000Z"}));

  dispatcher.deliveries.clear();
  clock.Set(Utc("2026-10-31T12:00:00Z"));
  // 01:30 happens twice on 2026-11-01 (fall back): fires once.
  Create("fall", Body("cron(30 1 * * ? *)", R"(,"ScheduleExpressionTimezone":"America/New_York")"));
  ASSERT_TRUE(s->DeleteSchedule(ctx, "default", "spring"));
  Run("2026-11-02T12:00:00Z");
  ASSERT_EQ(dispatcher.deliveries.size(), 2u) << ::testing::PrintToString(FireTimes());
  EXPECT_EQ(FireTimes()[0], "2026-11-01T05:30:00.000Z");
  EXPECT_EQ(FireTimes()[1], "2026-11-02T06:30:00.000Z");
}

TEST_F(SchedulesTest, SeoulSixAmIsTwentyOneUtc) {
  // The seed's redrive job: every day at 06:00 KST = 21:00 UTC the day before.
  Create("redrive", Body("cron(0 6 * * ? *)", R"(,"ScheduleExpressionTimezone":"Asia/Seoul")"));
  Run("2026-03-03T00:00:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-01T21:00:00.000Z", "2026-03-02T21:00:00.000Z"}));
}

TEST_F(SchedulesTest, RateDaysAreTwentyFourHoursAcrossDst) {
  clock.Set(Utc("2026-03-07T12:00:00Z"));
  Create("daily", Body("rate(1 day)", R"(,"ScheduleExpressionTimezone":"America/New_York")"));
  Run("2026-03-09T13:00:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-07T12:00:00.000Z", "2026-03-08T12:00:00.000Z",
                                                   "2026-03-09T12:00:00.000Z"}));
}

TEST_F(SchedulesTest, StartDateAndEndDateBoundRecurringSchedules) {
  const int64_t start = Utc("2026-03-01T14:00:00Z");
  const int64_t end = Utc("2026-03-01T17:00:00Z");
  Create("bounded", Body("rate(1 hour)", ",\"StartDate\":" + Seconds(start) + ",\"EndDate\":" + Seconds(end)));
  EXPECT_EQ(s->PendingFireMs(ctx, "default", "bounded"), start) << "rate counts from StartDate";
  Run("2026-03-02T00:00:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-01T14:00:00.000Z", "2026-03-01T15:00:00.000Z",
                                                   "2026-03-01T16:00:00.000Z", "2026-03-01T17:00:00.000Z"}));
  EXPECT_FALSE(s->PendingFireMs(ctx, "default", "bounded"));
  EXPECT_TRUE(s->GetSchedule(ctx, "default", "bounded")) << "ActionAfterCompletion NONE keeps it";

  dispatcher.deliveries.clear();
  Create("cron-start", Body("cron(0 * * * ? *)", ",\"StartDate\":" + Seconds(Utc("2026-03-02T03:30:00Z"))));
  Run("2026-03-02T05:00:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-02T04:00:00.000Z", "2026-03-02T05:00:00.000Z"}));
}

TEST_F(SchedulesTest, StartDateIsIgnoredForOneTimeSchedules) {
  Create("once", Body("at(2026-03-01T13:00:00)", ",\"StartDate\":" + Seconds(Utc("2026-03-05T00:00:00Z"))));
  EXPECT_EQ(s->PendingFireMs(ctx, "default", "once"), Utc("2026-03-01T13:00:00Z"));
}

TEST_F(SchedulesTest, FlexibleWindowFiresWithinTheWindowOfEachOccurrence) {
  Create("flex", Body("rate(1 hour)", "", "", R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":15})"));
  Run("2026-03-02T12:00:00Z");
  ASSERT_EQ(dispatcher.deliveries.size(), 24u);
  std::set<int64_t> offsets;
  for (size_t i = 0; i < dispatcher.deliveries.size(); ++i) {
    const int64_t scheduled = Utc("2026-03-01T12:00:30Z") + int64_t(i) * kHour;
    EXPECT_EQ(Context(dispatcher.deliveries[i], "SCHEDULED_TIME"), IsoUtc(scheduled).substr(0, 19) + "Z");
    const int64_t offset = dispatcher.deliveries[i].event_time_ms - scheduled;
    EXPECT_GE(offset, 0);
    EXPECT_LE(offset, 15 * kMinute);
    offsets.insert(offset);
  }
  EXPECT_GT(offsets.size(), 20u) << "offsets are random";
}

TEST_F(SchedulesTest, FlexibleWindowLongerThanThePeriodKeepsEveryOccurrenceOnce) {
  Create("busy", Body("rate(1 minute)", "", "", R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":30})"));
  Run("2026-03-01T15:00:00Z");
  std::set<std::string> scheduled;
  for (const auto& d : dispatcher.deliveries) {
    const int64_t at = Utc(Context(d, "SCHEDULED_TIME"));
    EXPECT_GE(d.event_time_ms, at);
    EXPECT_LE(d.event_time_ms, at + 30 * kMinute);
    EXPECT_TRUE(scheduled.insert(Context(d, "SCHEDULED_TIME")).second) << "fired twice";
  }
  EXPECT_GE(scheduled.size(), 150u);
  EXPECT_GT(s->NextDeadlineMs(), clock.NowMs()) << "nothing left due after the ticks";
}

TEST_F(SchedulesTest, FlexibleOffsetsAreDeterministicForASeed) {
  auto times = [this](uint64_t seed) {
    MetaStore other_store;
    RecordingDispatcher other;
    FakeClock c(Utc("2026-03-01T12:00:30Z"));
    Schedules sc(c, other_store, other, {}, SchedulesOptions{seed});
    EXPECT_TRUE(sc.CreateSchedule(ctx, Spec("f", Body("rate(1 hour)", "", "", R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":60})"))));
    RunUntil(c, sc, Utc("2026-03-01T18:00:00Z"));
    std::vector<int64_t> out;
    for (const auto& d : other.deliveries) out.push_back(d.event_time_ms);
    return out;
  };
  EXPECT_EQ(times(7), times(7));
  EXPECT_NE(times(7), times(8));
}

TEST_F(SchedulesTest, OneTimeScheduleWithDeleteIsRemovedAfterItsInvocation) {
  Create("once", Body("at(2026-03-01T13:00:00)", R"(,"ActionAfterCompletion":"DELETE")",
                      R"(,"Input":"{\"arn\":\"<aws.scheduler.schedule-arn>\",\"at\":\"<aws.scheduler.scheduled-time>\"}")"));
  ASSERT_EQ(store.meta.count("scheduler/schedule/us-east-1/000000000000/default/once"), 1u);
  Run("2026-03-01T12:59:59Z");
  EXPECT_TRUE(dispatcher.deliveries.empty());
  Run("2026-03-01T14:00:00Z");
  ASSERT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-01T13:00:00.000Z"}));
  EXPECT_EQ(dispatcher.deliveries[0].payload,
            R"({"arn":"arn:aws:scheduler:us-east-1:000000000000:schedule/default/once","at":"2026-03-01T13:00:00Z"})");
  auto gone = s->GetSchedule(ctx, "default", "once");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().message, "Schedule once does not exist.");
  EXPECT_EQ(store.meta.count("scheduler/schedule/us-east-1/000000000000/default/once"), 0u);
}

TEST_F(SchedulesTest, OneTimeScheduleInATimeZoneFiresOnceAndStays) {
  Create("once", Body("at(2026-03-02T09:00:00)", R"(,"ScheduleExpressionTimezone":"Asia/Seoul")"));
  Run("2026-03-05T00:00:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-02T00:00:00.000Z"}));
  auto r = s->GetSchedule(ctx, "default", "once");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->completed);
  EXPECT_FALSE(s->PendingFireMs(ctx, "default", "once"));
  // A restart does not fire it again.
  s = Make();
  ASSERT_TRUE(s->Recover().ok());
  Run("2026-03-06T00:00:00Z");
  EXPECT_EQ(dispatcher.deliveries.size(), 1u);
}

TEST_F(SchedulesTest, RecurringScheduleWithDeleteIsRemovedOnceEndDatePasses) {
  const int64_t end = Utc("2026-03-01T12:30:00Z");
  Create("ends", Body("rate(10 minutes)", R"(,"ActionAfterCompletion":"DELETE","EndDate":)" + Seconds(end)));
  Run("2026-03-01T12:29:59Z");
  EXPECT_EQ(dispatcher.deliveries.size(), 3u);
  EXPECT_TRUE(s->GetSchedule(ctx, "default", "ends"));
  Run("2026-03-01T12:30:00Z");
  EXPECT_FALSE(s->GetSchedule(ctx, "default", "ends"));
  EXPECT_EQ(s->NextDeadlineMs(), INT64_MAX);
}

TEST_F(SchedulesTest, DisabledSchedulesDoNotFireUntilEnabled) {
  Create("off", Body("rate(1 minute)", R"(,"State":"DISABLED")"));
  EXPECT_EQ(s->NextDeadlineMs(), INT64_MAX);
  Run("2026-03-01T13:00:00Z");
  EXPECT_TRUE(dispatcher.deliveries.empty());
  const int wakes_before = wakes;
  auto updated = s->UpdateSchedule(ctx, Spec("off", Body("rate(1 minute)", R"(,"State":"ENABLED")")));
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_GT(wakes, wakes_before) << "a new earliest deadline wakes the driver";
  Run("2026-03-01T13:02:00Z");
  EXPECT_EQ(FireTimes(), (std::vector<std::string>{"2026-03-01T13:00:00.000Z", "2026-03-01T13:01:00.000Z",
                                                   "2026-03-01T13:02:00.000Z"}));
  ASSERT_TRUE(s->UpdateSchedule(ctx, Spec("off", Body("rate(1 minute)", R"(,"State":"DISABLED")"))));
  Run("2026-03-01T14:00:00Z");
  EXPECT_EQ(dispatcher.deliveries.size(), 3u);
}

TEST_F(SchedulesTest, UpdateReplacesEverything) {
  Create("u", Body("rate(1 hour)", R"(,"Description":"first","ActionAfterCompletion":"DELETE")",
                   R"(,"Input":"{}","RetryPolicy":{"MaximumRetryAttempts":3})"));
  const int64_t created = clock.NowMs();
  clock.Advance(kMinute);
  ASSERT_TRUE(s->UpdateSchedule(ctx, Spec("u", Body("rate(2 hours)"))));
  auto r = s->GetSchedule(ctx, "default", "u");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->created_ms, created);
  EXPECT_EQ(r->modified_ms, created + kMinute);
  EXPECT_EQ(r->spec.expression, "rate(2 hours)");
  EXPECT_FALSE(r->spec.description);
  EXPECT_FALSE(r->spec.delete_after_completion);
  EXPECT_FALSE(r->spec.target.input);
  EXPECT_EQ(r->spec.target.retry.maximum_retry_attempts, 185);
  EXPECT_EQ(s->PendingFireMs(ctx, "default", "u"), created + kMinute) << "the rate restarts at the update";
}

TEST_F(SchedulesTest, TargetSettingsReachTheDelivery) {
  Create("q", R"j({"ScheduleExpression":"rate(1 minute)","FlexibleTimeWindow":{"Mode":"OFF"},
      "Target":{"Arn":"arn:aws:sqs:us-east-1:000000000000:jobs.fifo","RoleArn":")j" + std::string(kRole) + R"j(",
      "Input":"attempt <aws.scheduler.attempt-number> of <aws.scheduler.execution-id>",
      "RetryPolicy":{"MaximumRetryAttempts":2,"MaximumEventAgeInSeconds":120},
      "DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:000000000000:dlq"},
      "SqsParameters":{"MessageGroupId":"g1"}}})j");
  s->Tick();
  ASSERT_EQ(dispatcher.deliveries.size(), 1u);
  const events::Delivery& d = dispatcher.deliveries[0];
  EXPECT_EQ(d.target_arn, "arn:aws:sqs:us-east-1:000000000000:jobs.fifo");
  EXPECT_EQ(d.payload, "attempt 1 of " + Context(d, "EXECUTION_ID"));
  EXPECT_EQ(d.message_group_id, "g1");
  EXPECT_EQ(d.retry.maximum_retry_attempts, 2);
  EXPECT_EQ(d.retry.maximum_event_age_seconds, 120);
  EXPECT_EQ(d.dead_letter_arn, "arn:aws:sqs:us-east-1:000000000000:dlq");
  EXPECT_EQ(d.event_time_ms, clock.NowMs());
}

// ---- Restart ----

TEST_F(SchedulesTest, RestartResumesRecurringSchedulesWithoutCatchUp) {
  Create("minutely", Body("rate(1 minute)"));
  Run("2026-03-01T12:03:00Z");
  EXPECT_EQ(dispatcher.deliveries.size(), 3u);  // 12:00:30, 12:01:30, 12:02:30
  // Down for an hour.
  clock.Set(Utc("2026-03-01T13:03:10Z"));
  s = Make();
  ASSERT_TRUE(s->Recover().ok());
  EXPECT_EQ(s->PendingFireMs(ctx, "default", "minutely"), Utc("2026-03-01T13:03:30Z"))
      << "first occurrence after now, on the original rate grid";
  s->Tick();
  EXPECT_EQ(dispatcher.deliveries.size(), 3u) << "no burst of missed fires";
  Run("2026-03-01T13:04:30Z");
  EXPECT_EQ(dispatcher.deliveries.size(), 5u);
}

TEST_F(SchedulesTest, RestartFiresAMissedOneTimeScheduleOnceWithinItsMaximumEventAge) {
  Create("recent", Body("at(2026-03-01T12:10:00)", "", R"(,"RetryPolicy":{"MaximumEventAgeInSeconds":3600})"));
  Create("stale", Body("at(2026-03-01T12:10:00)", R"(,"ActionAfterCompletion":"DELETE")",
                       R"(,"RetryPolicy":{"MaximumEventAgeInSeconds":60})"));
  clock.Set(Utc("2026-03-01T12:40:00Z"));  // was down from 12:05 to 12:40
  s = Make();
  ASSERT_TRUE(s->Recover().ok());
  s->Tick();
  ASSERT_EQ(dispatcher.deliveries.size(), 1u);
  EXPECT_EQ(dispatcher.deliveries[0].source_arn, "arn:aws:scheduler:us-east-1:000000000000:schedule/default/recent");
  EXPECT_EQ(Context(dispatcher.deliveries[0], "SCHEDULED_TIME"), "2026-03-01T12:10:00Z");
  EXPECT_FALSE(s->GetSchedule(ctx, "default", "stale")) << "too old: completed without firing, then deleted";
  auto recent = s->GetSchedule(ctx, "default", "recent");
  ASSERT_TRUE(recent);
  EXPECT_TRUE(recent->completed);
  s = Make();
  ASSERT_TRUE(s->Recover().ok());
  Run("2026-03-01T14:00:00Z");
  EXPECT_EQ(dispatcher.deliveries.size(), 1u);
}

TEST_F(SchedulesTest, OneTimeScheduleCreatedInThePastFiresAtOnceWhenRecentEnough) {
  Create("late", Body("at(2026-03-01T12:00:00)"));
  EXPECT_EQ(s->PendingFireMs(ctx, "default", "late"), clock.NowMs());
  Create("ancient", Body("at(2025-01-01T00:00:00)"));
  EXPECT_FALSE(s->PendingFireMs(ctx, "default", "ancient"));
  s->Tick();
  EXPECT_EQ(dispatcher.deliveries.size(), 1u);
}

TEST_F(SchedulesTest, RecoverRestoresSchedulesAndGroupsAsStored) {
  ASSERT_TRUE(s->CreateGroup(ctx, "jobs", {{"team", "a"}}));
  Create("full", R"j({"ScheduleExpression":"cron(0 6 ? * MON-FRI *)","ScheduleExpressionTimezone":"Asia/Seoul",
      "GroupName":"jobs","Description":"d","State":"DISABLED","ActionAfterCompletion":"NONE",
      "StartDate":1772400000.5,"EndDate":1900000000,"KmsKeyArn":"arn:aws:kms:us-east-1:000000000000:key/k1",
      "FlexibleTimeWindow":{"Mode":"FLEXIBLE","MaximumWindowInMinutes":5},
      "Target":{"Arn":"arn:aws:sqs:us-east-1:000000000000:q","RoleArn":")j" + std::string(kRole) + R"j(","Input":"x",
        "RetryPolicy":{"MaximumRetryAttempts":0,"MaximumEventAgeInSeconds":60},
        "DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:000000000000:dlq"},"SqsParameters":{},
        "EventBridgeParameters":{"DetailType":"t","Source":"s"}}})j");
  auto before = s->GetSchedule(ctx, "jobs", "full");
  ASSERT_TRUE(before);
  s = Make();
  ASSERT_TRUE(s->Recover().ok());
  auto after = s->GetSchedule(ctx, "jobs", "full");
  ASSERT_TRUE(after);
  EXPECT_EQ(boost::json::serialize(ScheduleToJson(*after)), boost::json::serialize(ScheduleToJson(*before)));
  EXPECT_EQ(after->spec.start_date_ms, 1772400000500);
  auto group = s->GetGroup(ctx, "jobs");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->tags, (std::map<std::string, std::string>{{"team", "a"}}));
}

// ---- Validation, conflicts, groups ----

TEST_F(SchedulesTest, StartDateMayNotBeMoreThanFiveMinutesInThePast) {
  Error e = CreateError("old", Body("rate(1 hour)", ",\"StartDate\":" + Seconds(clock.NowMs() - 6 * kMinute)));
  EXPECT_EQ(e.code, Errc::kValidation);
  EXPECT_EQ(e.message, "The StartDate you specify cannot be earlier than 5 minutes ago.");
  Create("recent", Body("rate(1 hour)", ",\"StartDate\":" + Seconds(clock.NowMs() - 4 * kMinute)));
  Create("one-time", Body("at(2026-04-01T00:00:00)", ",\"StartDate\":" + Seconds(clock.NowMs() - 60 * kMinute)));
}

TEST_F(SchedulesTest, NamesAreUniquePerGroupAndGroupsMustExist) {
  Create("dup", Body("rate(1 hour)"));
  Error e = CreateError("dup", Body("rate(2 hours)"));
  EXPECT_EQ(e.code, Errc::kConflict);
  EXPECT_EQ(e.message, "Schedule dup already exists.");
  EXPECT_EQ(Info(e.code).http_status, 409);

  e = CreateError("x", Body("rate(1 hour)", R"(,"GroupName":"nope")"));
  EXPECT_EQ(e.code, Errc::kResourceNotFound);
  EXPECT_EQ(e.message, "Schedule group nope does not exist.");

  ASSERT_TRUE(s->CreateGroup(ctx, "other", {}));
  Create("dup", Body("rate(1 hour)", R"(,"GroupName":"other")"));
  auto r = s->GetSchedule(ctx, "other", "dup");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Arn(), "arn:aws:scheduler:us-east-1:000000000000:schedule/other/dup");

  auto missing = s->UpdateSchedule(ctx, Spec("ghost", Body("rate(1 hour)")));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kResourceNotFound);
  EXPECT_EQ(missing.error().message, "Schedule ghost does not exist.");
  EXPECT_EQ(Info(missing.error().code).http_status, 404);
  auto del = s->DeleteSchedule(ctx, "default", "ghost");
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().message, "Schedule ghost does not exist.");
  RequestContext eu{"eu-west-1", "000000000000"};
  EXPECT_FALSE(s->GetSchedule(eu, "default", "dup")) << "regions are separate";
}

TEST_F(SchedulesTest, DeletingAGroupDeletesItsSchedules) {
  ASSERT_TRUE(s->CreateGroup(ctx, "batch", {}));
  Create("a", Body("rate(1 minute)", R"(,"GroupName":"batch")"));
  Create("b", Body("rate(1 minute)", R"(,"GroupName":"batch")"));
  Create("a", Body("rate(1 minute)"));
  auto conflict = s->CreateGroup(ctx, "batch", {});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().message, "Schedule group batch already exists.");
  EXPECT_EQ(s->CreateGroup(ctx, "default", {}).error().code, Errc::kConflict);

  auto deleted = s->DeleteGroup(ctx, "batch");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(store.atomic_appends, 1);
  EXPECT_FALSE(s->GetSchedule(ctx, "batch", "a"));
  EXPECT_FALSE(s->GetSchedule(ctx, "batch", "b"));
  EXPECT_TRUE(s->GetSchedule(ctx, "default", "a"));
  EXPECT_FALSE(s->GetGroup(ctx, "batch"));
  for (const auto& [k, v] : store.meta) EXPECT_EQ(k.find("/batch"), std::string::npos) << k;
  s->Tick();
  EXPECT_EQ(dispatcher.deliveries.size(), 1u) << "only default/a fires";

  auto def = s->DeleteGroup(ctx, "default");
  ASSERT_FALSE(def);
  EXPECT_EQ(def.error().code, Errc::kValidation);
  EXPECT_EQ(s->DeleteGroup(ctx, "batch").error().message, "Schedule group batch does not exist.");
}

TEST_F(SchedulesTest, ListsPageInNameOrderWithFilters) {
  ASSERT_TRUE(s->CreateGroup(ctx, "g2", {}));
  for (const char* name : {"b", "a", "c", "d"}) Create(name, Body("rate(1 hour)"));
  Create("a", Body("rate(1 hour)", R"(,"GroupName":"g2","State":"DISABLED")"));
  ListSchedulesQuery q;
  q.max_results = 2;
  auto p1 = s->ListSchedules(ctx, q);
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->items.size(), 2u);
  EXPECT_EQ(p1->items[0].spec.name, "a");
  EXPECT_EQ(p1->items[1].spec.name, "b");
  ASSERT_FALSE(p1->next_token.empty());
  q.next_token = p1->next_token;
  auto p2 = s->ListSchedules(ctx, q);
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_EQ(p2->items[0].spec.name, "c");
  q.next_token = p2->next_token;
  auto p3 = s->ListSchedules(ctx, q);
  ASSERT_TRUE(p3);
  ASSERT_EQ(p3->items.size(), 1u);
  EXPECT_EQ(p3->items[0].spec.group, "g2");
  EXPECT_TRUE(p3->next_token.empty());

  ListSchedulesQuery disabled;
  disabled.enabled = false;
  EXPECT_EQ(s->ListSchedules(ctx, disabled)->items.size(), 1u);
  ListSchedulesQuery in_g2;
  in_g2.group = "g2";
  EXPECT_EQ(s->ListSchedules(ctx, in_g2)->items.size(), 1u);
  ListSchedulesQuery prefixed;
  prefixed.name_prefix = "c";
  EXPECT_EQ(s->ListSchedules(ctx, prefixed)->items.size(), 1u);
  ListSchedulesQuery bad_group;
  bad_group.group = "nope";
  EXPECT_EQ(s->ListSchedules(ctx, bad_group).error().code, Errc::kResourceNotFound);
  ListSchedulesQuery bad_token;
  bad_token.next_token = "!!";
  EXPECT_EQ(s->ListSchedules(ctx, bad_token).error().code, Errc::kValidation);

  ListGroupsQuery gq;
  auto groups = s->ListGroups(ctx, gq);
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->items.size(), 2u);
  EXPECT_EQ(groups->items[0].name, "default");
  EXPECT_EQ(groups->items[1].name, "g2");
  gq.max_results = 1;
  auto g1 = s->ListGroups(ctx, gq);
  ASSERT_EQ(g1->items.size(), 1u);
  gq.next_token = g1->next_token;
  auto g2 = s->ListGroups(ctx, gq);
  ASSERT_EQ(g2->items.size(), 1u);
  EXPECT_EQ(g2->items[0].name, "g2");
  EXPECT_TRUE(g2->next_token.empty());
}

TEST_F(SchedulesTest, TagsBelongToScheduleGroups) {
  auto created = s->CreateGroup(ctx, "tagged", {{"a", "1"}});
  ASSERT_TRUE(created);
  EXPECT_EQ(created->arn, "arn:aws:scheduler:us-east-1:000000000000:schedule-group/tagged");
  ASSERT_TRUE(s->Tag(created->arn, {{"b", "2"}, {"a", "3"}}));
  EXPECT_EQ(*s->ListTags(created->arn), (std::map<std::string, std::string>{{"a", "3"}, {"b", "2"}}));
  ASSERT_TRUE(s->Untag(created->arn, {"a", "zzz"}));
  EXPECT_EQ(*s->ListTags(created->arn), (std::map<std::string, std::string>{{"b", "2"}}));
  const std::string def = "arn:aws:scheduler:us-east-1:000000000000:schedule-group/default";
  ASSERT_TRUE(s->Tag(def, {{"k", "v"}}));
  EXPECT_EQ(s->ListTags(def)->size(), 1u);
  EXPECT_EQ(s->ListTags("arn:aws:scheduler:us-east-1:000000000000:schedule-group/none").error().message,
            "Schedule group none does not exist.");
}

// ---- Request parsing ----

Error ParseError(const std::string& body, const std::string& name = "n") {
  auto spec = ParseScheduleRequest(name, boost::json::parse(body).as_object());
  EXPECT_FALSE(spec) << body;
  return spec ? Error{} : spec.error();
}

TEST(ParseScheduleRequestTest, DefaultsFollowAws) {
  ScheduleSpec s = Spec("n", Body("rate(1 hour)"));
  EXPECT_EQ(s.group, "default");
  EXPECT_EQ(s.timezone, "UTC");
  EXPECT_TRUE(s.enabled);
  EXPECT_FALSE(s.delete_after_completion);
  EXPECT_EQ(s.target.retry.maximum_retry_attempts, 185);
  EXPECT_EQ(s.target.retry.maximum_event_age_seconds, 86400);
  ScheduleRecord r{"us-east-1", "000000000000", s, 1'700'000'000'000, 1'700'000'000'500, false};
  boost::json::object o = ScheduleToJson(r);
  EXPECT_EQ(o["ActionAfterCompletion"], "NONE");
  EXPECT_EQ(o["ScheduleExpressionTimezone"], "UTC");
  EXPECT_EQ(o["FlexibleTimeWindow"], (boost::json::object{{"Mode", "OFF"}}));
  EXPECT_FALSE(o.contains("Description"));
  EXPECT_FALSE(o.contains("StartDate"));
  EXPECT_EQ(o["Target"].at("RetryPolicy"),
            (boost::json::object{{"MaximumEventAgeInSeconds", 86400}, {"MaximumRetryAttempts", 185}}));
  EXPECT_EQ(o["LastModificationDate"].as_double(), 1700000000.5);
  boost::json::object summary = ScheduleSummaryJson(r);
  EXPECT_EQ(summary["Target"], (boost::json::object{{"Arn", kFunction}}));
  EXPECT_EQ(summary.size(), 7u);
}

TEST(ParseScheduleRequestTest, RequiredMembers) {
  EXPECT_EQ(ParseError("{}").message,
            "3 validation errors detected: Value null at 'scheduleExpression' failed to satisfy constraint: "
            "Member must not be null; Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member "
            "must not be null; Value null at 'target' failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(ParseError(R"j({"ScheduleExpression":"rate(1 hour)","FlexibleTimeWindow":{},"Target":{}})j").message,
            "3 validation errors detected: Value null at 'flexibleTimeWindow.mode' failed to satisfy "
            "constraint: Member must not be null; Value null at 'target.arn' failed to satisfy constraint: "
            "Member must not be null; Value null at 'target.roleArn' failed to satisfy constraint: Member "
            "must not be null");
}

TEST(ParseScheduleRequestTest, ModelConstraints) {
  EXPECT_EQ(ParseError(Body("rate(1 hour)"), "bad/name").message,
            "1 validation error detected: Value 'bad/name' at 'name' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$");
  EXPECT_EQ(ParseError(Body("rate(1 hour)"), std::string(65, 'a')).message,
            "1 validation error detected: Value '" + std::string(65, 'a') +
                "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"State":"ON")")).message,
            "1 validation error detected: Value 'ON' at 'state' failed to satisfy constraint: Member must "
            "satisfy enum value set: [ENABLED, DISABLED]");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"ActionAfterCompletion":"KEEP")")).message,
            "1 validation error detected: Value 'KEEP' at 'actionAfterCompletion' failed to satisfy "
            "constraint: Member must satisfy enum value set: [NONE, DELETE]");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", "", "", R"({"Mode":"SOMETIMES"})")).message,
            "1 validation error detected: Value 'SOMETIMES' at 'flexibleTimeWindow.mode' failed to satisfy "
            "constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", "", "", R"({"Mode":"FLEXIBLE","MaximumWindowInMinutes":1441})"))
                .message,
            "1 validation error detected: Value '1441' at 'flexibleTimeWindow.maximumWindowInMinutes' failed "
            "to satisfy constraint: Member must have value less than or equal to 1440");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", "", R"(,"RetryPolicy":{"MaximumRetryAttempts":186,"MaximumEventAgeInSeconds":59})"))
                .message,
            "2 validation errors detected: Value '59' at 'target.retryPolicy.maximumEventAgeInSeconds' failed "
            "to satisfy constraint: Member must have value greater than or equal to 60; Value '186' at "
            "'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value "
            "less than or equal to 185");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", "", R"(,"DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo"})"))
                .message,
            "1 validation error detected: Value 'arn:aws:sqs:us-east-1:000000000000:dlq.fifo' at "
            "'target.deadLetterConfig.arn' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$");
  const std::string bad_role = R"j({"ScheduleExpression":"rate(1 hour)","FlexibleTimeWindow":{"Mode":"OFF"},
      "Target":{"Arn":"arn:aws:lambda:us-east-1:000000000000:function:fn","RoleArn":"role"}})j";
  EXPECT_EQ(ParseError(bad_role).message,
            "1 validation error detected: Value 'role' at 'target.roleArn' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", ",\"Description\":\"" + std::string(513, 'd') + "\"")).message,
            "1 validation error detected: Value '" + std::string(513, 'd') +
                "' at 'description' failed to satisfy constraint: Member must have length less than or equal to 512");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"KmsKeyArn":"key")")).message,
            "1 validation error detected: Value 'key' at 'kmsKeyArn' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:kms:[a-z0-9\\-]+:\\d{12}:(key|alias)\\/[0-9a-zA-Z-_]*$");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"GroupName":"a b")")).message,
            "1 validation error detected: Value 'a b' at 'groupName' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"ClientToken":"a b")")).message,
            "1 validation error detected: Value 'a b' at 'clientToken' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"State":true)")).message,
            "Invalid type for member state: expected a string.");
}

TEST(ParseScheduleRequestTest, ExpressionTimeZoneAndWindowRules) {
  for (const char* bad : {"rate(10 seconds)", "cron(0 1 * * * *)", "at(2021-12-31T23:59:59Z)", "at(2021-12-31)",
                          " rate(10 minutes)", "every day"}) {
    Error e = ParseError(Body(bad));
    EXPECT_EQ(e.code, Errc::kValidation);
    EXPECT_EQ(e.message, "Invalid Schedule Expression " + std::string(bad) + ".");
  }
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"ScheduleExpressionTimezone":"Mars/Olympus")")).message,
            "Invalid ScheduleExpressionTimezone Mars/Olympus.");
  EXPECT_EQ(ParseError(Body("rate(1 hour)", "", "", R"({"Mode":"FLEXIBLE"})")).code, Errc::kValidation);
  EXPECT_EQ(ParseError(Body("rate(1 hour)", "", "", R"({"Mode":"OFF","MaximumWindowInMinutes":5})")).code,
            Errc::kValidation);
  EXPECT_EQ(ParseError(Body("rate(1 hour)", R"(,"StartDate":1800000000,"EndDate":1700000000)")).message,
            "The EndDate you specify must be after the StartDate.");
  EXPECT_TRUE(ParseScheduleRequest("n", boost::json::parse(Body("cron(0/5 8-17 ? * MON-FRI *)")).as_object()));
}

TEST(ParseTagsTest, Constraints) {
  auto ok = ParseTags(nullptr, "tags");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->empty());
  boost::json::value tags = boost::json::parse(R"([{"Key":"a","Value":"1"},{"Key":"","Value":"2"},{"Key":"c"}])");
  auto bad = ParseTags(&tags, "tags");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "2 validation errors detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: Member "
            "must have length greater than or equal to 1; Value null at 'tags.3.member.value' failed to "
            "satisfy constraint: Member must not be null");
}

TEST(GroupArnTest, OnlyScheduleGroupArnsParse) {
  auto g = ParseGroupArn("arn:aws:scheduler:eu-west-1:123456789012:schedule-group/g.1");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->region, "eu-west-1");
  EXPECT_EQ(g->account, "123456789012");
  EXPECT_EQ(g->name, "g.1");
  EXPECT_FALSE(ParseGroupArn("arn:aws:scheduler:eu-west-1:123456789012:schedule/default/s"));
  EXPECT_FALSE(ParseGroupArn("arn:aws:scheduler:eu-west-1:1234:schedule-group/g"));
}

// ---- The dead-letter event ----

TEST(ScheduleDeadLetterTest, CarriesTheFailureAsMessageAttributes) {
  events::Delivery d;
  d.target_arn = kFunction;
  d.payload = R"({"job":1})";
  d.source_arn = "arn:aws:scheduler:us-east-1:000000000000:schedule/default/s";
  d.retry.maximum_retry_attempts = 2;
  d.dead_letter_context = {{"EXECUTION_ID", "e-1"}, {"SCHEDULED_TIME", "2026-03-01T21:00:00Z"}};
  events::DeadLetterMessage m = events::FormatScheduleDeadLetter(d, "ResourceNotFoundException", "gone", 3,
                                                                 "MaximumRetryAttempts");
  EXPECT_EQ(m.body, R"({"job":1})");
  std::map<std::string, std::string> attrs(m.attributes.begin(), m.attributes.end());
  EXPECT_EQ(attrs, (std::map<std::string, std::string>{{"ERROR_CODE", "ResourceNotFoundException"},
                                                       {"ERROR_MESSAGE", "gone"},
                                                       {"EXECUTION_ID", "e-1"},
                                                       {"EXHAUSTED_RETRY_CONDITION", "MaximumRetryAttempts"},
                                                       {"IS_PAYLOAD_TRUNCATED", "false"},
                                                       {"RETRY_ATTEMPTS", "2"},
                                                       {"SCHEDULED_TIME", "2026-03-01T21:00:00Z"},
                                                       {"SCHEDULE_ARN", d.source_arn},
                                                       {"TARGET_ARN", kFunction}}));
  d.retry.maximum_retry_attempts = 185;
  m = events::FormatScheduleDeadLetter(d, "THROTTLING", "slow down", 9, "MaximumEventAgeInSeconds");
  attrs = {m.attributes.begin(), m.attributes.end()};
  EXPECT_EQ(attrs["EXHAUSTED_RETRY_CONDITION"], "MaximumEventAgeInSeconds");
  EXPECT_EQ(attrs["RETRY_ATTEMPTS"], "8");

  d.payload = std::string(300 * 1024, 'x');
  m = events::FormatScheduleDeadLetter(d, "E", "m", 1, "MaximumRetryAttempts");
  attrs = {m.attributes.begin(), m.attributes.end()};
  EXPECT_EQ(attrs["IS_PAYLOAD_TRUNCATED"], "true");
  EXPECT_LT(m.body.size(), 256u * 1024);
}

}  // namespace
}  // namespace eddy::scheduler
