#include "events/schedule_expression.h"

#include <array>
#include <chrono>
#include <vector>

namespace eddy::events {
namespace {

constexpr int kFirstYear = 1970;  // cron's Year field range
constexpr int kLastYear = 2199;

// Day-of-week numbering of cron expressions: 1 = SUN ... 7 = SAT.
int CronWeekday(const cctz::civil_day& day) {
  switch (cctz::get_weekday(day)) {
    case cctz::weekday::sunday: return 1;
    case cctz::weekday::monday: return 2;
    case cctz::weekday::tuesday: return 3;
    case cctz::weekday::wednesday: return 4;
    case cctz::weekday::thursday: return 5;
    case cctz::weekday::friday: return 6;
    case cctz::weekday::saturday: return 7;
  }
  return 0;
}

int DaysInMonth(const cctz::civil_day& day) {
  return static_cast<int>(cctz::civil_day(cctz::civil_month(day) + 1) - cctz::civil_day(cctz::civil_month(day)));
}

bool IsWeekend(const cctz::civil_day& day) {
  const int weekday = CronWeekday(day);
  return weekday == 1 || weekday == 7;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// A positive decimal of at most `max_digits` digits (leading zeros allowed: AWS accepts `cron(05 ...)`).
std::optional<int> ParseDigits(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Upper(a[i]) != Upper(b[i])) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

enum class FieldKind { kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek, kYear };

struct FieldSpec {
  FieldKind kind;
  int min;
  int max;
  bool allows_step;
  bool cyclic;  // a range like FRI-MON or 22-2 wraps around (Quartz semantics)
};

constexpr FieldSpec kMinuteSpec{FieldKind::kMinute, 0, 59, true, true};
constexpr FieldSpec kHourSpec{FieldKind::kHour, 0, 23, true, true};
constexpr FieldSpec kDayOfMonthSpec{FieldKind::kDayOfMonth, 1, 31, true, true};
constexpr FieldSpec kMonthSpec{FieldKind::kMonth, 1, 12, true, true};
constexpr FieldSpec kDayOfWeekSpec{FieldKind::kDayOfWeek, 1, 7, false, true};
constexpr FieldSpec kYearSpec{FieldKind::kYear, kFirstYear, kLastYear, true, false};

// One value of a field: a number, or (months, days of week) a name, case-insensitively as AWS does.
std::optional<int> ParseValue(std::string_view text, const FieldSpec& spec) {
  if (spec.kind == FieldKind::kMonth) {
    for (size_t i = 0; i < kMonthNames.size(); ++i) {
      if (EqualsIgnoreCase(text, kMonthNames[i])) return static_cast<int>(i) + 1;
    }
  }
  if (spec.kind == FieldKind::kDayOfWeek) {
    for (size_t i = 0; i < kWeekdayNames.size(); ++i) {
      if (EqualsIgnoreCase(text, kWeekdayNames[i])) return static_cast<int>(i) + 1;
    }
  }
  const auto value = ParseDigits(text, spec.kind == FieldKind::kYear ? 4 : 2);
  if (!value || *value < spec.min || *value > spec.max) return std::nullopt;
  return value;
}

// The plain list syntax shared by every field: items separated by `,`, each `*`, `*/step`, `v`, `v-v`,
// `v/step` or `v-v/step`. Calls `set(value)` for every value selected.
template <typename SetFn>
bool ParseList(std::string_view field, const FieldSpec& spec, SetFn set) {
  for (std::string_view item : Split(field, ',')) {
    int step = 1;
    bool has_step = false;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      if (!spec.allows_step) return false;
      const auto parsed = ParseDigits(item.substr(slash + 1), 4);
      // Quartz (whose syntax AWS follows) rejects increments larger than the field's range.
      const int max_step = spec.kind == FieldKind::kYear ? spec.max - spec.min : spec.max;
      if (!parsed || *parsed < 1 || *parsed > max_step) return false;
      step = *parsed;
      has_step = true;
      item = item.substr(0, slash);
    }
    int first = spec.min;
    int last = spec.max;
    if (item == "*") {
      // every value
    } else if (const size_t dash = item.find('-'); dash != std::string_view::npos) {
      const auto from = ParseValue(item.substr(0, dash), spec);
      const auto to = ParseValue(item.substr(dash + 1), spec);
      if (!from || !to) return false;
      if (*to < *from && !spec.cyclic) return false;
      first = *from;
      last = *to;
    } else {
      const auto value = ParseValue(item, spec);
      if (!value) return false;
      first = *value;
      // `v/step` runs to the end of the field's range; a lone `v` is just v.
      last = has_step ? spec.max : *value;
    }
    const int span = spec.max - spec.min + 1;
    const int count = (last >= first ? last - first : last - first + span) + 1;
    for (int offset = 0; offset < count; offset += step) {
      int value = first + offset;
      if (value > spec.max) value -= span;
      set(value);
    }
  }
  return true;
}

}  // namespace

std::optional<cctz::time_zone> LoadTimeZone(const std::string& name) {
  // Only IANA names: cctz would also accept absolute paths, "localtime" (the server's own zone) and its
  // private "Fixed/..." names, none of which AWS knows.
  if (name.empty() || name.size() > 50 || name.front() == '/' || name.find("..") != std::string::npos) {
    return std::nullopt;
  }
  for (char c : name) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                         c == '_' || c == '-' || c == '+';
    if (!allowed) return std::nullopt;
  }
  if (name == "localtime" || name == "posixrules" || name.starts_with("Fixed/") || name.starts_with("posix/") ||
      name.starts_with("right/")) {
    return std::nullopt;
  }
  cctz::time_zone tz;
  if (!cctz::load_time_zone(name, &tz)) return std::nullopt;
  return tz;
}

