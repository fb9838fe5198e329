// Live updates over HTTP (GET /api/v2/events/stream): a client holding the
// stream hears of each committed change (an incident created through the API,
// one acknowledged, an alert opening one) without asking again; it needs a key
// pair or a session; and stopping the server ends the stream.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";

// One raw connection holding the stream; reads what arrives as it arrives.
class EventStream {
 public:
  EventStream(int port, const std::string& credentials_headers) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    std::string req = "GET /api/v2/events/stream HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n" +
                      credentials_headers + "\r\n";
    if (connected_) connected_ = write(fd_, req.data(), req.size()) == static_cast<ssize_t>(req.size());
  }
  ~EventStream() { close(fd_); }

  // Everything received until `needle` arrives, the server closes, or 10 s pass.
  std::string Until(const std::string& needle) {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (got_.find(needle, used_) == std::string::npos && !eof_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
      char buf[4096];
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      got_.append(buf, static_cast<std::size_t>(n));
    }
    auto at = got_.find(needle, used_);
    std::string out = got_.substr(used_, at == std::string::npos ? std::string::npos : at + needle.size() - used_);
    if (at != std::string::npos) used_ = at + needle.size();
    return out;
  }
  bool connected() const { return connected_; }
  bool eof() const { return eof_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string got_;
  std::size_t used_ = 0;
};

class EventsStreamTest : public ::testing::Test {
 protected:
  std::string Keys() {
    return "DD-API-KEY: " + server_.api_key + "\r\nDD-APPLICATION-KEY: " + server_.app_key + "\r\n";
  }
  TestServer server_;
};

TEST_F(EventsStreamTest, ACommittedChangeArrivesOnTheStream) {
  EventStream stream(server_.port(), Keys());
  ASSERT_TRUE(stream.connected());
  std::string head = stream.Until(": connected\n\n");
  ASSERT_NE(head.find("HTTP/1.1 200 OK"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find("retry: 3000\n"), std::string::npos) << head;

  auto inc = server_.CreateIncident("payments down");
  std::string id = inc["id"];
  std::string created = stream.Until("\n\n");
  EXPECT_EQ(created, "data: {\"created\":true,\"incident_id\":\"" + id + "\",\"kind\":\"incident\"}\n\n");

  ASSERT_EQ(server_.Call("POST", "/api/v2/incidents/" + id + "/acknowledge", json::object()).status, 200);
  EXPECT_EQ(stream.Until("\n\n"), "data: {\"incident_id\":\"" + id + "\",\"kind\":\"incident\"}\n\n");

  // An alert that opens an incident: the incident (created) and the alert.
  auto r = server_.Ingest("/api/integrations/generic", json{{"monitor", kInjection}, {"scope", "env:prod"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string opened = stream.Until("\"kind\":\"alert\"}\n\n");
  EXPECT_NE(opened.find("\"created\":true"), std::string::npos) << opened;
  EXPECT_NE(opened.find("data: {\"kind\":\"alert\"}\n\n"), std::string::npos) << opened;
  auto latest = server_.Incidents()[0];
  EXPECT_NE(opened.find(latest["id"].get<std::string>()), std::string::npos) << opened;

  // A refused change (unknown severity) says nothing: the next event is the next real change.
  auto bad = server_.Call("PATCH", "/api/v2/incidents/" + id,
                          json{{"data", {{"type", "incidents"},
                                         {"attributes", {{"fields", {{"severity", {{"type", "dropdown"}, {"value", "SEV-9"}}}}}}}}}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  ASSERT_EQ(server_.Call("POST", "/api/v2/incidents/" + id + "/timeline",
                         json{{"data", {{"type", "incident_timeline_cells"},
                                        {"attributes", {{"kind", "note"}, {"content", {{"content", "looking"}}}}}}}})
                .status,
            201);
  EXPECT_EQ(stream.Until("\n\n"), "data: {\"incident_id\":\"" + id + "\",\"kind\":\"incident\"}\n\n");
}

TEST_F(EventsStreamTest, NeedsCredentials) {
  auto r = server_.CallWith("GET", "/api/v2/events/stream", "", {});
  EXPECT_EQ(r.status, 401) << r.body;
  EventStream anonymous(server_.port(), "");
  std::string answer = anonymous.Until("\r\n\r\n");
  EXPECT_NE(answer.find("HTTP/1.1 401"), std::string::npos) << answer;
}

TEST_F(EventsStreamTest, StoppingTheServerEndsTheStream) {
  EventStream stream(server_.port(), Keys());
  ASSERT_NE(stream.Until(": connected\n\n").find("200 OK"), std::string::npos);
  server_.Stop();
  stream.Until("never sent");
  EXPECT_TRUE(stream.eof());
}

}  // namespace
}  // namespace tocsin::testing
