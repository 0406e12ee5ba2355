#include "events/schedule_expression.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace eddy::events {
namespace {

using Dialect = ScheduleExpression::Dialect;
using Kind = ScheduleExpression::Kind;

cctz::time_zone Zone(const std::string& name) {
  auto tz = LoadTimeZone(name);
  EXPECT_TRUE(tz.has_value()) << name;
  return tz.value_or(cctz::utc_time_zone());
}

// Epoch ms of a civil time in `tz` (UTC by default).
int64_t Ms(int year, int month, int day, int hour, int minute, int second,
           const cctz::time_zone& tz = cctz::utc_time_zone()) {
  const cctz::civil_second civil(year, month, day, hour, minute, second);
  return std::chrono::duration_cast<std::chrono::milliseconds>(cctz::convert(civil, tz).time_since_epoch()).count();
}

// "2026-03-07T02:30:00-05:00": the offset makes DST visible in expectations.
std::string Local(int64_t ms, const cctz::time_zone& tz) {
  const std::chrono::system_clock::time_point tp{std::chrono::milliseconds(ms)};
  return cctz::format("%Y-%m-%dT%H:%M:%S%Ez", tp, tz);
}

ScheduleExpression MustParse(std::string_view text, Dialect dialect = Dialect::kScheduler) {
  auto expression = ScheduleExpression::Parse(text, dialect);
  EXPECT_TRUE(expression.has_value()) << text;
  return expression.value_or(*ScheduleExpression::Parse("rate(1 day)", Dialect::kRule));
}

// The next `count` fire times after `after_ms`, each fed back as the next `after`.
std::vector<std::string> Fires(std::string_view text, const std::string& zone, int64_t after_ms, int count,
                               int64_t anchor_ms = 0) {
  const auto tz = Zone(zone);
  const auto expression = MustParse(text);
  std::vector<std::string> fires;
  for (int i = 0; i < count; ++i) {
    const auto next = expression.NextFireAfter(after_ms, anchor_ms, tz);
    if (!next) {
      fires.push_back("never");
      break;
    }
    EXPECT_GT(*next, after_ms);
    fires.push_back(Local(*next, tz));
    after_ms = *next;
  }
  return fires;
}

using Strings = std::vector<std::string>;

TEST(ScheduleExpressionParse, ValidCronExamplesFromTheDocs) {
  for (const char* text : {"cron(0 10 * * ? *)", "cron(15 10 ? * 6L 2002-2005)", "cron(0 2 ? * SAT#3 *)",
                           "cron(0/5 8-17 ? * MON-FRI *)", "cron(* * ? * SAT#3 *)", "cron(0/5 5 ? JAN 1-5 2022)",
                           "cron(5,35 14 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
                           "cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0 12 * * ? *)"}) {
    for (auto dialect : {Dialect::kRule, Dialect::kScheduler}) {
      auto expression = ScheduleExpression::Parse(text, dialect);
      ASSERT_TRUE(expression.has_value()) << text;
      EXPECT_EQ(expression->kind(), Kind::kCron);
    }
  }
}

TEST(ScheduleExpressionParse, EveryWildcard) {
  for (const char* text : {
           "cron(*/15 * * * ? *)",         // * with step
           "cron(0-59/10 * * * ? *)",      // range with step
           "cron(1/10 0,12 * * ? *)",      // value with step, list
           "cron(05 06 ? * MON-FRI *)",    // leading zeros
           "cron(0 22-2 * * ? *)",         // range wrapping past midnight
           "cron(30 23 ? * SAT-THU *)",    // day range wrapping past the end of the week
           "cron(0 12 L * ? *)",           // last day of month
           "cron(0 12 LW * ? *)",          // last weekday of month
           "cron(0 12 15W * ? *)",         // weekday nearest the 15th
           "cron(0 12 1-15/2 * ? *)",      // day-of-month range with step
           "cron(0 12 ? * 6L *)",          // last Friday
           "cron(0 12 ? * FRIL *)",        // last Friday, by name
           "cron(0 12 ? * L *)",           // bare L in day-of-week: Saturday
           "cron(0 12 ? * 3#2 *)",         // second Tuesday
           "cron(0 12 ? * 1,3,5 *)",       // day-of-week list
           "cron(0 12 ? JAN,MAR-MAY * *)", // month names in list and range
           "cron(0 12 1 */3 ? *)",         // month step
           "cron(0 12 ? jan mon-fri *)",   // names are case-insensitive
           "cron(0 12 ? * fri#3 *)",       //
           "cron(0 12 l * ? *)",           //
           "cron(0 12 * * ? 1970-2199)",   // full year range
           "cron(0 12 * * ? 2024/2)",      // year step
           "cron(0 12 * * ? 2030,2040)",   // year list
       }) {
    EXPECT_TRUE(ScheduleExpression::Parse(text, Dialect::kRule).has_value()) << text;
  }
}

TEST(ScheduleExpressionParse, InvalidCron) {
  for (const char* text : {
           "cron(0 1 * * * *)",              // neither day field is ?
           "cron(0 1 ? * ? *)",              // both are ?
           "cron(71 8 1 * ? *)",             // minute out of range
           "cron(0 24 * * ? *)",             // hour out of range
           "cron(0 8 0 * ? *)",              // day 0
           "cron(0 8 32 * ? *)",             // day 32
           "cron(0 8 1 13 ? *)",             // month 13
           "cron(0 8 ? * 8 *)",              // day-of-week 8
           "cron(0 8 ? * 0 *)",              // day-of-week 0 (1 = SUN)
           "cron(0 8 1 * ? 1969)",           // year below range
           "cron(0 8 1 * ? 2200)",           // year above range
           "cron(0 8 1 * ? 2030-2020)",      // reversed year range
           "cron(0 8 1 NOT ? *)",            // unknown name
           "cron(0 8 ? * MONDAY *)",         // only three-letter names
           "cron(0 8 1 * ?)",                // five fields
           "cron(0 8 1 * ? * *)",            // seven fields
           "cron(0 8 1 * ? *  )",            // trailing space
           "cron( 0 8 1 * ? *)",             // leading space
           "cron(0  8 1 * ? *)",             // two spaces
           "cron(0\t8 1 * ? *)",             // tab
           " cron(0 8 1 * ? *)",             // space before
           "cron(0 8 1 * ? *) ",             // space after
           "CRON(0 8 1 * ? *)",              // keyword is lower case
           "cron(0 8 1 * ? *",               // unclosed
           "cron()",                         //
           "cron",                           //
           "",                               //
           "cron(0 8 ? * 3#1,6#3 *)",        // only one # term
           "cron(0 8 ? * 3#6 *)",            // no sixth week
           "cron(0 8 ? * 3#0 *)",            //
           "cron(0 8 ? * 8#1 *)",            //
           "cron(0 8 ? * 1/2 *)",            // day-of-week takes no step
           "cron(0 8 ? * 1,6L *)",           // L only alone
           "cron(0 8 L,15 * ? *)",           //
           "cron(0 8 1-5W * ? *)",           // W takes a single day
           "cron(0 8 W * ? *)",              //
           "cron(0 8 32W * ? *)",            //
           "cron(0 8 L-3 * ? *)",            // offset from last day: not documented by AWS
           "cron(0/0 8 1 * ? *)",            // zero step
           "cron(0/60 8 1 * ? *)",           // step larger than the field
           "cron(0/ 8 1 * ? *)",             //
           "cron(/5 8 1 * ? *)",             //
           "cron(0- 8 1 * ? *)",             //
           "cron(0,,5 8 1 * ? *)",           //
           "cron(0, 8 1 * ? *)",             //
           "cron(-1 8 1 * ? *)",             //
           "cron(0 8 1 * ? L)",              // L only in day fields
           "cron(0 8 1 * ? ?)",              // ? only in day fields
           "cron(0 8 1W * ? 2030W)",         //
           "cron(? 8 1 * ? *)",              //
       }) {
    EXPECT_FALSE(ScheduleExpression::Parse(text, Dialect::kRule).has_value()) << text;
    EXPECT_FALSE(ScheduleExpression::Parse(text, Dialect::kScheduler).has_value()) << text;
  }
}

TEST(ScheduleExpressionParse, RateSingularAndPlural) {
  const std::pair<const char*, int64_t> valid[] = {
      {"rate(1 minute)", 60'000},      {"rate(5 minutes)", 300'000},    {"rate(1 hour)", 3'600'000},
      {"rate(2 hours)", 7'200'000},    {"rate(1 day)", 86'400'000},     {"rate(7 days)", 7 * 86'400'000LL},
      {"rate(10 minutes)", 600'000},   {"rate(100 days)", 8'640'000'000LL},
  };
  for (const auto& [text, period] : valid) {
    for (auto dialect : {Dialect::kRule, Dialect::kScheduler}) {
      auto expression = ScheduleExpression::Parse(text, dialect);
      ASSERT_TRUE(expression.has_value()) << text;
      EXPECT_EQ(expression->kind(), Kind::kRate);
      EXPECT_EQ(expression->rate_period_ms(), period) << text;
    }
  }
  for (const char* text : {"rate(1 minutes)", "rate(10 minute)", "rate(1 hours)", "rate(2 hour)", "rate(1 days)",
                           "rate(2 day)", "rate(10 seconds)", "rate(1 second)", "rate(10 years)", "rate(1 week)",
                           "rate(0 minutes)", "rate(-10 minutes)", "rate(10 MINUTES)", "rate(10 Minutes)", "rate(10)",
                           "rate()", "rate( 10 minutes )", " rate(10 minutes)", "rate(10 minutes) ",
                           "rate(10  minutes)", "rate(10minutes)", "rate(1.5 hours)", "rate(+10 minutes)",
                           "rate(010 minutes)", "RATE(10 minutes)", "rate(10 minutes", "rate 10 minutes",
                           "rate(9999999999 minutes)"}) {
    EXPECT_FALSE(ScheduleExpression::Parse(text, Dialect::kRule).has_value()) << text;
    EXPECT_FALSE(ScheduleExpression::Parse(text, Dialect::kScheduler).has_value()) << text;
  }
}

TEST(ScheduleExpressionParse, AtOnlyInSchedulerDialect) {
  auto at = ScheduleExpression::Parse("at(2022-11-20T13:00:00)", Dialect::kScheduler);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->kind(), Kind::kAt);
  EXPECT_EQ(at->at_time(), cctz::civil_second(2022, 11, 20, 13, 0, 0));
  EXPECT_TRUE(ScheduleExpression::Parse("at(2024-02-29T23:59:59)", Dialect::kScheduler).has_value());
  EXPECT_FALSE(ScheduleExpression::Parse("at(2022-11-20T13:00:00)", Dialect::kRule).has_value());