std::optional<ScheduleExpression> ScheduleExpression::Parse(std::string_view text, Dialect dialect) {
  auto strip = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!text.starts_with(prefix) || !text.ends_with(")") || text.size() < prefix.size() + 1) return std::nullopt;
    return text.substr(prefix.size(), text.size() - prefix.size() - 1);
  };
  ScheduleExpression expression;

  if (auto body = strip("rate(")) {
    // `value unit`, one space, value a positive integer; unit singular exactly when value is 1.
    const size_t space = body->find(' ');
    if (space == std::string_view::npos || space == 0 || (*body)[0] == '0') return std::nullopt;
    const auto value = ParseDigits(body->substr(0, space), 9);
    if (!value || *value < 1) return std::nullopt;
    const std::string_view unit = body->substr(space + 1);
    const std::string_view singular = unit.ends_with("s") ? unit.substr(0, unit.size() - 1) : unit;
    if (unit.ends_with("s") != (*value > 1)) return std::nullopt;
    int64_t unit_ms = 0;
    if (singular == "minute") {
      unit_ms = 60'000;
    } else if (singular == "hour") {
      unit_ms = 3'600'000;
    } else if (singular == "day") {
      unit_ms = 86'400'000;  // N days = N x 24 h, whatever DST does
    } else {
      return std::nullopt;
    }
    expression.kind_ = Kind::kRate;
    expression.rate_period_ms_ = *value * unit_ms;
    return expression;
  }

  if (auto body = strip("at(")) {
    if (dialect != Dialect::kScheduler) return std::nullopt;
    // Exactly yyyy-mm-ddThh:mm:ss, no zone suffix, no fraction.
    const std::string_view at = *body;
    if (at.size() != 19 || at[4] != '-' || at[7] != '-' || at[10] != 'T' || at[13] != ':' || at[16] != ':') {
      return std::nullopt;
    }
    const auto year = ParseDigits(at.substr(0, 4), 4);
    const auto month = ParseDigits(at.substr(5, 2), 2);
    const auto day = ParseDigits(at.substr(8, 2), 2);
    const auto hour = ParseDigits(at.substr(11, 2), 2);
    const auto minute = ParseDigits(at.substr(14, 2), 2);
    const auto second = ParseDigits(at.substr(17, 2), 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    const cctz::civil_second civil(*year, *month, *day, *hour, *minute, *second);
    // cctz normalizes out-of-range fields (Feb 30 -> Mar 2); a changed field means an invalid date.
    if (civil.year() != *year || civil.month() != *month || civil.day() != *day || civil.hour() != *hour ||
        civil.minute() != *minute || civil.second() != *second) {
      return std::nullopt;
    }
    expression.kind_ = Kind::kAt;
    expression.at_ = civil;
    return expression;
  }

  auto body = strip("cron(");
  if (!body) return std::nullopt;
  const std::vector<std::string_view> fields = Split(*body, ' ');
  if (fields.size() != 6) return std::nullopt;
  const std::string_view minutes = fields[0], hours = fields[1], day_of_month = fields[2], months = fields[3],
                         day_of_week = fields[4], years = fields[5];
  Cron& cron = expression.cron_;
  expression.kind_ = Kind::kCron;

  if (!ParseList(minutes, kMinuteSpec, [&](int v) { cron.minutes.set(v); })) return std::nullopt;
  if (!ParseList(hours, kHourSpec, [&](int v) { cron.hours.set(v); })) return std::nullopt;
  if (!ParseList(months, kMonthSpec, [&](int v) { cron.months.set(v); })) return std::nullopt;
  if (years == "*") {
    cron.all_years = true;
  } else if (!ParseList(years, kYearSpec, [&](int v) { cron.years.set(v - kFirstYear); })) {
    return std::nullopt;
  }

  // Exactly one of day-of-month and day-of-week is `?`.
  if ((day_of_month == "?") == (day_of_week == "?")) return std::nullopt;

  if (day_of_month == "?") {
    cron.dom_any = true;
  } else if (EqualsIgnoreCase(day_of_month, "L")) {
    cron.dom_last = true;
  } else if (EqualsIgnoreCase(day_of_month, "LW")) {
    cron.dom_last_weekday = true;
  } else if (day_of_month.size() >= 2 && Upper(day_of_month.back()) == 'W') {
    const auto day = ParseValue(day_of_month.substr(0, day_of_month.size() - 1), kDayOfMonthSpec);
    if (!day) return std::nullopt;
    cron.dom_nearest_weekday = *day;
  } else if (!ParseList(day_of_month, kDayOfMonthSpec, [&](int v) { cron.days_of_month.set(v); })) {
    return std::nullopt;
  }

  if (day_of_week == "?") {
    cron.dow_any = true;
  } else if (EqualsIgnoreCase(day_of_week, "L")) {
    cron.days_of_week.set(7);  // a bare L in day-of-week is the last day of the week: SAT
  } else if (Upper(day_of_week.back()) == 'L') {
    const auto weekday = ParseValue(day_of_week.substr(0, day_of_week.size() - 1), kDayOfWeekSpec);
    if (!weekday) return std::nullopt;
    cron.dow_last = *weekday;
  } else if (const size_t hash = day_of_week.find('#'); hash != std::string_view::npos) {
    // A single n#k term: no lists, so "3#1,6#3" is rejected like AWS does.
    const auto weekday = ParseValue(day_of_week.substr(0, hash), kDayOfWeekSpec);
    const auto index = ParseDigits(day_of_week.substr(hash + 1), 1);
    if (!weekday || !index || *index < 1 || *index > 5) return std::nullopt;
    cron.dow_nth_day = *weekday;
    cron.dow_nth_index = *index;
  } else if (!ParseList(day_of_week, kDayOfWeekSpec, [&](int v) { cron.days_of_week.set(v); })) {
    return std::nullopt;
  }
  return expression;
}

