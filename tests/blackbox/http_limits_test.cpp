// Connection-level limits of the HTTP server: a cap on open connections (the
// ones over it wait until a slot frees, instead of exhausting descriptors),
// the keep-alive idle timeout, and the request read timeout for clients that
// trickle their headers.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A raw client socket, so that a test controls exactly when it connects,
// sends and closes.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect");
    }
  }
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void Send(const std::string& bytes) {
    if (send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
      throw std::runtime_error("cannot send");
    }
  }
  void SendGet(const std::string& path) { Send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n"); }
  // Reads one response (headers and Content-Length body); "" if the peer
  // closed or nothing complete arrived before `wait` passed.
  std::string ReadResponse(std::chrono::milliseconds wait) {
    auto deadline = Clock::now() + wait;
    while (true) {
      auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        auto cl = buffer_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(buffer_.substr(cl + 16));
        if (buffer_.size() >= end + 4 + length) {
          std::string out = buffer_.substr(0, end + 4 + length);
          buffer_.erase(0, end + 4 + length);
          return out;
        }
      }
      if (!Fill(deadline)) return "";
    }
  }
  // True once the server has closed the connection (EOF or reset), polling
  // until `wait` passes.
  bool ClosedByPeer(std::chrono::milliseconds wait) {
    auto deadline = Clock::now() + wait;
    while (!eof_ && Fill(deadline)) {
    }
    return eof_;
  }
  // Sends `total` bytes of `fill` in 64 KB writes until done or until the
  // server stops taking them (an error, or nothing taken for 5 s); returns
  // how many were taken.
  std::size_t SendFill(char fill, std::size_t total) {
    timeval five{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
    std::string chunk(64 * 1024, fill);
    std::size_t sent = 0;
    while (sent < total) {
      ssize_t n = send(fd_, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    return sent;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  // Waits for bytes until the deadline; false on timeout or EOF.
  bool Fill(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

constexpr auto kLong = std::chrono::seconds(10);  // a deadline, not a wait: met at once when all is well

// At max_connections the connection idle the longest (no request in
// progress) is closed to make room, so a newcomer is answered without
// waiting for a timeout: a flood of idle connections cannot lock out health
// checks, alerts or people. Never more than the cap are open at once.
TEST(HttpLimits, AtTheCapTheLongestIdleConnectionMakesRoom) {
  constexpr int kCap = 8;
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.max_connections = kCap;
                                        c.server.idle_timeout = std::chrono::seconds(600);
                                        c.server.read_timeout = std::chrono::seconds(600);
                                      }}};
  std::vector<std::unique_ptr<Conn>> open;
  for (int k = 0; k < kCap; ++k) {
    open.push_back(std::make_unique<Conn>(server.port()));
    open.back()->SendGet("/healthz");
    ASSERT_NE(open.back()->ReadResponse(kLong).find("200 OK"), std::string::npos) << k;
  }
  // Eight idle kept-alive connections hold every slot; the ninth is answered
  // (long before the 600 s timeouts) because the oldest idle one was closed.
  Conn ninth(server.port());
  ninth.SendGet("/healthz");
  EXPECT_NE(ninth.ReadResponse(kLong).find("200 OK"), std::string::npos);
  EXPECT_TRUE(open.front()->ClosedByPeer(kLong)) << "the longest-idle connection should have made room";
  EXPECT_EQ(server.app().peak_connections(), static_cast<std::size_t>(kCap)) << "served over the connection limit";
  // The most recent connections still work.
  open.back()->SendGet("/healthz");
  EXPECT_NE(open.back()->ReadResponse(kLong).find("200 OK"), std::string::npos);
}

// Connections in the middle of a request are never cut to make room: with
// every slot busy, a newcomer waits in the kernel's backlog until one closes.
TEST(HttpLimits, ConnectionsMidRequestAreNeverClosedToMakeRoom) {
  constexpr int kCap = 4;
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.max_connections = kCap;
                                        c.server.read_timeout = std::chrono::seconds(600);
                                      }}};
  std::vector<std::unique_ptr<Conn>> open;
  for (int k = 0; k < kCap; ++k) {
    open.push_back(std::make_unique<Conn>(server.port()));
    open.back()->Send("GET /healthz HTTP/1.1\r\nHost: t\r\n");  // headers not finished
  }
  Conn waiting(server.port());
  waiting.SendGet("/healthz");
  // Each slow client finishes its request and is answered: none was cut.
  for (int k = 0; k < kCap; ++k) {
    open[k]->Send("\r\n");
    ASSERT_NE(open[k]->ReadResponse(kLong).find("200 OK"), std::string::npos) << k;
  }
  // Now idle, they make room, and the newcomer is answered.
  EXPECT_NE(waiting.ReadResponse(kLong).find("200 OK"), std::string::npos);
  EXPECT_EQ(server.app().peak_connections(), static_cast<std::size_t>(kCap));
}

