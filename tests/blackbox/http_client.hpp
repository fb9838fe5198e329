#pragma once
// A small blocking HTTP/1.1 client for black-box tests (keep-alive, raw bytes).

#include <map>
#include <memory>
#include <string>

namespace tocsin::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpResult Request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  // Sends raw bytes on a fresh connection and returns everything the server
  // answers until it closes the connection.
  std::string Raw(const std::string& bytes, bool half_close = true);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tocsin::testing
