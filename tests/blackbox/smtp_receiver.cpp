#include "blackbox/smtp_receiver.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <istream>

namespace tocsin::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct SmtpReceiver::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
};

namespace {

std::string Address(const std::string& line) {
  auto open = line.find('<');
  auto close = line.find('>', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return "";
  return line.substr(open + 1, close - open - 1);
}

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

SmtpReceiver::SmtpReceiver(bool with_auth) : impl_(std::make_unique<Impl>()), with_auth_(with_auth) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  thread_ = std::thread([this] { Serve(); });
}

SmtpReceiver::~SmtpReceiver() {
  stop_ = true;
  // Wakes the blocking accept with a connection of our own.
  boost::system::error_code ec;
  asio::io_context ioc;
  tcp::socket wake(ioc);
  wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)), ec);
  if (thread_.joinable()) thread_.join();
}

std::vector<SmtpReceiver::Message> SmtpReceiver::messages() {
  std::lock_guard lock(mu_);
  return messages_;
}

std::vector<std::string> SmtpReceiver::auth_lines() {
  std::lock_guard lock(mu_);
  return auth_lines_;
}

void SmtpReceiver::Serve() {
  while (!stop_) {
    boost::system::error_code ec;
    tcp::socket socket(impl_->ioc);
    impl_->acceptor.accept(socket, ec);
    if (ec || stop_) return;
    asio::streambuf in;
    auto say = [&](const std::string& line) { asio::write(socket, asio::buffer(line + "\r\n"), ec); };
    auto read_line = [&](std::string& line) {
      asio::read_until(socket, in, "\r\n", ec);
      if (ec) return false;
      std::istream s(&in);
      std::getline(s, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    };
    say("220 127.0.0.1 test ESMTP");
    Message m;
    std::string line;
    while (!ec && read_line(line)) {
      std::string verb = Upper(line.substr(0, 4));
      if (verb == "EHLO" && with_auth_) {
        say("250-127.0.0.1");
        say("250 AUTH PLAIN");
      } else if (verb == "EHLO" || verb == "HELO") {
        say("250 127.0.0.1");
      } else if (verb == "AUTH" && with_auth_) {
        {
          std::lock_guard lock(mu_);
          auth_lines_.push_back(line);
        }
        if (line.find(' ', 5) == std::string::npos) {  // "AUTH PLAIN" alone: credentials on the next line
          say("334 ");
          if (!read_line(line)) break;
          std::lock_guard lock(mu_);
          auth_lines_.push_back(line);
        }
        say("235 2.7.0 Authentication successful");
      } else if (verb == "MAIL") {
        m = Message{Address(line), {}, ""};
        say("250 OK");
      } else if (verb == "RCPT") {
        m.to.push_back(Address(line));
        say("250 OK");
      } else if (verb == "DATA") {
        say("354 End data with <CR><LF>.<CR><LF>");
        std::string data;
        while (read_line(line) && line != ".") data += (line.rfind("..", 0) == 0 ? line.substr(1) : line) + "\r\n";
        m.data = std::move(data);
        {
          std::lock_guard lock(mu_);
          messages_.push_back(m);
        }
        say("250 OK: queued");
      } else if (verb == "QUIT") {
        say("221 Bye");
        break;
      } else if (verb == "RSET" || verb == "NOOP") {
        say("250 OK");
      } else {
        say("502 Command not implemented");
      }
    }
  }
}

}  // namespace tocsin::testing
