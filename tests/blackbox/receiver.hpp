#pragma once
// RecordingReceiver: a local HTTP server on 127.0.0.1 that records every
// request (standing in for Slack, PagerDuty or a webhook endpoint) and answers
// as the test tells it to.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/server.hpp"

namespace tocsin::testing {

class RecordingReceiver {
 public:
  struct Received {
    std::string path;
    std::map<std::string, std::string> headers;
    std::string body;
  };
  using Responder = std::function<http::Response(const http::Request&)>;

  explicit RecordingReceiver(int port = 0);
  ~RecordingReceiver();
  int port() const { return server_->port(); }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port()) + path; }
  std::vector<Received> received();
  void Respond(Responder responder);

 private:
  std::mutex mu_;
  std::vector<Received> received_;
  Responder responder_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace tocsin::testing
