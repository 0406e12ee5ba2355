#pragma once
// Minimal leveled logging to stderr. One line per call, written with a single write(2) so lines from
// different threads never interleave.

#include <string_view>

namespace eddy::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLevel(Level level);
Level GetLevel();
// Parses "debug", "info", "warn", "error", "off"; returns false if unknown.
bool ParseLevel(std::string_view text, Level* out);
inline bool Enabled(Level level) { return level >= GetLevel(); }
void Write(Level level, std::string_view message);

inline void Debug(std::string_view m) { if (Enabled(Level::kDebug)) Write(Level::kDebug, m); }
inline void Info(std::string_view m) { if (Enabled(Level::kInfo)) Write(Level::kInfo, m); }
inline void Warn(std::string_view m) { if (Enabled(Level::kWarn)) Write(Level::kWarn, m); }
inline void Error(std::string_view m) { if (Enabled(Level::kError)) Write(Level::kError, m); }

}  // namespace eddy::log