bool ScheduleExpression::DayMatches(const cctz::civil_day& day) const {
  const Cron& cron = cron_;
  const int last_day = DaysInMonth(day);
  if (!cron.dom_any) {
    if (cron.dom_last) return day.day() == last_day;
    if (cron.dom_last_weekday) {
      cctz::civil_day last(day.year(), day.month(), last_day);
      while (IsWeekend(last)) --last;
      return day == last;
    }
    if (cron.dom_nearest_weekday != 0) {
      // The weekday nearest to day n, without leaving the month; no fire if the month has no day n.
      if (cron.dom_nearest_weekday > last_day) return false;
      cctz::civil_day target(day.year(), day.month(), cron.dom_nearest_weekday);
      const int weekday = CronWeekday(target);
      if (weekday == 7) target += target.day() == 1 ? 2 : -1;
      if (weekday == 1) target += target.day() == last_day ? -2 : 1;
      return day == target;
    }
    return cron.days_of_month.test(day.day());
  }
  const int weekday = CronWeekday(day);
  if (cron.dow_last != 0) return weekday == cron.dow_last && day.day() + 7 > last_day;
  if (cron.dow_nth_day != 0) return weekday == cron.dow_nth_day && (day.day() - 1) / 7 + 1 == cron.dow_nth_index;
  return cron.days_of_week.test(weekday);
}

