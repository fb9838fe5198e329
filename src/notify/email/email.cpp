#include "notify/email/email.hpp"

#include "common/base64.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "notify/message.hpp"
#include "notify/text.hpp"

namespace tocsin::notify::email {
namespace {

constexpr std::size_t kHeaderLineLimit = 78;   // RFC 5322 2.1.1: lines SHOULD be at most 78 characters
constexpr std::size_t kBodyLineLimit = 998;    // RFC 5321 4.5.3.1.6 / RFC 5322 2.1.1: MUST, without CRLF
constexpr std::size_t kQpLineLimit = 76;       // RFC 2045 6.7 (5): encoded lines, soft break included
constexpr std::size_t kEncodedWordLimit = 75;  // RFC 2047 2
constexpr std::size_t kSubjectTitleLimit = 250;  // bytes of the incident's title in Subject

// The length of the UTF-8 sequence that starts with `lead` (the text is valid UTF-8).
std::size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  return 2;
}

// A header value as it may go into a header: valid UTF-8, with every run of
// control characters (C0 such as CR, LF and TAB, DEL, and C1) replaced by one
// space, so that no value can end its header line and start another.
std::string CleanHeaderValue(std::string_view raw) {
  std::string text = ValidUtf8(raw);
  std::string out;
  bool in_controls = false;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = SequenceLength(c);
    bool control = c < 0x20 || c == 0x7F ||
                   (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0);
    if (control) {
      if (!in_controls) out += ' ';
      in_controls = true;
    } else {
      out.append(text, i, n);
      in_controls = false;
    }
    i += n;
  }
  return out;
}

bool IsPrintableAscii(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}


// An unstructured header (Subject): as it is when it is printable ASCII
// that fits on one line; otherwise RFC 2047 encoded words
// ("=?UTF-8?B?...?="), each holding whole characters, one per line, folded
// so that every line stays within 78 characters.
std::string UnstructuredHeader(const std::string& name, std::string_view raw) {
  std::string value = CleanHeaderValue(raw);
  std::string line = name + ": " + value;
  if (IsPrintableAscii(value) && line.size() <= kHeaderLineLimit && value.find("=?") == std::string::npos) {
    return line + "\r\n";
  }
  constexpr std::size_t kWordOverhead = 12;  // "=?UTF-8?B?" and "?="
  std::string out = name + ":";
  std::size_t used = out.size();
  std::string chunk;
  auto flush = [&] {
    out += ' ' + ("=?UTF-8?B?" + Base64Encode(chunk) + "?=");
    chunk.clear();
  };
  // The raw bytes whose encoded word fits after `prefix` characters of a line.
  auto room = [&](std::size_t prefix) {
    std::size_t word = std::min(kEncodedWordLimit, kHeaderLineLimit - prefix - 1);
    return (word - kWordOverhead) / 4 * 3;
  };
  std::size_t max_bytes = room(used);
  for (std::size_t i = 0; i < value.size();) {
    std::size_t n = SequenceLength(static_cast<unsigned char>(value[i]));
    if (!chunk.empty() && chunk.size() + n > max_bytes) {
      flush();
      out += "\r\n";  // the next word on a continuation line (folding whitespace)
      max_bytes = room(0);
    }
    chunk.append(value, i, n);
    i += n;
  }
  if (!chunk.empty()) flush();
  return out + "\r\n";
}

// An address header (From, To): control characters removed, and folded after
// a comma when the list does not fit on one line. Addresses themselves are
// not encoded (RFC 2047 does not apply to them).
std::string AddressHeader(const std::string& name, const std::vector<std::string>& addresses) {
  std::string out = name + ":";
  std::size_t line = out.size();
  for (std::size_t k = 0; k < addresses.size(); ++k) {
    std::string item = addresses[k] + (k + 1 < addresses.size() ? "," : "");
    if (k > 0 && line + 1 + item.size() > kHeaderLineLimit) {
      out += "\r\n";
      line = 0;
    }
    out += ' ' + item;
    line += 1 + item.size();
  }
  return out + "\r\n";
}

// RFC 5322 3.3: "Fri, 27 Nov 2026 10:00:00 +0000".
std::string DateHeader(TimePoint t) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// The body's lines, each ended by CRLF: a CRLF, a bare CR and a bare LF all
// end a line (SMTP knows CRLF only: a bare LF before "." could end the DATA
// early on some servers, or smuggle a second message). NUL bytes go.
std::vector<std::string> BodyLines(std::string_view raw) {
  std::string text = ValidUtf8(raw);
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      lines.emplace_back();
    } else if (c != '\0') {
      lines.back() += c;
    }
  }
  if (lines.back().empty()) lines.pop_back();  // the text ended with a line end
  return lines;
}

