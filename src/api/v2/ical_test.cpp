#include "api/v2/ical.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tocsin::api::v2 {
namespace {

namespace sched = core::schedule;

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

std::vector<CalendarShift> TwoShifts() {
  sched::Source override_source;
  override_source.kind = sched::Source::Kind::kOverride;
  override_source.override_id = "cfg-1";
  override_source.covered_user = "samira";
  sched::Source layer_source;
  layer_source.kind = sched::Source::Kind::kLayer;
  layer_source.layer_index = 0;
  layer_source.layer = "Weekly";
  return {
      {"security-primary", {"jonas", At("2026-03-17T08:00:00Z"), At("2026-03-19T08:00:00Z"), override_source}},
      {"Sécurité, primary; the very long schedule name",
       {"samira", At("2026-03-19T08:00:00Z"), At("2026-03-23T08:00:00Z"), layer_source}},
  };
}

CalendarOptions Options() {
  CalendarOptions options;
  options.name = "On call: Security, all schedules";
  options.uid_domain = "tocsin.example.com";
  options.stamp = At("2026-03-16T12:00:00Z");
  return options;
}

// Byte for byte: CRLF line ends, TEXT escaping, folding at 75 octets (never inside
// the two-octet 'é'), UTC times, UIDs that depend only on schedule, user and start.
TEST(IcalRender, ExactOutput) {
  EXPECT_EQ(RenderCalendar(TwoShifts(), Options()),
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            "PRODID:-//Tocsin//On-call schedules//EN\r\n"
            "CALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\n"
            "X-WR-CALNAME:On call: Security\\, all schedules\r\n"
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
            "X-PUBLISHED-TTL:PT1H\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:20260317T080000Z-b0e3f9ffb05d6d56@tocsin.example.com\r\n"
            "DTSTAMP:20260316T120000Z\r\n"
            "DTSTART:20260317T080000Z\r\n"
            "DTEND:20260319T080000Z\r\n"
            "SUMMARY:On call: security-primary (jonas)\r\n"
            "DESCRIPTION:Schedule: security-primary\\nOn call: jonas\\nBecause of: overrid\r\n"
            " e cfg-1 (for samira)\r\n"
            "TRANSP:TRANSPARENT\r\n"
            "END:VEVENT\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:20260319T080000Z-7bdc3aba75c9c997@tocsin.example.com\r\n"
            "DTSTAMP:20260316T120000Z\r\n"
            "DTSTART:20260319T080000Z\r\n"
            "DTEND:20260323T080000Z\r\n"
            "SUMMARY:On call: Sécurité\\, primary\\; the very long schedule name (samira\r\n"
            " )\r\n"
            "DESCRIPTION:Schedule: Sécurité\\, primary\\; the very long schedule name\\nO\r\n"
            " n call: samira\\nBecause of: layer 'Weekly'\r\n"
            "TRANSP:TRANSPARENT\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n");
}

TEST(IcalRender, EmptyCalendarIsStillACalendar) {
  std::string ics = RenderCalendar({}, CalendarOptions{});
  EXPECT_EQ(ics.rfind("BEGIN:VCALENDAR\r\n", 0), 0u);
  EXPECT_EQ(ics.find("VEVENT"), std::string::npos);
  EXPECT_EQ(ics.find("X-WR-CALNAME"), std::string::npos);
  EXPECT_EQ(ics.substr(ics.size() - 15), "END:VCALENDAR\r\n");
}

TEST(IcalParts, FoldingNeverSplitsACharacter) {
  std::string line(74, 'a');
  line += "é";  // octets 75 and 76
  line += std::string(80, 'b');
  std::string folded = FoldIcalLine(line);
  EXPECT_EQ(folded, std::string(74, 'a') + "\r\n é" + std::string(72, 'b') + "\r\n " + std::string(8, 'b') + "\r\n");
  EXPECT_EQ(FoldIcalLine(std::string(75, 'x')), std::string(75, 'x') + "\r\n");
  EXPECT_EQ(FoldIcalLine(std::string(76, 'x')), std::string(75, 'x') + "\r\n x\r\n");
  EXPECT_EQ(FoldIcalLine(""), "\r\n");
}

TEST(IcalParts, TextEscapingAndTimes) {
  EXPECT_EQ(EscapeIcalText("a\\b;c,d\ne\r\nf\x01g"), "a\\\\b\\;c\\,d\\ne\\nfg");
  EXPECT_EQ(IcalUtc(At("2026-01-05T09:03:07.999Z")), "20260105T090307Z");
}

// An independent parser (Debian's python3-icalendar) accepts the feed and reads
// back the same events. Skipped where the module is not installed.
TEST(IcalRender, ParsesWithPythonIcalendar) {
  std::string python;
  for (const char* candidate : {"/usr/bin/python3", "python3"}) {
    std::string probe = std::string(candidate) + " -c 'import icalendar' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) {
      python = candidate;
      break;
    }
  }
  if (python.empty()) GTEST_SKIP() << "python3-icalendar is not installed";
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("tocsin-ical-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                               "-" + std::to_string(reinterpret_cast<std::uintptr_t>(&dir)));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "feed.ics", std::ios::binary) << RenderCalendar(TwoShifts(), Options());
    std::ofstream(dir / "check.py") << R"(import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for event in cal.walk('VEVENT'):
    print('%s|%s|%s|%s' % (event['UID'], event.decoded('DTSTART').isoformat(),
                           event.decoded('DTEND').isoformat(), event['SUMMARY']))
print(cal['X-WR-CALNAME'])
)";
  }
  std::string command = python + " " + (dir / "check.py").string() + " " + (dir / "feed.ics").string() + " > " +
                        (dir / "out.txt").string() + " 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(dir / "out.txt");
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove_all(dir);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out,
            "20260317T080000Z-b0e3f9ffb05d6d56@tocsin.example.com|2026-03-17T08:00:00+00:00|2026-03-19T08:00:00+00:00|"
            "On call: security-primary (jonas)\n"
            "20260319T080000Z-7bdc3aba75c9c997@tocsin.example.com|2026-03-19T08:00:00+00:00|2026-03-23T08:00:00+00:00|"
            "On call: Sécurité, primary; the very long schedule name (samira)\n"
            "On call: Security, all schedules\n");
}

}  // namespace
}  // namespace tocsin::api::v2
