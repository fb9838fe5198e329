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

void JsonEscape(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void TextValue(std::string& out, std::string_view s) {
  bool quote = s.empty() || s.find_first_of(" \"=\t\n") != std::string_view::npos;
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

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string ts = FormatRfc3339(std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()));
  std::string line;
  line.reserve(128);
  if (g_json) {
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
    line += message;
    for (const auto& f : fields) {
      line.push_back(' ');
      line += f.key;
      line.push_back('=');
      TextValue(line, f.value);
    }
  }
  Sink()->info(line);
}

}  // namespace tocsin::log
