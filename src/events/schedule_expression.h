// Schedule expressions shared by EventBridge rules (cron, rate) and EventBridge Scheduler (cron, rate,
// at), and the time-zone lookup they are evaluated in.
#pragma once

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::events {

// An IANA time zone ("UTC", "Asia/Seoul", "America/New_York"); nullopt if unknown.
std::optional<cctz::time_zone> LoadTimeZone(const std::string& name);

class ScheduleExpression {
 public:
  enum class Kind { kCron, kRate, kAt };
  enum class Dialect { kRule, kScheduler };  // at(...) only in the Scheduler dialect

  // nullopt if the text is not a valid expression in that dialect (callers produce AWS's message).
  static std::optional<ScheduleExpression> Parse(std::string_view text, Dialect dialect);

  Kind kind() const { return kind_; }

  // First fire time (epoch ms) strictly after `after_ms`. cron and at() are civil times in `tz`;
  // rate(...) is absolute: fires at anchor_ms + k*period, k >= 0 (callers choose the anchor: rule
  // creation time, Scheduler StartDate or creation). nullopt = never again.
  // DST (cron): a local time skipped by spring-forward does not fire; a repeated fall-back time fires
  // once, at its first occurrence. at() inside a spring-forward gap fires when the gap ends.
  std::optional<int64_t> NextFireAfter(int64_t after_ms, int64_t anchor_ms, const cctz::time_zone& tz) const;

  // rate(...) only: the period in milliseconds.
  int64_t rate_period_ms() const { return rate_period_ms_; }
  // at(...) only: the civil time it fires at (in the caller's time zone).
  const cctz::civil_second& at_time() const { return at_; }

 private:
  struct Cron {
    std::bitset<60> minutes;
    std::bitset<24> hours;
    std::bitset<13> months;  // 1..12
    // Day of month: a plain set, or one of the special forms; dom_any means `?`.
    bool dom_any = false;
    std::bitset<32> days_of_month;  // 1..31
    bool dom_last = false;          // L
    bool dom_last_weekday = false;  // LW
    int dom_nearest_weekday = 0;    // nW (1..31), 0 if unused
    // Day of week (1=SUN..7=SAT): plain set, or nL (last such weekday), or n#k (k-th such weekday).
    bool dow_any = false;
    std::bitset<8> days_of_week;
    int dow_last = 0;      // nL: the weekday, 0 if unused
    int dow_nth_day = 0;   // n#k: the weekday, 0 if unused
    int dow_nth_index = 0;  // n#k: k (1..5)
    bool all_years = false;
    std::bitset<230> years;  // year - 1970, 1970..2199
  };

  bool DayMatches(const cctz::civil_day& day) const;
  std::optional<int64_t> NextCronFireAfter(int64_t after_ms, const cctz::time_zone& tz) const;

  Kind kind_ = Kind::kCron;
  Cron cron_;
  int64_t rate_period_ms_ = 0;
  cctz::civil_second at_;
};

}  // namespace eddy::events