  for (const char* text : {"at(2021-12-31T23:59:59Z)", "at(2021-12-31)", "at(2021-12-31T23:59)",
                           "at(2021-12-31 23:59:59)", "at(2021-12-31t23:59:59)", "at(2021-12-31T23:59:59.000)",
                           "at(2021-12-31T23:59:59+09:00)", "at(2021-02-29T00:00:00)", "at(2021-04-31T00:00:00)",
                           "at(2021-13-01T00:00:00)", "at(2021-00-01T00:00:00)", "at(2021-12-00T00:00:00)",
                           "at(2021-12-31T24:00:00)", "at(2021-12-31T23:60:00)", "at(2021-12-31T23:59:60)",
                           "at(21-12-31T23:59:59)", "at(2021-1-31T23:59:59)", "at( 2021-12-31T23:59:59)",
                           "at()", "AT(2021-12-31T23:59:59)", " at(2021-12-31T23:59:59)"}) {
    EXPECT_FALSE(ScheduleExpression::Parse(text, Dialect::kScheduler).has_value()) << text;
  }
}

TEST(ScheduleExpressionTimeZone, LoadsIanaNamesOnly) {
  for (const char* name : {"UTC", "Asia/Seoul", "America/New_York", "Europe/London", "America/Argentina/Buenos_Aires",
                           "Etc/GMT+5"}) {
    EXPECT_TRUE(LoadTimeZone(name).has_value()) << name;
  }
  for (const char* name : {"", "Mars/Olympus_Mons", "utc", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "localtime",
                           "Fixed/UTC+09:00:00", "Asia/Seoul ", "posix/Asia/Seoul", "right/UTC", "+09:00"}) {
    EXPECT_FALSE(LoadTimeZone(name).has_value()) << name;
  }
}

