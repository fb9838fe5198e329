#pragma once
// Server: the HTTP/1.1 listener on Boost.Beast/Asio. Boost stays out of this
// header (pimpl) so that only server.cpp pays for it.
//
// - Keep-alive; limits on body size (413), header size (431) and on the time a
//   whole request may take to arrive (408), so a slow client cannot hold a
//   handler; malformed requests get 400.
// - `io_threads` run the sockets; handlers run on `worker_threads`, because a
//   handler may wait for a storage commit.
// - Every response carries X-Request-Id; every request is logged with it.
// - Stop() is graceful: no new connections, requests being handled finish
//   and are answered, idle connections close; then it returns.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "http/message.hpp"

namespace tocsin::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port; see Server::port()
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{10000};  // a whole request, from its first byte
  // A kept-alive connection waiting for its next request is closed after this.
  std::chrono::milliseconds idle_timeout{60000};
  // Open client connections. At the limit the connection that has waited
  // longest for a request (at least evict_idle_after, with nothing of a
  // request received) is closed to make room; when none has, further clients
  // wait in the listen backlog until one closes or becomes idle long enough.
  std::size_t max_connections = 4096;
  std::chrono::milliseconds evict_idle_after{1000};
  // How long accepting pauses when accept() fails for lack of descriptors or
  // memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), instead of retrying at once.
  std::chrono::milliseconds accept_backoff{100};
  // TLS: both set means the listener speaks HTTPS only (PEM files: the
  // certificate chain, then the private key). Read once at Start.
  std::string tls_cert_file;
  std::string tls_key_file;
  int io_threads = 0;  // 0 = hardware concurrency
  int worker_threads = 32;
  bool access_log = true;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving in background threads. kUnavailable when the
  // address cannot be bound; kInvalidArgument when the TLS files cannot be
  // read or do not match.
  Result<void> Start();
  int port() const;  // the bound port (after Start)

  struct Stats {
    std::uint64_t accepted = 0;       // connections accepted since Start
    std::uint64_t accept_errors = 0;  // accept() failures since Start
    std::size_t open = 0;             // connections open now
    std::size_t peak_open = 0;        // most connections open at once since Start
  };
  Stats stats() const;
  // Graceful stop; waits at most `grace` for requests in flight.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));

  struct Impl;  // opaque; public only so server.cpp's sessions can name it

 private:
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port"; kInvalidArgument when malformed.
Result<std::pair<std::string, int>> SplitHostPort(const std::string& listen);

}  // namespace tocsin::http