TEST(HttpLimits, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.idle_timeout = std::chrono::seconds(1);
                                        c.server.read_timeout = std::chrono::seconds(60);
                                      }}};
  Conn conn(server.port());
  // Requests in a row share the connection.
  conn.SendGet("/healthz");
  ASSERT_NE(conn.ReadResponse(kLong).find("200 OK"), std::string::npos);
  conn.SendGet("/healthz");
  ASSERT_NE(conn.ReadResponse(kLong).find("200 OK"), std::string::npos);
  auto idle_since = Clock::now();
  // Then the connection sits idle: the server closes it after idle_timeout
  // (1 s), long before the read timeout (60 s).
  EXPECT_TRUE(conn.ClosedByPeer(std::chrono::seconds(20)));
  auto idle = Clock::now() - idle_since;
  EXPECT_GE(idle, std::chrono::milliseconds(900));
  EXPECT_LT(idle, std::chrono::seconds(20));
}

TEST(HttpLimits, RequestStartedBeforeIdleTimeoutGetsTheReadTimeout) {
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.idle_timeout = std::chrono::seconds(1);
                                        c.server.read_timeout = std::chrono::seconds(2);
                                      }}};
  Conn conn(server.port());
  conn.SendGet("/healthz");
  ASSERT_NE(conn.ReadResponse(kLong).find("200 OK"), std::string::npos);
  // A request begun within the idle timeout, whose headers trickle in, is
  // timed by the read timeout from its first byte: 408, then closed.
  conn.Send("GET /healthz HTTP/1.1\r\nHo");
  std::string answer = conn.ReadResponse(kLong);
  EXPECT_NE(answer.find("408"), std::string::npos) << answer;
  EXPECT_TRUE(conn.ClosedByPeer(kLong));
}

// The body limit counts body bytes only: a chunk header ("1;" and an endless
// chunk extension) used to be buffered without bound until the read timeout,
// hundreds of megabytes a second.
TEST(HttpLimits, EndlessChunkExtensionIsRefusedNotBuffered) {
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.max_body_bytes = 4096;
                                        c.server.read_timeout = std::chrono::seconds(60);
                                      }}};
  Conn conn(server.port());
  conn.Send("POST /api/integrations/generic HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1;");
  constexpr std::size_t kTotal = 256u * 1024 * 1024;
  std::size_t taken = conn.SendFill('a', kTotal);
  // The server stops reading after its buffer limit and closes; what the
  // kernel's socket buffers absorbed is all that is taken.
  EXPECT_LT(taken, kTotal / 4) << "the server kept reading the chunk header";
  std::string answer = conn.ReadResponse(std::chrono::seconds(5));
  EXPECT_EQ(answer.find("408"), std::string::npos) << answer;
  EXPECT_EQ(server.Call("GET", "/healthz").status, 200);
}

// Many small headers, or one huge request line, count against
// max_header_bytes as a whole: 431, and the server serves on.
TEST(HttpLimits, HeaderCountAndTargetLengthAreBoundedByTheHeaderLimit) {
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) { c.server.max_header_bytes = 8192; }}};
  std::string many = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
  for (int k = 0; k < 5000; ++k) many += "X-" + std::to_string(k) + ": v\r\n";
  many += "\r\n";
  HttpClient raw(server.port());
  std::string answer = raw.Raw(many);
  EXPECT_NE(answer.find("431"), std::string::npos) << answer.substr(0, 200);
  answer = raw.Raw("GET /healthz?" + std::string(100000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(answer.find("431"), std::string::npos) << answer.substr(0, 200);
  EXPECT_EQ(server.Call("GET", "/healthz").status, 200);
}

TEST(HttpLimits, LargeBodiesUpToTheLimitStillArriveWholeAndChunked) {
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) { c.server.max_body_bytes = 2 * 1024 * 1024; }}};
  std::string body = "{\"monitor\":\"m\"}" + std::string(1500 * 1024, ' ');
  auto whole = server.CallWith("POST", "/api/integrations/generic", body,
                               {{"Authorization", "Bearer " + server.ingest_key}});
  EXPECT_EQ(whole.status, 200) << whole.body;
  Conn conn(server.port());
  std::string req = "POST /api/integrations/generic HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                    server.ingest_key + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < body.size(); at += 100 * 1024) {
    std::string piece = body.substr(at, 100 * 1024);
    char size[32];
    std::snprintf(size, sizeof size, "%zx;ext=1\r\n", piece.size());
    req += size + piece + "\r\n";
  }
  req += "0\r\n\r\n";
  conn.Send(req);
  std::string answer = conn.ReadResponse(kLong);
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer.substr(0, 300);
}

}  // namespace
}  // namespace tocsin::testing