std::optional<int64_t> ScheduleExpression::NextCronFireAfter(int64_t after_ms, const cctz::time_zone& tz) const {
  using std::chrono::milliseconds;
  const auto after = std::chrono::floor<cctz::seconds>(std::chrono::system_clock::time_point(milliseconds(after_ms)));
  // Fire times are whole minutes; the minute containing `after` starts at or before it, so the first
  // candidate is the next civil minute. Candidates are visited in strictly increasing civil time, which
  // is what makes a repeated (fall-back) hour fire once: its second pass is never a candidate.
  const cctz::civil_minute first = cctz::civil_minute(cctz::convert(after, tz)) + 1;
  cctz::civil_day day(first);
  if (day.year() < kFirstYear) day = cctz::civil_day(kFirstYear, 1, 1);
  while (day.year() <= kLastYear) {
    if (!cron_.all_years && !cron_.years.test(day.year() - kFirstYear)) {
      day = cctz::civil_day(cctz::civil_year(day) + 1);
      continue;
    }
    if (!cron_.months.test(day.month())) {
      day = cctz::civil_day(cctz::civil_month(day) + 1);
      continue;
    }
    if (DayMatches(day)) {
      for (int hour = 0; hour < 24; ++hour) {
        if (!cron_.hours.test(hour)) continue;
        for (int minute = 0; minute < 60; ++minute) {
          if (!cron_.minutes.test(minute)) continue;
          const cctz::civil_minute candidate(day.year(), day.month(), day.day(), hour, minute);
          if (candidate < first) continue;
          const auto lookup = tz.lookup(cctz::civil_second(candidate));
          if (lookup.kind == cctz::time_zone::civil_lookup::SKIPPED) continue;  // spring-forward gap: not invoked
          // UNIQUE, or REPEATED: the first occurrence (which may already lie behind `after`).
          const int64_t fire_ms = std::chrono::duration_cast<milliseconds>(lookup.pre.time_since_epoch()).count();
          if (fire_ms > after_ms) return fire_ms;
        }
      }
    }
    ++day;
  }
  return std::nullopt;
}

std::optional<int64_t> ScheduleExpression::NextFireAfter(int64_t after_ms, int64_t anchor_ms,
                                                         const cctz::time_zone& tz) const {
  switch (kind_) {
    case Kind::kRate: {
      if (anchor_ms > after_ms) return anchor_ms;
      const int64_t periods = (after_ms - anchor_ms) / rate_period_ms_ + 1;
      return anchor_ms + periods * rate_period_ms_;
    }
    case Kind::kAt: {
      const auto lookup = tz.lookup(at_);
      // A time inside a spring-forward gap fires when the gap ends; a repeated one at its first occurrence.
      const auto when = lookup.kind == cctz::time_zone::civil_lookup::SKIPPED ? lookup.trans : lookup.pre;
      const int64_t when_ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
      if (when_ms > after_ms) return when_ms;
      return std::nullopt;
    }
    case Kind::kCron:
      return NextCronFireAfter(after_ms, tz);
  }
  return std::nullopt;
}

}  // namespace eddy::events
