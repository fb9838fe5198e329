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

#include <chrono>
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

}  // namespace
}  // namespace tocsin::http
