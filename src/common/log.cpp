#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "common/time.hpp"

namespace tocsin::log {
namespace {

std::atomic<bool> g_json{false};
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

std::shared_ptr<spdlog::logger> Sink() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("tocsin");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

// Appends `s` with every control character written as a JSON escape: the C0
// controls (CR and LF would let a value start a forged log line; ESC drives
// terminals), DEL, and the C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F:
// NEL breaks lines and CSI drives some terminals). With `quotes`, '"' and
// '\\' are escaped too, for use inside a JSON string.
void AppendEscaped(std::string& out, std::string_view s, bool quotes) {
  auto hex = [&out](unsigned code) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", code);
    out += buf;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
      case '\\':
        if (quotes) out.push_back('\\');
        out.push_back(c);
        break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          hex(u);
        } else if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
          hex(static_cast<unsigned char>(s[++i]));
        } else {
          out.push_back(c);
        }
    }
  }
}

bool HasControl(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7f) return true;
    if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F &&
        static_cast<unsigned char>(s[i + 1]) >= 0x80) {
      return true;
    }
  }
  return false;
}

void JsonEscape(std::string& out, std::string_view s) {
  out.push_back('"');
  AppendEscaped(out, s, true);
  out.push_back('"');
}

// key=value; values with spaces, quotes, '=', backslashes or control
// characters are written as JSON strings, so one event is always one line.
void TextValue(std::string& out, std::string_view s) {
  bool quote = s.empty() || s.find_first_of(" \"=\\") != std::string_view::npos || HasControl(s);
  if (quote) {
    JsonEscape(out, s);
  } else {
    out += s;
  }
}

}  // namespace

void Configure(std::string_view format, std::string_view level) {
  g_json = format == "json";
  if (level == "debug" || level == "trace") g_level = static_cast<int>(Level::kDebug);
  if (level == "info") g_level = static_cast<int>(Level::kInfo);
  if (level == "warn") g_level = static_cast<int>(Level::kWarn);
  if (level == "error") g_level = static_cast<int>(Level::kError);
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

std::string FormatLine(Level level, std::string_view message, std::initializer_list<Field> fields, bool json) {
  std::string ts = FormatRfc3339(std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()));
  std::string line;
  line.reserve(128);
  if (json) {
    line += "{\"ts\":";
    JsonEscape(line, ts);
    line += ",\"level\":";
    JsonEscape(line, LevelName(level));
    line += ",\"msg\":";
    JsonEscape(line, message);
    for (const auto& f : fields) {
      line.push_back(',');
      JsonEscape(line, f.key);
      line.push_back(':');
      JsonEscape(line, f.value);
    }
    line.push_back('}');
  } else {
    line += ts;
    line += ' ';
    line += LevelName(level);
    line += ' ';
    AppendEscaped(line, message, false);
    for (const auto& f : fields) {
      line.push_back(' ');
      AppendEscaped(line, f.key, false);
      line.push_back('=');
      TextValue(line, f.value);
    }
  }
  return line;
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  Sink()->info(FormatLine(level, message, fields, g_json));
}

}  // namespace tocsin::log
