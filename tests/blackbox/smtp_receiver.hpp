#pragma once
// SmtpReceiver: a minimal SMTP server on 127.0.0.1:0 that accepts every
// message and records it (envelope and data), standing in for a mail server
// in black-box tests. One connection at a time; no TLS. With `with_auth`, it
// offers AUTH PLAIN and accepts any credentials (kept in auth_lines()).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tocsin::testing {

class SmtpReceiver {
 public:
  struct Message {
    std::string from;             // MAIL FROM address, without <>
    std::vector<std::string> to;  // RCPT TO addresses, without <>
    std::string data;             // the message as sent, CRLF line ends, without the final "."
  };

  explicit SmtpReceiver(bool with_auth = false);
  ~SmtpReceiver();
  int port() const { return port_; }
  std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<Message> messages();
  std::vector<std::string> auth_lines();

 private:
  struct Impl;
  void Serve();

  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Message> messages_;
  std::vector<std::string> auth_lines_;
  bool with_auth_ = false;
  std::thread thread_;
};

}  // namespace tocsin::testing
