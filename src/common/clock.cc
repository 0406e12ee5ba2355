#include "common/clock.h"

#include <time.h>

#include <cctype>
#include <chrono>
#include <climits>
#include <cstdio>

namespace eddy {

std::string FormatIsoUtcMs(int64_t epoch_ms) {
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(epoch_ms % 1000));
  return buf;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t& pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  pos += n;
  *out = v;
  return true;
}

bool Consume(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// A non-negative decimal ("90", "1.5"), in thousandths. False if malformed or too large.
bool DecimalMillis(std::string_view s, size_t& pos, int64_t* out) {
  const size_t start = pos;
  int64_t whole = 0;
  while (pos < s.size() && IsDigit(s[pos])) {
    if (whole > 1'000'000'000'000) return false;
    whole = whole * 10 + (s[pos++] - '0');
  }
  int64_t frac = 0, scale = 1000;
  const size_t whole_end = pos;
  if (Consume(s, pos, '.')) {
    const size_t frac_start = pos;
    while (pos < s.size() && IsDigit(s[pos])) {
      scale /= 10;
      frac += (s[pos++] - '0') * scale;  // digits past the third add 0
    }
    if (pos == frac_start) return false;
  }
  if (whole_end == start) return false;
  *out = whole * 1000 + frac;
  return true;
}

constexpr int64_t kMaxDurationMs = 100LL * 366 * 86'400'000;

}  // namespace

std::optional<int64_t> ParseTimeMs(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.find_first_not_of("0123456789") == std::string_view::npos) {
    if (s.size() > 15) return std::nullopt;  // beyond year 33658
    return std::stoll(std::string(s));
  }
  size_t pos = 0;
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!Digits(s, pos, 4, &y) || !Consume(s, pos, '-') || !Digits(s, pos, 2, &mo) ||
      !Consume(s, pos, '-') || !Digits(s, pos, 2, &d)) {
    return std::nullopt;
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return std::nullopt;
  if (Consume(s, pos, 'T') || Consume(s, pos, 't') || Consume(s, pos, ' ')) {
    if (!Digits(s, pos, 2, &h) || !Consume(s, pos, ':') || !Digits(s, pos, 2, &mi)) return std::nullopt;
    if (Consume(s, pos, ':')) {
      if (!Digits(s, pos, 2, &sec)) return std::nullopt;
      if (Consume(s, pos, '.') || Consume(s, pos, ',')) {
        int64_t scale = 100;
        const size_t frac_start = pos;
        while (pos < s.size() && IsDigit(s[pos])) {
          ms += (s[pos++] - '0') * scale;
          scale /= 10;
        }
        if (pos == frac_start) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  }
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (Consume(s, pos, 'Z') || Consume(s, pos, 'z')) {
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int64_t sign = s[pos++] == '+' ? 1 : -1;
      int64_t oh = 0, om = 0;
      if (!Digits(s, pos, 2, &oh)) return std::nullopt;
      Consume(s, pos, ':');
      if (!Digits(s, pos, 2, &om) || oh > 23 || om > 59) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t ms_total = ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi - offset_min) * 60'000 +
                           sec * 1000 + ms;
  if (ms_total < 0) return std::nullopt;
  return ms_total;
}

std::optional<int64_t> ParseDurationMs(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t pos = 0;
  int64_t total = 0;
  if (s[0] == 'P' || s[0] == 'p') {  // ISO-8601: P[nW][nD][T[nH][nM][n[.f]S]]
    pos = 1;
    bool in_time = false, any = false;
    while (pos < s.size()) {
      if (!in_time && (s[pos] == 'T' || s[pos] == 't')) {
        in_time = true;
        ++pos;
        continue;
      }
      int64_t v = 0;
      if (!DecimalMillis(s, pos, &v) || pos >= s.size()) return std::nullopt;
      const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s[pos++])));
      int64_t per_second = 0;  // the unit in seconds
      if (!in_time && unit == 'W') per_second = 7 * 86400;
      else if (!in_time && unit == 'D') per_second = 86400;
      else if (in_time && unit == 'H') per_second = 3600;
      else if (in_time && unit == 'M') per_second = 60;
      else if (in_time && unit == 'S') per_second = 1;
      else return std::nullopt;
      if (v > kMaxDurationMs / per_second) return std::nullopt;
      total += v * per_second;
      if (total > kMaxDurationMs) return std::nullopt;
      any = true;
    }
    if (!any) return std::nullopt;
    return total;
  }
  // Plain seconds.
  {
    size_t p = 0;
    int64_t v = 0;
    if (DecimalMillis(s, p, &v) && p == s.size()) {
      if (v > kMaxDurationMs) return std::nullopt;
      return v;
    }
  }
  // Units, largest first, each at most once: 1w2d3h4m5s6ms.
  int64_t last_unit_ms = INT64_MAX;
  while (pos < s.size()) {
    int64_t v = 0;
    if (!DecimalMillis(s, pos, &v) || pos >= s.size()) return std::nullopt;
    int64_t unit_ms = 0;
    if (s.substr(pos, 2) == "ms") {
      unit_ms = 1;
      pos += 2;
    } else {
      switch (s[pos]) {
        case 'w': unit_ms = 7 * 86'400'000LL; break;
        case 'd': unit_ms = 86'400'000; break;
        case 'h': unit_ms = 3'600'000; break;
        case 'm': unit_ms = 60'000; break;
        case 's': unit_ms = 1000; break;
        default: return std::nullopt;
      }
      ++pos;
    }
    if (unit_ms >= last_unit_ms) return std::nullopt;
    last_unit_ms = unit_ms;
    // v is in thousandths of the unit.
    if (v > kMaxDurationMs / unit_ms * 1000) return std::nullopt;
    const int64_t add = unit_ms >= 1000 ? v * (unit_ms / 1000) : v / 1000;
    if (unit_ms == 1 && v % 1000 != 0) return std::nullopt;  // no fractions of a millisecond
    total += add;
    if (total > kMaxDurationMs) return std::nullopt;
  }
  return total;
}

int64_t SystemClock::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace eddy
