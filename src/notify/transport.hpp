#pragma once
// Outbound transports through libcurl: HTTP(S) POST and SMTP. Blocking, with
// a timeout; safe to call from several threads at once. Post keeps one easy
// handle per calling thread, so connections to a receiver stay open between
// requests (keep-alive); SendMail uses one handle per message. Errors never
// include URLs or credentials, which may carry secrets.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tocsin::notify {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers are read whole up to this bound (Slack's chat.postMessage echoes
// the message it posted, blocks and all); beyond it, reading stops and the
// answer is classified by its status alone.
inline constexpr std::size_t kMaxAnswerBytes = 1 << 20;

struct HttpAnswer {
  int status = 0;                // 0 when no HTTP answer arrived
  std::string body;              // the whole answer, or its first kMaxAnswerBytes
  std::optional<std::chrono::seconds> retry_after;
  std::string transport_error;   // "connection refused", "timed out", ... when status == 0
  bool body_truncated = false;   // longer than kMaxAnswerBytes: `body` is its start only
};

HttpAnswer Post(const HttpRequest& request, std::chrono::milliseconds timeout);
// The same as a GET (the request's body is not sent): the CLI reading a
// running server.
HttpAnswer Get(const HttpRequest& request, std::chrono::milliseconds timeout);

struct SmtpMessage {
  std::string url;  // smtp://host:port or smtps://host:port
  std::string from;
  std::vector<std::string> to;
  std::string username, password;
  bool starttls = false;  // require STARTTLS on smtp://
  std::string data;       // RFC 5322 message: headers, blank line, body
};

// Empty on success, else what went wrong.
std::string SendMail(const SmtpMessage& message, std::chrono::milliseconds timeout);

}  // namespace tocsin::notify
