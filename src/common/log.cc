#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "common/clock.h"

namespace eddy::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
}  // namespace

void SetLevel(Level level) { g_level.store(level); }
Level GetLevel() { return g_level.load(std::memory_order_relaxed); }

bool ParseLevel(std::string_view text, Level* out) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"debug", Level::kDebug}, {"info", Level::kInfo}, {"warn", Level::kWarn},
      {"error", Level::kError}, {"off", Level::kOff}};
  for (auto [name, level] : kLevels) {
    if (text == name) {
      *out = level;
      return true;
    }
  }
  return false;
}

void Write(Level level, std::string_view message) {
  using namespace std::chrono;
  std::string line =
      FormatIsoUtcMs(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()) + " ";
  line += kNames[static_cast<int>(level)];
  line += ' ';
  line += message;
  line += '\n';
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace eddy::log
