#include "api/v2/ical.hpp"

#include <cstdint>
#include <cstdio>

namespace tocsin::api::v2 {
namespace {

constexpr std::size_t kMaxOctets = 75;

// FNV-1a: a short, stable fingerprint for UIDs (not a security boundary).
std::uint64_t Fingerprint(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string Hex(std::uint64_t value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace

std::string IcalUtc(TimePoint t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<seconds> time{floor<seconds>(t - day)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buf;
}

std::string EscapeIcalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        // Other control characters are not allowed in TEXT; drop them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') break;
        out += c;
    }
  }
  return out;
}

std::string FoldIcalLine(std::string_view line) {
  std::string out;
  std::size_t limit = kMaxOctets;  // the first line has no leading space
  while (line.size() > limit) {
    std::size_t cut = limit;
    // Never split a UTF-8 sequence: back up to the start of the character.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    if (cut == 0) cut = limit;  // not UTF-8 after all: split anywhere rather than loop
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = kMaxOctets - 1;
  }
  out.append(line);
  out += "\r\n";
  return out;
}

std::string RenderCalendar(const std::vector<CalendarShift>& shifts, const CalendarOptions& options) {
  std::string out;
  auto line = [&](std::string_view text) { out += FoldIcalLine(text); };
  line("BEGIN:VCALENDAR");
  line("VERSION:2.0");
  line("PRODID:-//Tocsin//On-call schedules//EN");
  line("CALSCALE:GREGORIAN");
  line("METHOD:PUBLISH");
  if (!options.name.empty()) line("X-WR-CALNAME:" + EscapeIcalText(options.name));
  // Ask subscribing apps to refresh hourly: overrides change shifts at short notice.
  line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
  line("X-PUBLISHED-TTL:PT1H");
  const std::string stamp = IcalUtc(options.stamp);
  for (const CalendarShift& item : shifts) {
    const core::schedule::Shift& shift = item.shift;
    std::string start = IcalUtc(shift.start);
    std::string key = item.schedule + '\n' + shift.user + '\n' + start;
    line("BEGIN:VEVENT");
    line("UID:" + start + "-" + Hex(Fingerprint(key)) + "@" + options.uid_domain);
    line("DTSTAMP:" + stamp);
    line("DTSTART:" + start);
    line("DTEND:" + IcalUtc(shift.end));
    line("SUMMARY:" + EscapeIcalText("On call: " + item.schedule + " (" + shift.user + ")"));
    line("DESCRIPTION:" + EscapeIcalText("Schedule: " + item.schedule + "\nOn call: " + shift.user +
                                         "\nBecause of: " + shift.source.Describe()));
    line("TRANSP:TRANSPARENT");  // being on call does not make anyone busy
    line("END:VEVENT");
  }
  line("END:VCALENDAR");
  return out;
}

}  // namespace tocsin::api::v2
