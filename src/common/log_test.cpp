#include "common/log.hpp"

#include <gtest/gtest.h>

namespace tocsin::log {
namespace {

bool HasControl(const std::string& line) {
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return line.find("\xC2\x85") != std::string::npos || line.find("\xC2\x9B") != std::string::npos;
}

// A request value (a path, a header, an alert's monitor name) must not be able
// to start a line of its own, rewrite the terminal, or hide text after a CR.
TEST(LogText, ControlCharactersInMessagesAndValuesAreEscaped) {
  std::string forged = "x\r\n2026-01-01T00:00:00.000000Z error forged line";
  std::string line = FormatLine(Level::kWarn, "bad path " + forged,
                                {{"path", "/a\nb"},
                                 {"agent", "\x1b[2J\x1b[31mred"},
                                 {"cr", "ok\rhidden"},
                                 {"tab", "a\tb"},
                                 {"del", "a\x7f"},
                                 {"nel", "a\xC2\x85z"},
                                 {"csi", "a\xC2\x9B" "31m"},
                                 {"nul", std::string("a\0b", 3)}},
                                false);
  EXPECT_FALSE(HasControl(line)) << line;
  EXPECT_NE(line.find("bad path x\\r\\n2026-01-01"), std::string::npos) << line;
  EXPECT_NE(line.find("path=\"/a\\nb\""), std::string::npos) << line;
  EXPECT_NE(line.find("agent=\"\\u001b[2J\\u001b[31mred\""), std::string::npos) << line;
  EXPECT_NE(line.find("cr=\"ok\\rhidden\""), std::string::npos) << line;
  EXPECT_NE(line.find("tab=\"a\\tb\""), std::string::npos) << line;
  EXPECT_NE(line.find("del=\"a\\u007f\""), std::string::npos) << line;
  EXPECT_NE(line.find("nel=\"a\\u0085z\""), std::string::npos) << line;
  EXPECT_NE(line.find("nul=\"a\\u0000b\""), std::string::npos) << line;
}

TEST(LogText, PlainValuesStayReadable) {
  std::string line = FormatLine(Level::kInfo, "request", {{"path", "/api/v2/incidents"}, {"status", "200"},
                                                          {"title", "Checkout down"}, {"who", "Zoë"}}, false);
  EXPECT_NE(line.find(" info request path=/api/v2/incidents status=200 title=\"Checkout down\" who=Zoë"),
            std::string::npos)
      << line;
}

TEST(LogJson, ControlCharactersAreEscaped) {
  std::string line = FormatLine(Level::kError, "m\n", {{"v", "\x1b\x7f\xC2\x85"}}, true);
  EXPECT_FALSE(HasControl(line)) << line;
  EXPECT_NE(line.find("\"msg\":\"m\\n\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"v\":\"\\u001b\\u007f\\u0085\""), std::string::npos) << line;
}

}  // namespace
}  // namespace tocsin::log
