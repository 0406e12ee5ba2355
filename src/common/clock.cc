#include "common/clock.h"

#include <time.h>

#include <chrono>
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

int64_t SystemClock::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace eddy
