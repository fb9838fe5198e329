#include "notify/transport.hpp"

#include <curl/curl.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tocsin::notify {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Keeps the answer up to kMaxAnswerBytes; past that, stops the transfer (a
// short count makes libcurl end it with CURLE_WRITE_ERROR), and Post still
// reports the status that arrived.
std::size_t CollectBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* answer = static_cast<HttpAnswer*>(user);
  std::size_t bytes = size * n;
  std::size_t room = kMaxAnswerBytes - answer->body.size();
  if (bytes > room) {
    answer->body.append(data, room);
    answer->body_truncated = true;
    return 0;
  }
  answer->body.append(data, bytes);
  return bytes;
}

// "Name: value" with every run of control characters (CR and LF above all)
// as one space: a header's text, from the configuration or not, cannot end
// its line and add a header of its own.
std::string HeaderLine(const std::string& name, const std::string& value) {
  std::string line = name + ": " + value;
  std::string out;
  bool in_controls = false;
  for (char ch : line) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      if (!in_controls) out += ' ';
      in_controls = true;
    } else {
      out += ch;
      in_controls = false;
    }
  }
  return out;
}

std::size_t CollectHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* answer = static_cast<HttpAnswer*>(user);
  std::string line(data, size * n);
  constexpr const char* kRetryAfter = "retry-after:";
  if (line.size() > std::strlen(kRetryAfter) && strncasecmp(line.c_str(), kRetryAfter, std::strlen(kRetryAfter)) == 0) {
    std::string value = line.substr(std::strlen(kRetryAfter));
    try {
      long seconds = std::stol(value);
      if (seconds >= 0 && seconds < 86400) answer->retry_after = std::chrono::seconds(seconds);
    } catch (...) {
      // An HTTP-date Retry-After: fall back to our own backoff.
    }
  }
  return size * n;
}

std::string Describe(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT: return "connection refused";
    case CURLE_OPERATION_TIMEDOUT: return "timed out";
    case CURLE_COULDNT_RESOLVE_HOST: return "cannot resolve host";
    case CURLE_SSL_CONNECT_ERROR: return "TLS handshake failed";
    case CURLE_LOGIN_DENIED: return "login denied";
    default: return curl_easy_strerror(code);
  }
}

struct SmtpUpload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<SmtpUpload*>(user);
  std::size_t room = size * n;
  std::size_t left = up->data->size() - up->offset;
  std::size_t chunk = std::min(room, left);
  std::memcpy(buffer, up->data->data() + up->offset, chunk);
  up->offset += chunk;
  return chunk;
}

// TOCSIN_SMTP_DEBUG: the SMTP dialogue on stderr, with the AUTH exchange
// (base64 credentials) replaced by "[redacted]".
struct SmtpTrace {
  bool in_auth = false;
};

int TraceSmtp(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* trace = static_cast<SmtpTrace*>(user);
  std::string text(data, size);
  if (type == CURLINFO_HEADER_OUT) {
    if (text.rfind("AUTH ", 0) == 0) {
      trace->in_auth = true;
      auto mech_end = text.find(' ', 5);
      text = text.substr(0, mech_end == std::string::npos ? text.find_first_of("\r\n") : mech_end) + " [redacted]\n";
    } else if (trace->in_auth) {
      text = "[redacted]\n";
    }
    std::fprintf(stderr, "> %s", text.c_str());
  } else if (type == CURLINFO_HEADER_IN) {
    if (trace->in_auth && text.rfind("334", 0) != 0) trace->in_auth = false;
    std::fprintf(stderr, "< %s", text.c_str());
  } else if (type == CURLINFO_TEXT) {
    std::fprintf(stderr, "* %s", text.c_str());
  }
  return 0;
}
// One easy handle per thread, reused by every request the thread sends:
// libcurl keeps the handle's connections open between requests (HTTP
// keep-alive, TLS sessions, DNS answers), so a sender thread talking to the
// same receivers does not connect and handshake for every notification.
// curl_easy_reset clears the options of the previous request but keeps the
// connections; one that the receiver closed meanwhile is detected and
// replaced by libcurl.
class ThreadHandle {
 public:
  ThreadHandle() = default;
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;
  ~ThreadHandle() {
    if (curl_) curl_easy_cleanup(curl_);
  }
  CURL* Get() {
    if (curl_) {
      curl_easy_reset(curl_);
    } else {
      curl_ = curl_easy_init();
    }
    return curl_;
  }

 private:
  CURL* curl_ = nullptr;
};

constexpr long kConnectionsPerThread = 16;  // open connections kept by one thread's handle

}  // namespace

namespace {
HttpAnswer Perform(const HttpRequest& request, std::chrono::milliseconds timeout, bool get);
}  // namespace

HttpAnswer Post(const HttpRequest& request, std::chrono::milliseconds timeout) { return Perform(request, timeout, false); }
HttpAnswer Get(const HttpRequest& request, std::chrono::milliseconds timeout) { return Perform(request, timeout, true); }

namespace {

HttpAnswer Perform(const HttpRequest& request, std::chrono::milliseconds timeout, bool get) {
  GlobalInit();
  HttpAnswer answer;
  thread_local ThreadHandle handle;
  CURL* curl = handle.Get();
  if (!curl) {
    answer.transport_error = "cannot initialise libcurl";
    return answer;
  }
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, HeaderLine(k, v).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // Only HTTP(S), also across redirects: a channel URL can never make the
  // server read a file:// or talk to another protocol.
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (get) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "tocsin/0.1");
  curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, kConnectionsPerThread);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && answer.body_truncated)) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    answer.status = static_cast<int>(status);
  } else {
    answer.transport_error = Describe(rc);
  }
  // The handle (and its connections) stays with the thread; only this
  // request's header list goes.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return answer;
}

}  // namespace

std::string SendMail(const SmtpMessage& m, std::chrono::milliseconds timeout) {
  GlobalInit();
  CURL* curl = curl_easy_init();
  if (!curl) return "cannot initialise libcurl";
  curl_slist* rcpt = nullptr;
  for (const auto& to : m.to) rcpt = curl_slist_append(rcpt, to.c_str());  // libcurl adds the <>
  SmtpUpload upload{&m.data};
  // libcurl sends the URL's path as the EHLO name; servers refuse an empty one.
  std::string url = m.url;
  auto scheme_end = url.find("://");
  if (scheme_end != std::string::npos && url.find('/', scheme_end + 3) == std::string::npos) url += "/tocsin";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, m.from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Operators debugging a mail server can see the SMTP dialogue (never logged
  // otherwise), without the credentials.
  SmtpTrace trace;
  if (std::getenv("TOCSIN_SMTP_DEBUG")) {
    curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, TraceSmtp);
    curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &trace);
    curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
  }
  if (m.starttls) curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!m.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, m.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, m.password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  std::string error = rc == CURLE_OK ? "" : Describe(rc);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  return error;
}

}  // namespace tocsin::notify
