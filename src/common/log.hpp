#pragma once
// Structured logging: one line per event, as text ("ts level msg k=v ...") or
// as JSON lines, chosen at start-up. Thread-safe. Secrets must never be passed
// as field values: log what happened, not credentials.

#include <initializer_list>
#include <string>
#include <string_view>

namespace tocsin::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Field {
  std::string_view key;
  std::string value;
};

// format: "text" or "json"; level: debug|info|warn|error. Unknown values keep defaults.
void Configure(std::string_view format, std::string_view level);
bool Enabled(Level level);
void Write(Level level, std::string_view message, std::initializer_list<Field> fields);
// The line Write prints for these (as JSON or as text), without the newline.
std::string FormatLine(Level level, std::string_view message, std::initializer_list<Field> fields, bool json);

inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kError, m, f); }

}  // namespace tocsin::log