// RFC 2045 6.7 quoted-printable, lines within 76 characters with soft line
// breaks. '.' opening a line is encoded too, so no line starts with a dot.
std::string QuotedPrintable(const std::vector<std::string>& lines) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const auto& line : lines) {
    std::size_t col = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      bool last = i + 1 == line.size();
      auto token = [&] {
        bool literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
                       ((c == ' ' || c == '\t') && !last);
        if (literal) return std::string(1, static_cast<char>(c));
        return std::string{'=', kHex[c >> 4], kHex[c & 15]};
      };
      std::string t = token();
      // Room for the "=" of a soft break, unless this is the line's end.
      if (col + t.size() + (last ? 0 : 1) > kQpLineLimit) {
        out += "=\r\n";
        col = 0;
        t = token();
      }
      out += t;
      col += t.size();
    }
    out += "\r\n";
  }
  return out;
}

// One MIME entity: its Content-Type and Content-Transfer-Encoding headers, a
// blank line and the body. 8bit keeps the text readable; a line over 998
// octets cannot go as 8bit, so then the whole body goes quoted-printable.
// Leading dots are not doubled here: libcurl dot-stuffs what it uploads to an
// SMTP server.
std::string Part(const std::string& type, const std::string& body) {
  std::vector<std::string> lines = BodyLines(body);
  bool long_lines = false;
  for (const auto& line : lines) long_lines = long_lines || line.size() > kBodyLineLimit;
  std::string out = "Content-Type: " + type + "; charset=utf-8\r\n";
  out += std::string("Content-Transfer-Encoding: ") + (long_lines ? "quoted-printable" : "8bit") + "\r\n\r\n";
  if (long_lines) return out + QuotedPrintable(lines);
  for (const auto& line : lines) out += line + "\r\n";
  return out;
}

std::vector<std::string> SplitAddresses(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string addr = CleanHeaderValue(list.substr(start, end - start));
    addr.erase(0, addr.find_first_not_of(' '));
    addr.erase(addr.find_last_not_of(' ') + 1);
    if (!addr.empty()) out.push_back(addr);
    start = end + 1;
  }
  return out;
}

}  // namespace

SmtpMessage Build(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                  const core::Delivery& delivery, const SendContext& ctx) {
  SmtpMessage m;
  m.url = Setting(channel, "smtp_url", "smtp://127.0.0.1:25");
  // The envelope too: a line break in MAIL FROM or RCPT TO would be a command.
  m.from = CleanHeaderValue(Setting(channel, "from", "tocsin@localhost"));
  m.to = SplitAddresses(Setting(channel, "to"));
  m.username = Setting(channel, "username");
  m.password = Setting(channel, "password");
  m.starttls = Setting(channel, "starttls") == "true";
  std::string subject = "Tocsin test notification";
  if (incident) {
    subject = "[" + CleanHeaderValue(incident->severity) + "] " +
              TruncateUtf8(CleanHeaderValue(incident->title), kSubjectTitleLimit) + " (" + IncidentLabel(*incident) + ")";
  }
  // A notice (no incident) names itself in its reason; an HTML page is sent as
  // such (the weekly review).
  bool notice = !delivery.notice_key.empty();
  if (notice) subject = TruncateUtf8(CleanHeaderValue(delivery.reason), kSubjectTitleLimit);
  bool html = notice && (message.rfind("<!DOCTYPE html", 0) == 0 || message.rfind("<html", 0) == 0);
  std::string text = message + "\n";
  if (incident) text += "\n" + IncidentUrl(ctx.public_url, *incident) + "\n";
  // The message was complete when it was queued; a retry keeps its Date, as
  // it keeps its Message-ID.
  TimePoint date = delivery.created == TimePoint{}
                       ? std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now())
                       : delivery.created;
  std::string data;
  data += AddressHeader("From", {m.from});
  data += AddressHeader("To", m.to);
  data += UnstructuredHeader("Subject", subject);
  data += "Date: " + DateHeader(date) + "\r\n";
  data += "Message-ID: <" + delivery.IdempotencyKey() + "@tocsin>\r\n";
  data += "X-Tocsin-Event: " + CleanHeaderValue(delivery.kind) + "\r\n";
  data += "MIME-Version: 1.0\r\n";
  if (html) {
    // An HTML page goes with a plain-text alternative (RFC 2046 5.1.4: the
    // plainest first), for clients that do not show HTML.
    std::string boundary = "=_tocsin_" + delivery.IdempotencyKey();
    data += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    data += "--" + boundary + "\r\n" + Part("text/plain", HtmlToText(message) + "\n");
    data += "\r\n--" + boundary + "\r\n" + Part("text/html", text);
    data += "\r\n--" + boundary + "--\r\n";
  } else {
    data += Part("text/plain", text);
  }
  m.data = std::move(data);
  return m;
}

}  // namespace tocsin::notify::email
