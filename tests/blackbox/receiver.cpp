#include "blackbox/receiver.hpp"

#include <stdexcept>

namespace tocsin::testing {

RecordingReceiver::RecordingReceiver(int port) {
  http::ServerOptions o;
  o.port = port;
  o.io_threads = 1;
  o.worker_threads = 4;
  o.access_log = false;
  server_ = std::make_unique<http::Server>(o, [this](const http::Request& r) {
    Responder responder;
    {
      std::lock_guard lock(mu_);
      received_.push_back({r.path, r.headers, r.body});
      responder = responder_;
    }
    if (responder) return responder(r);
    http::Response ok;
    ok.content_type = "text/plain";
    ok.body = "ok";
    return ok;
  });
  auto started = server_->Start();
  if (!started) throw std::runtime_error("receiver: " + started.error().message);
}

RecordingReceiver::~RecordingReceiver() { server_->Stop(std::chrono::milliseconds(2000)); }

std::vector<RecordingReceiver::Received> RecordingReceiver::received() {
  std::lock_guard lock(mu_);
  return received_;
}

void RecordingReceiver::Respond(Responder responder) {
  std::lock_guard lock(mu_);
  responder_ = std::move(responder);
}

}  // namespace tocsin::testing
