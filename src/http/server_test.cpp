// The accept loop under descriptor exhaustion: when accept() fails with
// EMFILE the server pauses accepting for accept_backoff instead of retrying
// at once (a 100 % CPU spin that also floods the log), and serves the waiting
// client once descriptors are available again.

#include "http/server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace tocsin::http {
namespace {

using Clock = std::chrono::steady_clock;

// Lowers RLIMIT_NOFILE's soft limit so that no new descriptor can be made,
// and restores it when it goes out of scope.
class NoNewDescriptors {
 public:
  NoNewDescriptors() {
    getrlimit(RLIMIT_NOFILE, &saved_);
    // The lowest free descriptor: every one below it is in use.
    int probe = open("/dev/null", O_RDONLY);
    close(probe);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(probe);
    active_ = setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~NoNewDescriptors() { Restore(); }
  void Restore() {
    if (active_) setrlimit(RLIMIT_NOFILE, &saved_);
    active_ = false;
  }
  bool active() const { return active_; }

 private:
  rlimit saved_{};
  bool active_ = false;
};

// Reads from `fd` until `needle` arrives, the peer closes, or the deadline passes.
std::string ReadUntil(int fd, const std::string& needle, Clock::time_point deadline) {
  std::string out;
  while (out.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(ServerAccept, BacksOffOnEmfileInsteadOfSpinning) {
  ServerOptions o;
  o.port = 0;
  o.io_threads = 1;
  o.worker_threads = 1;
  o.access_log = false;
  o.accept_backoff = std::chrono::milliseconds(50);
  Server server(o, [](const Request&) { return Response::Json(200, "{\"ok\":true}"); });
  ASSERT_TRUE(server.Start());

  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(client, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  Clock::time_point first_error;
  std::uint64_t errors = 0;
  {
    NoNewDescriptors limit;
    ASSERT_TRUE(limit.active());
    // The handshake completes in the kernel; the server's accept() then fails.
    ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (server.stats().accept_errors == 0 && Clock::now() < deadline) {
      poll(nullptr, 0, 1);
    }
    first_error = Clock::now();
    ASSERT_GE(server.stats().accept_errors, 1u) << "accept() never failed";
    // Three more failures take at least three back-off pauses; a loop that
    // retries at once reaches them (and thousands more) within microseconds.
    while (server.stats().accept_errors < 4 && Clock::now() < deadline) {
      poll(nullptr, 0, 1);
    }
    errors = server.stats().accept_errors;
    auto took = Clock::now() - first_error;
    EXPECT_GE(errors, 4u);
    EXPECT_GE(took, std::chrono::milliseconds(120)) << errors << " accept failures without pausing";
    EXPECT_EQ(server.stats().accepted, 0u);
  }
  // Descriptors are available again: the waiting client is served.
  std::string request = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(client, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string answer = ReadUntil(client, "{\"ok\":true}", Clock::now() + std::chrono::seconds(10));
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_EQ(server.stats().accepted, 1u);
  close(client);
  server.Stop();
}

int ConnectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A handler answering /stream with a long-lived body: it keeps the writer so
// the test can send on it, and counts how often the stream was closed.
struct StreamingHandler {
  std::mutex mu;
  std::shared_ptr<StreamWriter> writer;
  std::atomic<int> closed{0};
  std::chrono::milliseconds heartbeat_every{60000};

  Response operator()(const Request& req) {
    if (req.path != "/stream") return Response::Json(200, "{\"ok\":true}");
    Response r;
    r.content_type = "text/event-stream";
    r.stream = std::make_shared<ResponseStream>();
    r.stream->heartbeat = ": beat\n\n";
    r.stream->heartbeat_every = heartbeat_every;
    r.stream->open = [this](std::shared_ptr<StreamWriter> w) {
      w->Send("data: hello\n\n");
      std::lock_guard lock(mu);
      writer = std::move(w);
    };
    r.stream->closed = [this] { ++closed; };
    return r;
  }
  std::shared_ptr<StreamWriter> Writer() {
    std::lock_guard lock(mu);
    return writer;
  }
};

ServerOptions SmallServer() {
  ServerOptions o;
  o.port = 0;
  o.io_threads = 1;
  o.worker_threads = 1;  // a stream must not keep the only worker busy
  o.access_log = false;
  return o;
}

TEST(ServerStream, SendsWhatTheWriterSendsWithoutHoldingAWorker) {
  StreamingHandler h;
  Server server(SmallServer(), [&h](const Request& r) { return h(r); });
  ASSERT_TRUE(server.Start());
  int fd = ConnectTo(server.port());
  ASSERT_GE(fd, 0);
  std::string request = "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string head = ReadUntil(fd, "data: hello\n\n", Clock::now() + std::chrono::seconds(10));
  EXPECT_NE(head.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  ASSERT_NE(head.find("data: hello\n\n"), std::string::npos) << head;

  // The only worker is free: another client is answered while the stream is open.
  int other = ConnectTo(server.port());
  std::string plain = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(other, plain.data(), plain.size()), static_cast<ssize_t>(plain.size()));
  EXPECT_NE(ReadUntil(other, "{\"ok\":true}", Clock::now() + std::chrono::seconds(10)).find("{\"ok\":true}"),
            std::string::npos);
  close(other);

  auto w = h.Writer();
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->Send("data: one\n\n"));
  EXPECT_TRUE(w->Send("data: two\n\n"));
  std::string more = ReadUntil(fd, "data: two\n\n", Clock::now() + std::chrono::seconds(10));
  EXPECT_NE(more.find("data: one\n\ndata: two\n\n"), std::string::npos) << more;

  // The client goes away: the stream's owner is told once, and sends fail.
  close(fd);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (h.closed.load() == 0 && Clock::now() < deadline) poll(nullptr, 0, 1);
  EXPECT_EQ(h.closed.load(), 1);
  EXPECT_TRUE(w->Closed());
  EXPECT_FALSE(w->Send("data: late\n\n"));
  server.Stop();
  EXPECT_EQ(h.closed.load(), 1);
}

TEST(ServerStream, SendsTheHeartbeatWhileQuiet) {
  StreamingHandler h;
  h.heartbeat_every = std::chrono::milliseconds(20);
  Server server(SmallServer(), [&h](const Request& r) { return h(r); });
  ASSERT_TRUE(server.Start());
  int fd = ConnectTo(server.port());
  std::string request = "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string got = ReadUntil(fd, ": beat\n\n", Clock::now() + std::chrono::seconds(10));
  EXPECT_NE(got.find("data: hello\n\n: beat\n\n"), std::string::npos) << got;
  close(fd);
  server.Stop();
}

TEST(ServerStream, StopClosesOpenStreamsAtOnce) {
  StreamingHandler h;
  Server server(SmallServer(), [&h](const Request& r) { return h(r); });
  ASSERT_TRUE(server.Start());
  int fd = ConnectTo(server.port());
  std::string request = "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  ReadUntil(fd, "data: hello\n\n", Clock::now() + std::chrono::seconds(10));
  // A stream is not a request in flight: Stop closes it instead of waiting
  // out the grace period.
  auto started = Clock::now();
  server.Stop(std::chrono::seconds(60));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(h.closed.load(), 1);
  EXPECT_EQ(server.stats().open, 0u);
  // The client sees the end of the body (EOF).
  std::string rest = ReadUntil(fd, "never sent", Clock::now() + std::chrono::seconds(10));
  EXPECT_EQ(rest, "");
  char c;
  EXPECT_EQ(read(fd, &c, 1), 0);
  close(fd);
}

}  // namespace
}  // namespace tocsin::http
