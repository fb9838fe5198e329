// Minimal blocking HTTP/1.1 keep-alive client for the alert and notification
// benchmarks (loopback only). One Client = one TCP connection, reopened if the
// server closes it. Standard library and POSIX sockets only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace benchhttp {

inline bool IEquals(const std::string& a, std::size_t pos, const char* lit) {
  std::size_t n = std::strlen(lit);
  if (pos + n > a.size()) return false;
  return strncasecmp(a.data() + pos, lit, n) == 0;
}

// Finds header `name` (lower case, with the colon) in the header block
// [0, end); returns its trimmed value or "".
inline std::string HeaderValue(const std::string& buf, std::size_t end, const char* name) {
  std::size_t pos = buf.find("\r\n");
  while (pos != std::string::npos && pos < end) {
    pos += 2;
    if (IEquals(buf, pos, name)) {
      std::size_t v = pos + std::strlen(name);
      std::size_t e = buf.find("\r\n", v);
      while (v < e && (buf[v] == ' ' || buf[v] == '\t')) ++v;
      return buf.substr(v, e - v);
    }
    pos = buf.find("\r\n", pos);
  }
  return "";
}

class Client {
 public:
  Client(int port) : port_(port) {}
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool Connect() {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      Close();
      return false;
    }
    return true;
  }
  // POSTs body to path; returns the status code, or -1 on a transport error.
  // The response body is kept in last_body.
  int Post(const std::string& path, const std::string& extra_headers, const std::string& body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) return -1;
      std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                        extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      req += body;
      if (!SendAll(req)) {
        Close();
        continue;
      }
      int status = ReadResponse();
      if (status < 0) {
        Close();
        if (attempt == 0 && fresh_) continue;  // server closed an idle connection: retry once
        return -1;
      }
      return status;
    }
    return -1;
  }
  std::string last_body;

 private:
  bool SendAll(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return false;
      }
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  int ReadResponse() {
    fresh_ = buf_.empty();
    std::size_t hdr_end;
    while ((hdr_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return -1;
    }
    fresh_ = false;
    int status = std::atoi(buf_.c_str() + 9);
    std::string cl = HeaderValue(buf_, hdr_end, "content-length:");
    std::string te = HeaderValue(buf_, hdr_end, "transfer-encoding:");
    std::string conn = HeaderValue(buf_, hdr_end, "connection:");
    std::size_t body_start = hdr_end + 4;
    if (!cl.empty()) {
      std::size_t len = std::strtoul(cl.c_str(), nullptr, 10);
      while (buf_.size() < body_start + len) {
        if (!Fill()) return -1;
      }
      last_body = buf_.substr(body_start, len);
      buf_.erase(0, body_start + len);
    } else if (strncasecmp(te.c_str(), "chunked", 7) == 0) {
      std::size_t end;
      while ((end = buf_.find("\r\n0\r\n\r\n", body_start > 2 ? body_start - 2 : 0)) == std::string::npos) {
        if (!Fill()) return -1;
      }
      last_body = buf_.substr(body_start, end - body_start);
      buf_.erase(0, end + 7);
    } else {
      last_body.clear();
      buf_.erase(0, body_start);
    }
    if (strncasecmp(conn.c_str(), "close", 5) == 0) Close();
    return status;
  }
  bool Fill() {
    char tmp[65536];
    while (true) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
  }
  int port_;
  int fd_ = -1;
  bool fresh_ = true;
  std::string buf_;
};

inline std::string Rfc3339(std::time_t t) {
  char b[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

// Alert bodies. Index i makes each alert distinct: its own monitor (Tocsin:
// fingerprint = source + monitor + scope, so its own incident) or alertname
// (Alertmanager: its own alert and, with group_by [alertname], its own group).
inline std::string GenericAlert(const std::string& prefix, long i) {
  std::string n = std::to_string(i);
  return "{\"monitor\":\"bench-" + prefix + "-" + n + "\",\"state\":\"alert\",\"scope\":\"host:h" + n + "\",\"id\":\"" +
         prefix + "-" + n + "\",\"tags\":[\"tier:1\",\"service:bench\"]}";
}

inline std::string AmAlert(const std::string& prefix, long i, const std::string& starts, const std::string& ends) {
  std::string n = std::to_string(i);
  return "{\"labels\":{\"alertname\":\"bench-" + prefix + "-" + n + "\",\"instance\":\"h" + n +
         "\",\"severity\":\"warning\",\"service\":\"bench\"},\"annotations\":{\"summary\":\"bench alert " + n +
         "\"},\"startsAt\":\"" + starts + "\",\"endsAt\":\"" + ends + "\"}";
}

}  // namespace benchhttp