TEST(ScheduleExpressionNextFire, DailyUtc) {
  const int64_t noon = Ms(2026, 3, 1, 12, 0, 0);
  EXPECT_EQ(Fires("cron(0 21 * * ? *)", "UTC", noon, 3),
            (Strings{"2026-03-01T21:00:00+00:00", "2026-03-02T21:00:00+00:00", "2026-03-03T21:00:00+00:00"}));
  const auto expression = MustParse("cron(0 21 * * ? *)");
  const auto utc = cctz::utc_time_zone();
  const int64_t nine_pm = Ms(2026, 3, 1, 21, 0, 0);
  // Strictly after: the fire time itself yields the next day; a millisecond earlier yields itself.
  EXPECT_EQ(expression.NextFireAfter(nine_pm, 0, utc), Ms(2026, 3, 2, 21, 0, 0));
  EXPECT_EQ(expression.NextFireAfter(nine_pm - 1, 0, utc), nine_pm);
  EXPECT_EQ(expression.NextFireAfter(nine_pm + 500, 0, utc), Ms(2026, 3, 2, 21, 0, 0));
}

TEST(ScheduleExpressionNextFire, EveryFifteenMinutesAndRangesWithSteps) {
  const int64_t start = Ms(2026, 3, 1, 12, 7, 30);
  EXPECT_EQ(Fires("cron(*/15 * * * ? *)", "UTC", start, 4),
            (Strings{"2026-03-01T12:15:00+00:00", "2026-03-01T12:30:00+00:00", "2026-03-01T12:45:00+00:00",
                     "2026-03-01T13:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(1/20 10-11 * * ? *)", "UTC", start, 4),
            (Strings{"2026-03-02T10:01:00+00:00", "2026-03-02T10:21:00+00:00", "2026-03-02T10:41:00+00:00",
                     "2026-03-02T11:01:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 22-1/2 * * ? *)", "UTC", start, 3),
            (Strings{"2026-03-01T22:00:00+00:00", "2026-03-02T00:00:00+00:00", "2026-03-02T22:00:00+00:00"}));
  // 2026-03-01 is a Sunday.
  EXPECT_EQ(Fires("cron(0 9 ? * MON-FRI *)", "UTC", start, 3),
            (Strings{"2026-03-02T09:00:00+00:00", "2026-03-03T09:00:00+00:00", "2026-03-04T09:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 9 ? * FRI-MON *)", "UTC", start, 4),
            (Strings{"2026-03-02T09:00:00+00:00", "2026-03-06T09:00:00+00:00", "2026-03-07T09:00:00+00:00",
                     "2026-03-08T09:00:00+00:00"}));
}

TEST(ScheduleExpressionNextFire, CivilTimeInAnotherZone) {
  // 06:00 in Seoul (UTC+9, no DST) is 21:00 UTC the day before.
  const auto expression = MustParse("cron(0 6 * * ? *)");
  const auto seoul = Zone("Asia/Seoul");
  const int64_t start = Ms(2026, 3, 1, 0, 0, 0);  // 09:00 KST
  EXPECT_EQ(expression.NextFireAfter(start, 0, seoul), Ms(2026, 3, 1, 21, 0, 0));
  EXPECT_EQ(expression.NextFireAfter(Ms(2026, 3, 1, 21, 0, 0), 0, seoul), Ms(2026, 3, 2, 21, 0, 0));
}

TEST(ScheduleExpressionNextFire, SpringForwardSkipsTheMissingTime) {
  // New York: 2026-03-08 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day.
  EXPECT_EQ(Fires("cron(30 2 * * ? *)", "America/New_York", Ms(2026, 3, 6, 12, 0, 0), 3),
            (Strings{"2026-03-07T02:30:00-05:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"}));
  EXPECT_EQ(Fires("cron(0/30 * * * ? *)", "America/New_York", Ms(2026, 3, 8, 1, 0, 0, Zone("America/New_York")), 3),
            (Strings{"2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"}));
}

TEST(ScheduleExpressionNextFire, FallBackFiresTheRepeatedTimeOnce) {
  // New York: 2026-11-01 02:00 EDT falls back to 01:00 EST; 01:00-01:59 happens twice.
  const auto ny = Zone("America/New_York");
  EXPECT_EQ(Fires("cron(30 1 * * ? *)", "America/New_York", Ms(2026, 10, 30, 12, 0, 0), 3),
            (Strings{"2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}));
  // Asked from inside the second pass of the repeated hour: the first 01:30 is past, the second never fires.
  const auto expression = MustParse("cron(30 1 * * ? *)");
  const int64_t second_pass_0110 = Ms(2026, 11, 1, 6, 10, 0);  // 01:10 EST
  EXPECT_EQ(Local(*expression.NextFireAfter(second_pass_0110, 0, ny), ny), "2026-11-02T01:30:00-05:00");

  EXPECT_EQ(Fires("cron(0 * * * ? *)", "America/New_York", Ms(2026, 11, 1, 4, 30, 0), 4),
            (Strings{"2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00",
                     "2026-11-01T04:00:00-05:00"}));
  EXPECT_EQ(Fires("cron(0/30 * * * ? *)", "America/New_York", Ms(2026, 11, 1, 4, 50, 0), 3),
            (Strings{"2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T02:00:00-05:00"}));
  // From the second pass at 01:10 EST, 01:30 (repeated) is skipped.
  EXPECT_EQ(Fires("cron(0/30 * * * ? *)", "America/New_York", second_pass_0110, 1),
            (Strings{"2026-11-01T02:00:00-05:00"}));
}

TEST(ScheduleExpressionNextFire, LastAndNthWeekdays) {
  const int64_t start = Ms(2026, 1, 1, 0, 0, 0);
  EXPECT_EQ(Fires("cron(0 12 ? * 6L *)", "UTC", start, 4),
            (Strings{"2026-01-30T12:00:00+00:00", "2026-02-27T12:00:00+00:00", "2026-03-27T12:00:00+00:00",
                     "2026-04-24T12:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 12 ? * FRIL *)", "UTC", start, 1), (Strings{"2026-01-30T12:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 12 ? * 3#2 *)", "UTC", start, 4),
            (Strings{"2026-01-13T12:00:00+00:00", "2026-02-10T12:00:00+00:00", "2026-03-10T12:00:00+00:00",
                     "2026-04-14T12:00:00+00:00"}));
  // A fifth Tuesday exists only in some months (2026: March, June, September, December).
  EXPECT_EQ(Fires("cron(0 12 ? * TUE#5 *)", "UTC", start, 2),
            (Strings{"2026-03-31T12:00:00+00:00", "2026-06-30T12:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 12 ? * L *)", "UTC", start, 2),  // bare L = Saturday
            (Strings{"2026-01-03T12:00:00+00:00", "2026-01-10T12:00:00+00:00"}));
}

TEST(ScheduleExpressionNextFire, LastDayAndWeekdays) {
  const int64_t start = Ms(2026, 1, 1, 0, 0, 0);
  EXPECT_EQ(Fires("cron(0 12 L * ? *)", "UTC", start, 4),
            (Strings{"2026-01-31T12:00:00+00:00", "2026-02-28T12:00:00+00:00", "2026-03-31T12:00:00+00:00",
                     "2026-04-30T12:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 12 L 2 ? 2028)", "UTC", start, 2), (Strings{"2028-02-29T12:00:00+00:00", "never"}));
  // Jan 31 and Feb 28 2026 are Saturdays.
  EXPECT_EQ(Fires("cron(0 12 LW * ? *)", "UTC", start, 4),
            (Strings{"2026-01-30T12:00:00+00:00", "2026-02-27T12:00:00+00:00", "2026-03-31T12:00:00+00:00",
                     "2026-04-30T12:00:00+00:00"}));
  // The 15th of Feb and Mar 2026 is a Sunday -> Monday 16th; Aug 15 is a Saturday -> Friday 14th.
  EXPECT_EQ(Fires("cron(0 12 15W * ? *)", "UTC", start, 4),
            (Strings{"2026-01-15T12:00:00+00:00", "2026-02-16T12:00:00+00:00", "2026-03-16T12:00:00+00:00",
                     "2026-04-15T12:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 12 15W 8 ? *)", "UTC", start, 1), (Strings{"2026-08-14T12:00:00+00:00"}));
  // Never crossing the month: Aug 1 2026 is a Saturday -> Monday 3rd; May 31 a Sunday -> Friday 29th.
  EXPECT_EQ(Fires("cron(0 12 1W 8 ? *)", "UTC", start, 1), (Strings{"2026-08-03T12:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 12 31W 5 ? *)", "UTC", start, 1), (Strings{"2026-05-29T12:00:00+00:00"}));
}

TEST(ScheduleExpressionNextFire, RareAndNeverWithoutPerMinuteLoops) {
  const int64_t start = Ms(2026, 3, 1, 0, 0, 0);
  EXPECT_EQ(Fires("cron(0 0 29 2 ? *)", "UTC", start, 2),
            (Strings{"2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"}));
  EXPECT_EQ(Fires("cron(0 0 1 1 ? 2199)", "UTC", start, 2), (Strings{"2199-01-01T00:00:00+00:00", "never"}));
  EXPECT_EQ(Fires("cron(0 0 1 1 ? 2150-2160/5)", "UTC", start, 4),
            (Strings{"2150-01-01T00:00:00+00:00", "2155-01-01T00:00:00+00:00", "2160-01-01T00:00:00+00:00",
                     "never"}));
  EXPECT_EQ(Fires("cron(0 10 * * ? 2022)", "UTC", start, 1), (Strings{"never"}));  // year already past
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(Fires("cron(0 0 30 2 ? *)", "America/New_York", start, 1), (Strings{"never"}));
  EXPECT_EQ(Fires("cron(59 23 31 4,6,9,11 ? *)", "UTC", start, 1), (Strings{"never"}));
  EXPECT_EQ(Fires("cron(* * ? 2 5#5 *)", "UTC", start, 1).size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1));
  EXPECT_EQ(Fires("cron(0 0 * * ? *)", "UTC", Ms(2200, 1, 1, 0, 0, 0), 1), (Strings{"never"}));
}

TEST(ScheduleExpressionNextFire, RateIsAnchoredAndAbsolute) {
  const auto expression = MustParse("rate(5 minutes)");
  const auto utc = cctz::utc_time_zone();
  const int64_t anchor = Ms(2026, 3, 1, 12, 0, 17) + 250;  // not aligned to the clock
  EXPECT_EQ(expression.NextFireAfter(anchor - 60'000, anchor, utc), anchor);
  EXPECT_EQ(expression.NextFireAfter(anchor, anchor, utc), anchor + 300'000);
  EXPECT_EQ(expression.NextFireAfter(anchor + 1, anchor, utc), anchor + 300'000);
  EXPECT_EQ(expression.NextFireAfter(anchor + 420'000, anchor, utc), anchor + 600'000);
  EXPECT_EQ(expression.NextFireAfter(anchor + 600'000, anchor, utc), anchor + 900'000);
  // rate(1 day) is 24 h even across a DST change, whatever the zone.
  const auto ny = Zone("America/New_York");
  EXPECT_EQ(Fires("rate(1 day)", "America/New_York", Ms(2026, 3, 7, 12, 0, 0), 2, Ms(2026, 3, 7, 12, 0, 0)),
            (Strings{"2026-03-08T08:00:00-04:00", "2026-03-09T08:00:00-04:00"}));
  EXPECT_EQ(MustParse("rate(2 hours)").NextFireAfter(Ms(2026, 3, 8, 6, 30, 0), Ms(2026, 3, 8, 5, 0, 0), ny),
            Ms(2026, 3, 8, 7, 0, 0));
}

TEST(ScheduleExpressionNextFire, AtFiresOnceInItsZone) {
  const auto expression = MustParse("at(2026-03-01T09:00:00)");
  const auto seoul = Zone("Asia/Seoul");
  const int64_t fire = Ms(2026, 3, 1, 0, 0, 0);  // 09:00 KST
  EXPECT_EQ(expression.NextFireAfter(fire - 3'600'000, 0, seoul), fire);
  EXPECT_EQ(expression.NextFireAfter(fire - 1, 0, seoul), fire);
  EXPECT_EQ(expression.NextFireAfter(fire, 0, seoul), std::nullopt);
  EXPECT_EQ(expression.NextFireAfter(fire + 1, 0, seoul), std::nullopt);
  EXPECT_EQ(expression.NextFireAfter(fire - 1, fire + 86'400'000, seoul), fire);  // anchor is ignored
  EXPECT_EQ(MustParse("at(2026-03-01T09:00:00)").NextFireAfter(fire + 1, 0, cctz::utc_time_zone()),
            Ms(2026, 3, 1, 9, 0, 0));
  // Seconds are kept.
  EXPECT_EQ(MustParse("at(2026-03-01T09:00:30)").NextFireAfter(0, 0, cctz::utc_time_zone()),
            Ms(2026, 3, 1, 9, 0, 30));
  // DST: a time in the spring-forward gap fires when the gap ends; a repeated time at its first occurrence.
  const auto ny = Zone("America/New_York");
  EXPECT_EQ(Local(*MustParse("at(2026-03-08T02:30:00)").NextFireAfter(0, 0, ny), ny), "2026-03-08T03:00:00-04:00");
  EXPECT_EQ(Local(*MustParse("at(2026-11-01T01:30:00)").NextFireAfter(0, 0, ny), ny), "2026-11-01T01:30:00-04:00");
}

// Cross-checks the day-by-day search against a minute-by-minute walk of absolute time around DST changes
// (including Lord Howe's 30-minute shift): a minute fires when its civil time matches (as judged in UTC,
// where there is no DST) and it is the first occurrence of that civil time.
TEST(ScheduleExpressionNextFire, AgreesWithMinuteByMinuteWalkAcrossDst) {
  const auto utc = cctz::utc_time_zone();
  struct Case {
    const char* zone;
    cctz::civil_second around;  // a DST change
  };
  const Case cases[] = {{"America/New_York", cctz::civil_second(2026, 3, 8, 2, 0, 0)},
                        {"America/New_York", cctz::civil_second(2026, 11, 1, 1, 0, 0)},
                        {"Europe/London", cctz::civil_second(2026, 3, 29, 1, 0, 0)},
                        {"Europe/London", cctz::civil_second(2026, 10, 25, 1, 0, 0)},
                        {"Australia/Lord_Howe", cctz::civil_second(2026, 4, 5, 1, 30, 0)},
                        {"Australia/Lord_Howe", cctz::civil_second(2026, 10, 4, 2, 0, 0)}};
  for (const char* text : {"cron(*/7 * * * ? *)", "cron(30 1,2 * * ? *)", "cron(0/20 0-3 ? * SUN *)",
                           "cron(15,45 * * * ? *)", "cron(0 0-4 * * ? *)"}) {
    const auto expression = MustParse(text);
    auto matches_civil = [&](const cctz::civil_second& civil) {
      const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             cctz::convert(civil, utc).time_since_epoch()).count();
      return expression.NextFireAfter(ms - 1, 0, utc) == ms;
    };
    for (const Case& c : cases) {
      const auto tz = Zone(c.zone);
      const int64_t center = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 tz.lookup(c.around).pre.time_since_epoch()).count();
      for (int64_t after = center - 3 * 3'600'000; after < center + 3 * 3'600'000; after += 11 * 60'000 + 13'000) {
        std::optional<int64_t> expected;
        for (int64_t t = after - after % 60'000 + 60'000; t < after + 8 * 86'400'000; t += 60'000) {
          const auto tp = std::chrono::time_point_cast<cctz::seconds>(
              std::chrono::system_clock::time_point(std::chrono::milliseconds(t)));
          const cctz::civil_second civil = cctz::convert(tp, tz);
          if (matches_civil(civil) && tz.lookup(civil).pre == tp) {
            expected = t;
            break;
          }
        }
        ASSERT_EQ(expression.NextFireAfter(after, 0, tz), expected) << text << " in " << c.zone << " after "
                                                                     << Local(after, tz);
      }
    }
  }
}

}  // namespace
}  // namespace eddy::events
