#pragma once
// iCalendar (RFC 5545) feeds of on-call shifts, so people can subscribe to a
// schedule, or to their own shifts, from a calendar app.
//
// The output is one VCALENDAR with one VEVENT per shift: a UID that stays the same
// for the same shift across fetches (so apps update events instead of duplicating
// them), DTSTAMP, DTSTART/DTEND in UTC, SUMMARY "On call: <schedule> (<user>)" and
// a DESCRIPTION saying which layer or override put the person there. Lines end in
// CRLF and are folded at 75 octets without splitting a UTF-8 character.
// Pure formatting: thread-safe, no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::api::v2 {

struct CalendarShift {
  std::string schedule;  // the schedule's name
  core::schedule::Shift shift;
};

struct CalendarOptions {
  std::string name;                    // X-WR-CALNAME: "On call: security-primary"
  std::string uid_domain = "tocsin";   // right-hand side of every UID: the server's host name
  TimePoint stamp{};                   // DTSTAMP: when the feed was generated
};

// The whole calendar, events in the order given.
std::string RenderCalendar(const std::vector<CalendarShift>& shifts, const CalendarOptions& options);

// RFC 5545 TEXT escaping: backslash, semicolon, comma and newlines.
std::string EscapeIcalText(std::string_view text);

// One content line (without its CRLF) as folded lines, each ending in CRLF: at most
// 75 octets per line, continuation lines starting with a space.
std::string FoldIcalLine(std::string_view line);

// "20260105T090000Z".
std::string IcalUtc(TimePoint t);

}  // namespace tocsin::api::v2
