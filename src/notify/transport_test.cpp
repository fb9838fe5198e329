// The transport sends over HTTP(S) and SMTP only: whatever a channel's URL
// says, the server never reads a local file or speaks another protocol.

#include "notify/transport.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace tocsin::notify {
namespace {

TEST(Transport, PostRefusesSchemesOtherThanHttp) {
  auto path = std::filesystem::temp_directory_path() / "tocsin-transport-secret.txt";
  std::ofstream(path) << "root:secret";
  for (std::string url : {"file://" + path.string(), std::string("gopher://127.0.0.1:9/x"),
                          std::string("dict://127.0.0.1:9/x")}) {
    HttpAnswer a = Post(HttpRequest{url, {}, "{}"}, std::chrono::milliseconds(2000));
    EXPECT_EQ(a.status, 0) << url;
    EXPECT_FALSE(a.transport_error.empty()) << url;
    EXPECT_EQ(a.body.find("root:secret"), std::string::npos) << url;
  }
  std::filesystem::remove(path);
}

TEST(Transport, SendMailRefusesSchemesOtherThanSmtp) {
  SmtpMessage m;
  m.url = "http://127.0.0.1:9/";
  m.from = "tocsin@example.com";
  m.to = {"oncall@example.com"};
  m.data = "Subject: x\r\n\r\nbody\r\n";
  std::string error = SendMail(m, std::chrono::milliseconds(2000));
  EXPECT_NE(error.find("nsupported protocol"), std::string::npos) << error;
}

}  // namespace
}  // namespace tocsin::notify
