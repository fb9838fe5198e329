#pragma once
// Transport-neutral HTTP request and response, so handlers (api/) never see
// Boost.Beast. Header names are stored lower-case; query parameters are
// percent-decoded (and '+' read as a space, as form encoding does).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tocsin::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // raw "/api/v2/incidents?page%5Bsize%5D=5"
  std::string path;    // decoded "/api/v2/incidents"
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string request_id;
  std::string remote_address;

  const std::string* Header(const std::string& lower_name) const;
  std::optional<std::string> Query(const std::string& name) const;
};

// The sending side of a long-lived response (Server-Sent Events). Usable
// from any thread; sends are queued and written in order. It closes when the
// client goes away, the server stops, or a slow client lets too much queue up.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  virtual bool Send(std::string bytes) = 0;  // false once closed (nothing sent)
  virtual bool Closed() const = 0;
};

// A response whose body stays open: the server sends the head (no length; the
// connection closes at its end), then calls `open` with the writer. `closed`
// runs exactly once when the stream ends, also when it never opened. Neither
// holds a worker thread; both must return quickly.
struct ResponseStream {
  std::function<void(std::shared_ptr<StreamWriter>)> open;
  std::function<void()> closed;
  std::string heartbeat;  // sent after `heartbeat_every` with nothing sent
  std::chrono::milliseconds heartbeat_every{15000};
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<ResponseStream> stream;  // set: a long-lived body (see ResponseStream)

  static Response Json(int status, std::string body);
};

using Handler = std::function<Response(const Request&)>;

// Percent-decoding; nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space);
// Splits "a=1&b=2" into decoded pairs; nullopt when an escape is malformed.
std::optional<std::multimap<std::string, std::string>> ParseQueryString(std::string_view qs);

}  // namespace tocsin::http
