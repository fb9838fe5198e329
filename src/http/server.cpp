#include "http/server.hpp"

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "common/random.hpp"

namespace tocsin::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
// TLS over the connection's tcp_stream, so its timeouts and the socket
// operations (idle wait, cancel, close) stay the same for both.
using TlsStream = asio::ssl::stream<beast::tcp_stream&>;

std::string ErrorBody(const std::string& message) {
  std::string out = "{\"errors\":[\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out += "\"]}";
  return out;
}

bool ValidRequestId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

class Session;

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  asio::io_context ioc;
  // The acceptor and everything about accepting run on this strand.
  asio::strand<asio::io_context::executor_type> accept_strand{asio::make_strand(ioc)};
  asio::steady_timer backoff{accept_strand};
  asio::steady_timer room_timer{accept_strand};  // full, idle connections not yet evictable: look again then
  bool room_timer_set = false;                   // (accept_strand)
  std::unique_ptr<asio::thread_pool> workers;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::ssl::context> tls;  // set when the listener speaks HTTPS
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  int bound_port = 0;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> accept_errors{0};
  std::atomic<std::uint64_t> evicted{0};  // idle connections closed to make room
  bool accepting = false;   // an async_accept is outstanding (accept_strand)
  bool backing_off = false; // accept() failed; waiting for `backoff` (accept_strand)
  std::chrono::steady_clock::time_point full_logged;  // last "connection limit reached" (accept_strand)

  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::set<std::shared_ptr<Session>> sessions;
  std::size_t peak_open = 0;  // most sessions open at once (sessions_mu)
  bool paused_full = false;  // accepting stopped at max_connections (sessions_mu)
  // Mirrors paused_full for sessions that go idle: one of them may now make
  // room, so they wake the acceptor (seq_cst with Session::idle_).
  std::atomic<bool> full{false};

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void BackOff(const beast::error_code& ec);
  void Forget(const std::shared_ptr<Session>& s) {
    bool resume = false;
    {
      std::lock_guard lock(sessions_mu);
      sessions.erase(s);
      if (paused_full && sessions.size() < options.max_connections) {
        paused_full = false;
        full = false;
        resume = true;
      }
      sessions_cv.notify_all();
    }
    if (resume) asio::post(accept_strand, [this] { Accept(); });
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The read buffer holds at most the header limit plus this: body bytes are
  // moved out as they are parsed, so only an over-long chunk header (chunk
  // extensions, which the body limit does not count) can fill it.
  static constexpr std::size_t kReadSlack = 64 * 1024;

  Session(tcp::socket socket, Server::Impl* server)
      : stream_(std::move(socket)),
        deadline_(stream_.get_executor()),
        buffer_(server->options.max_header_bytes + kReadSlack),
        server_(server) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~Session() {
    if (writer_) writer_->closed = true;
    EndStream();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->server_->tls) return self->Read();
      self->Handshake();
    });
  }

  // Waiting for the first byte of a request (a new connection, or a kept-alive
  // one between requests) since `since` (steady clock, ns): such a connection
  // costs its client nothing to hold, so it is the one closed to make room at
  // max_connections (nginx drains its idle keep-alive connections likewise).
  bool Idle(std::int64_t& since) const {
    since = idle_since_.load(std::memory_order_relaxed);
    return idle_.load(std::memory_order_acquire);
  }

  // Closes the connection if it is still idle; otherwise tells the acceptor
  // to look again (it got a request meanwhile, so it is no longer the one).
  void Evict() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code avail_ec;
      // Bytes already in the kernel's buffer: a request is arriving (its wait
      // has completed but not yet run), so the connection is not idle.
      if (self->stream_.socket().available(avail_ec) > 0 || avail_ec) self->idle_.store(false, std::memory_order_release);
      // Over TLS the read is already running: part of a request parsed means busy.
      if (self->tls_ && self->parser_ && self->parser_->got_some()) self->idle_.store(false, std::memory_order_release);
      if (self->idle_.load(std::memory_order_acquire) && !self->closed_) {
        self->evicted_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);  // the wait ends; its handler closes
        return;
      }
      asio::post(self->server_->accept_strand, [server = self->server_] { server->Accept(); });
    });
  }

  // Called on shutdown: close if no request is being handled.
  void ShutdownIfIdle() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

 private:
  // The first request must arrive within read_timeout of the connection;
  // between kept-alive requests the connection may sit idle for idle_timeout,
  // and each request then has read_timeout from its first byte.
  void Read() {
    if (server_->stopping) return Close();
    if (buffer_.size() > 0) return ReadRequest(true);
    if (tls_) return ReadTlsRequest();
    // Nothing of a request yet: wait for its first byte, as an idle connection
    // that may be closed to make room (Evict). The first request's read
    // timeout runs from the connection, so its deadline is armed here and
    // kept through the read.
    const bool first = served_ == 0;
    Arm(first ? server_->options.read_timeout : server_->options.idle_timeout);
    MarkIdle();
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), first](beast::error_code ec) {
      self->idle_.store(false, std::memory_order_release);
      if (ec || self->timed_out_ || self->evicted_ || self->server_->stopping) {
        self->Disarm();
        return self->Close();
      }
      if (!first) self->Disarm();
      self->ReadRequest(!first);
    });
  }

  void ReadRequest(bool arm) {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    if (arm) Arm(server_->options.read_timeout);
    OnStream([this](auto& stream) {
      bhttp::async_read(stream, buffer_, *parser_,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
    });
  }

  // Runs `f` with the stream requests and responses travel on: the TLS
  // stream when the listener speaks HTTPS, the TCP stream otherwise.
  template <class F>
  void OnStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(stream_);
    }
  }

  // HTTPS: the handshake must finish within read_timeout. Until it has, the
  // connection counts as idle (it may be closed to make room), as a plain one
  // does before its first byte.
  void Handshake() {
    tls_ = std::make_unique<TlsStream>(stream_, *server_->tls);
    Arm(server_->options.read_timeout);
    MarkIdle();
    tls_->async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      self->idle_.store(false, std::memory_order_release);
      self->Disarm();
      if (ec || self->timed_out_ || self->evicted_ || self->server_->stopping) {
        if (ec && !self->timed_out_ && !self->evicted_) {
          log::Debug("TLS handshake failed", {{"error", ec.message()}, {"remote", self->remote_}});
        }
        return self->Close();
      }
      self->Read();
    });
  }

  // HTTPS between requests. The plain path waits for the socket to become
  // readable, but over TLS the next request's bytes may already sit
  // decrypted-pending inside the TLS engine (they often arrive with the
  // handshake's last flight), where the socket cannot show them. So the read
  // starts at once, under the idle (or first-request) deadline, and the
  // connection counts as idle until the parser has seen part of a request.
  void ReadTlsRequest() {
    const bool first = served_ == 0;
    Arm(first ? server_->options.read_timeout : server_->options.idle_timeout);
    MarkIdle();
    ReadRequest(false);
  }

  void MarkIdle() {
    idle_since_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    idle_.store(true);  // seq_cst, then `full` is read: see Server::Impl::full
    if (server_->full.load()) asio::post(server_->accept_strand, [server = server_] { server->Accept(); });
  }

  // Cancels the socket's operations after `after`, unless disarmed first.
  // A generation number tells a stale expiry (one already queued when the
  // timer was disarmed or re-armed) from the current one.
  void Arm(std::chrono::milliseconds after) {
    std::uint64_t generation = ++deadline_generation_;
    timed_out_ = false;
    deadline_.expires_after(after);
    deadline_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->deadline_generation_) return;  // disarmed in time
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void Disarm() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  void OnRead(beast::error_code ec) {
    Disarm();
    idle_.store(false, std::memory_order_release);
    bool partial = parser_ && parser_->got_some();
    if (timed_out_) {
      if (partial) return Fail(408, "request not received within the read timeout");
      return Close();
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      return Fail(413, "request body exceeds the limit of " + std::to_string(server_->options.max_body_bytes) +
                           " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return Fail(431, "request headers exceed the limit of " +
                           std::to_string(server_->options.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::buffer_overflow) {
      // Only a chunk header (its extensions) can fill the buffer: headers
      // hit header_limit first, and body bytes leave the buffer as parsed.
      return Fail(400, "malformed HTTP request: a chunk header is longer than " +
                           std::to_string(kReadSlack) + " bytes");
    }
    if (ec == bhttp::error::partial_message) return Close();
    if (ec) return Fail(400, "malformed HTTP request: " + ec.message());
    busy_ = true;
    ++served_;
    auto req = std::make_shared<bhttp::request<bhttp::string_body>>(parser_->release());
    keep_alive_ = req->keep_alive();
    started_ = std::chrono::steady_clock::now();
    asio::post(*server_->workers, [self = shared_from_this(), req] { self->Handle(*req); });
  }

  // Runs on a worker thread.
  void Handle(bhttp::request<bhttp::string_body>& raw) {
    static thread_local const bool named = (NameThisThread("tocsin-worker"), true);
    (void)named;
    Request req;
    req.method = std::string(raw.method_string());
    req.target = std::string(raw.target());
    req.remote_address = remote_;
    for (const auto& field : raw) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(field.value());
    }
    auto incoming_id = req.Header("x-request-id");
    req.request_id = incoming_id && ValidRequestId(*incoming_id) ? *incoming_id : RandomHex(8);
    req.body = std::move(raw.body());
    Response res;
    std::string_view target = req.target;
    std::size_t q = target.find('?');
    auto path = PercentDecode(target.substr(0, q), false);
    auto query = ParseQueryString(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
    if (!path || !query) {
      res = Response::Json(400, ErrorBody("malformed percent-encoding in the request target"));
    } else {
      req.path = std::move(*path);
      req.query = std::move(*query);
      try {
        res = server_->handler(req);
      } catch (const std::exception& e) {
        log::Error("handler threw", {{"request_id", req.request_id}, {"error", e.what()}});
        res = Response::Json(500, ErrorBody("internal error"));
      }
    }
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    if (server_->options.access_log && log::Enabled(log::Level::kInfo)) {
      log::Info("request", {{"request_id", req.request_id},
                            {"method", req.method},
                            {"path", req.path},
                            {"status", std::to_string(res.status)},
                            {"ms", std::to_string(ms)},
                            {"remote", remote_}});
    }
    if (res.stream) {
      auto head = std::make_shared<std::string>(StreamHead(res, req.request_id));
      asio::post(stream_.get_executor(), [self = shared_from_this(), head, stream = std::move(res.stream)] {
        self->StartStream(head, stream);
      });
      return;
    }
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(res.status));
    out->set(bhttp::field::server, "tocsin");
    out->set("X-Request-Id", req.request_id);
    if (!(res.status == 204 && res.body.empty())) out->set(bhttp::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) out->set(k, v);
    out->body() = std::move(res.body);
    out->keep_alive(keep_alive_ && !server_->stopping);
    out->prepare_payload();
    asio::post(stream_.get_executor(), [self = shared_from_this(), out] { self->Write(out); });
  }

  void Write(std::shared_ptr<bhttp::response<bhttp::string_body>> res) {
    bool close = !res->keep_alive();
    stream_.expires_after(std::chrono::seconds(30));
    OnStream([this, &res, close](auto& stream) {
      bhttp::async_write(stream, *res, [self = shared_from_this(), res, close](beast::error_code ec, std::size_t) {
        self->stream_.expires_never();
        self->busy_ = false;
        if (!ec && close && self->linger_) return self->Linger();
        if (ec || close) return self->Close();
        self->Read();
      });
    });
  }

  // A long-lived response (ResponseStream): the head without a length (the
  // body ends when the connection closes), then whatever the writer sends, in
  // order. The connection counts as idle (Stop closes it); a read watches for
  // the client going away; a heartbeat keeps proxies from timing it out.
  static constexpr std::size_t kMaxStreamQueue = 1024 * 1024;
  static constexpr std::chrono::seconds kStreamWriteTimeout{30};

  static std::string StreamHead(const Response& res, const std::string& request_id) {
    std::string head = "HTTP/1.1 " + std::to_string(res.status) + " " +
                       std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(res.status))) + "\r\n";
    head += "Server: tocsin\r\nX-Request-Id: " + request_id + "\r\nContent-Type: " + res.content_type + "\r\n";
    for (const auto& [k, v] : res.headers) head += k + ": " + v + "\r\n";
    head += "Connection: close\r\n\r\n";
    return head;
  }

 public:
  bool StreamSend(std::string bytes) {  // on the strand
    if (closed_ || !stream_body_) return false;
    if (queued_ + bytes.size() > kMaxStreamQueue) {
      log::Warn("event stream closed: the client is not reading", {{"remote", remote_}});
      Close();
      return false;
    }
    queued_ += bytes.size();
    out_.push_back(std::move(bytes));
    if (!writing_) WriteNext();
    return true;
  }

 private:
  void StartStream(std::shared_ptr<std::string> head, std::shared_ptr<ResponseStream> stream) {
    busy_ = false;
    stream_body_ = std::move(stream);
    if (closed_) return EndStream();
    if (server_->stopping) return Close();
    writer_ = std::make_shared<Writer>(shared_from_this());
    out_.push_back(std::move(*head));
    WriteNext();
    drain_ = std::make_unique<std::array<char, 16 * 1024>>();
    WatchForClose();
    heartbeat_.emplace(stream_.get_executor());
    Heartbeat();
    if (stream_body_->open) stream_body_->open(writer_);
  }

  void WriteNext() {
    if (out_.empty() || closed_) return;
    writing_ = true;
    last_sent_ = std::chrono::steady_clock::now();
    stream_.expires_after(kStreamWriteTimeout);
    OnStream([this](auto& stream) {
      asio::async_write(stream, asio::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->stream_.expires_never();
        self->writing_ = false;
        if (ec || self->closed_) return self->Close();
        self->queued_ -= std::min(self->queued_, self->out_.front().size());
        self->out_.pop_front();
        self->WriteNext();
      });
    });
  }

  void WatchForClose() {
    OnStream([this](auto& stream) {
      stream.async_read_some(asio::buffer(*drain_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec || self->closed_) return self->Close();
        self->WatchForClose();  // a client has nothing to say on a stream: discard it
      });
    });
  }

  void Heartbeat() {
    heartbeat_->expires_after(stream_body_->heartbeat_every);
    heartbeat_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      auto quiet = std::chrono::steady_clock::now() - self->last_sent_;
      if (!self->stream_body_->heartbeat.empty() && quiet >= self->stream_body_->heartbeat_every) {
        self->StreamSend(self->stream_body_->heartbeat);
      }
      self->Heartbeat();
    });
  }

  // Tells the stream's owner it ended (once).
  void EndStream() {
    if (!stream_body_ || !stream_body_->closed) return;
    auto closed = std::move(stream_body_->closed);
    stream_body_->closed = nullptr;
    closed();
  }

  // The writer handed to the stream's owner; posts to this connection's strand.
  class Writer : public StreamWriter {
   public:
    explicit Writer(std::weak_ptr<Session> session) : session_(std::move(session)) {}
    bool Send(std::string bytes) override {
      if (closed) return false;
      auto s = session_.lock();
      if (!s) return false;
      asio::post(s->stream_.get_executor(), [s, b = std::move(bytes)]() mutable { s->StreamSend(std::move(b)); });
      return true;
    }
    bool Closed() const override { return closed; }
    std::atomic<bool> closed{false};

   private:
    std::weak_ptr<Session> session_;
  };

  // After refusing a request whose bytes may still be arriving (a body over
  // the limit, headers too large), closing at once would make the kernel
  // answer the unread bytes with a reset, which can destroy the refusal
  // before the client reads it. Instead: stop sending, then read and discard
  // what the client still sends, for at most kLingerTime and kLingerBytes.
  static constexpr std::chrono::milliseconds kLingerTime{2000};
  static constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;

  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain_ = std::make_unique<std::array<char, 16 * 1024>>();
    Arm(kLingerTime);
    Drain();
  }

  void Drain() {
    stream_.socket().async_read_some(asio::buffer(*drain_), [self = shared_from_this()](beast::error_code ec,
                                                                                         std::size_t n) {
      self->drained_ += n;
      if (ec || self->timed_out_ || self->drained_ >= kLingerBytes) return self->Close();
      self->Drain();
    });
  }

  void Fail(int status, const std::string& message) {
    busy_ = true;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(status));
    res->set(bhttp::field::server, "tocsin");
    res->set(bhttp::field::content_type, "application/json");
    res->set("X-Request-Id", RandomHex(8));
    res->body() = ErrorBody(message);
    res->keep_alive(false);
    res->prepare_payload();
    log::Warn("rejected request", {{"status", std::to_string(status)}, {"reason", message}, {"remote", remote_}});
    linger_ = true;
    Write(res);
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    Disarm();
    if (heartbeat_) heartbeat_->cancel();
    if (writer_) writer_->closed = true;
    EndStream();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    server_->Forget(shared_from_this());
  }

  beast::tcp_stream stream_;
  std::unique_ptr<TlsStream> tls_;  // over stream_, when the listener speaks HTTPS
  asio::steady_timer deadline_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl* server_;
  std::string remote_;
  bool busy_ = false;
  bool keep_alive_ = true;
  bool timed_out_ = false;
  bool closed_ = false;
  std::uint64_t deadline_generation_ = 0;
  std::uint64_t served_ = 0;  // requests read on this connection
  bool linger_ = false;       // refused: drain the client's bytes before closing
  bool evicted_ = false;      // closed to make room at max_connections
  std::atomic<bool> idle_{false};          // waiting for a request's first byte (read by the acceptor)
  std::atomic<std::int64_t> idle_since_{0};
  std::unique_ptr<std::array<char, 16 * 1024>> drain_;
  std::size_t drained_ = 0;
  std::chrono::steady_clock::time_point started_;
  // A long-lived response (StartStream), all on the strand.
  std::shared_ptr<ResponseStream> stream_body_;
  std::shared_ptr<Writer> writer_;
  std::deque<std::string> out_;
  std::size_t queued_ = 0;
  bool writing_ = false;
  std::chrono::steady_clock::time_point last_sent_;
  std::optional<asio::steady_timer> heartbeat_;
};

// Runs on accept_strand. At most one accept is outstanding; none while
// backing off, while at max_connections (Forget resumes), or when stopping.
void Server::Impl::Accept() {
  if (stopping || accepting || backing_off) return;
  std::shared_ptr<Session> victim;
  {
    std::lock_guard lock(sessions_mu);
    if (sessions.size() >= options.max_connections) {
      paused_full = true;
      full = true;  // before the scan: a session going idle after it wakes us
      // Make room: the connection idle the longest (no request in progress)
      // is closed, and accepting resumes when it is gone (Forget). So a flood
      // of idle connections cannot keep health checks, alerts and people
      // out; a connection in the middle of a request is never cut.
      std::int64_t oldest = 0;
      for (const auto& s : sessions) {
        std::int64_t since = 0;
        if (s->Idle(since) && (!victim || since < oldest)) {
          victim = s;
          oldest = since;
        }
      }
      // A connection just opened gets time to send its request.
      using Steady = std::chrono::steady_clock;
      auto evictable_at = Steady::time_point(Steady::duration(oldest)) + options.evict_idle_after;
      if (victim && Steady::now() < evictable_at) {
        victim.reset();
        if (!room_timer_set) {
          room_timer_set = true;
          room_timer.expires_at(evictable_at);
          room_timer.async_wait([this](beast::error_code ec) {
            room_timer_set = false;
            if (!ec) Accept();
          });
        }
      }
      auto now = std::chrono::steady_clock::now();
      if (now - full_logged >= std::chrono::minutes(1)) {
        full_logged = now;
        log::Warn(victim ? "connection limit reached; closing the longest-idle connections to make room"
                         : "connection limit reached; new connections wait until one closes",
                  {{"max_connections", std::to_string(options.max_connections)}});
      }
      if (!victim) return;  // Forget resumes when a connection closes
    }
  }
  if (victim) {
    ++evicted;
    victim->Evict();
    return;  // Forget resumes when it is gone
  }
  accepting = true;
  acceptor->async_accept(asio::make_strand(ioc),
                         asio::bind_executor(accept_strand, [this](beast::error_code ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         }));
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  accepting = false;
  if (stopping || ec == asio::error::operation_aborted) return;
  if (ec) {
    ++accept_errors;
    // A connection that failed on its own: take the next one at once.
    if (ec == asio::error::connection_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::try_again || ec == asio::error::interrupted || ec == asio::error::no_permission ||
        ec == boost::system::errc::protocol_error) {
      log::Warn("accept failed", {{"error", ec.message()}});
      return Accept();
    }
    // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) or
    // anything else that would fail again at once: the pending connection
    // stays in the backlog, so retrying now would spin.
    return BackOff(ec);
  }
  ++accepted;
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(std::move(socket), this);
  {
    std::lock_guard lock(sessions_mu);
    sessions.insert(session);
    peak_open = std::max(peak_open, sessions.size());
  }
  session->Start();
  Accept();
}

void Server::Impl::BackOff(const beast::error_code& ec) {
  log::Warn("accept failed; pausing accepting",
            {{"error", ec.message()}, {"pause_ms", std::to_string(options.accept_backoff.count())}});
  backing_off = true;
  backoff.expires_after(options.accept_backoff);
  backoff.async_wait([this](beast::error_code wait_ec) {
    backing_off = false;
    if (wait_ec) return;  // cancelled by Stop
    Accept();
  });
}

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

Server::~Server() { Stop(std::chrono::milliseconds(1000)); }

Result<void> Server::Start() {
  auto& o = impl_->options;
  beast::error_code ec;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      return InvalidArgument("TLS needs both a certificate file and a key file");
    }
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    // TLS 1.2 and 1.3 only; OpenSSL's default ciphers for them.
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                     asio::ssl::context::single_dh_use);
    tls->use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) return InvalidArgument("TLS certificate file '" + o.tls_cert_file + "': " + ec.message());
    tls->use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return InvalidArgument("TLS key file '" + o.tls_key_file + "': " + ec.message());
    if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
      return InvalidArgument("TLS key file '" + o.tls_key_file + "' does not match the certificate '" +
                             o.tls_cert_file + "'");
    }
    impl_->tls = std::move(tls);
  }
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) return InvalidArgument("listen address '" + o.host + "' is not an IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(o.port));
  impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->ioc);
  impl_->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(endpoint, ec);
  if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message());
  }
  impl_->bound_port = impl_->acceptor->local_endpoint().port();
  int io = o.io_threads > 0 ? o.io_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl_->workers = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(std::max(1, o.worker_threads)));
  asio::post(impl_->accept_strand, [this] { impl_->Accept(); });
  for (int k = 0; k < io; ++k) {
    impl_->threads.emplace_back([this] {
      NameThisThread("tocsin-http");
      impl_->ioc.run();
    });
  }
  return {};
}

int Server::port() const { return impl_->bound_port; }

Server::Stats Server::stats() const {
  Stats s;
  s.accepted = impl_->accepted.load();
  s.accept_errors = impl_->accept_errors.load();
  std::lock_guard lock(impl_->sessions_mu);
  s.open = impl_->sessions.size();
  s.peak_open = impl_->peak_open;
  return s;
}

void Server::Stop(std::chrono::milliseconds grace) {
  if (!impl_->acceptor || impl_->stopping.exchange(true)) return;
  asio::post(impl_->accept_strand, [this] {
    beast::error_code ec;
    impl_->acceptor->close(ec);
    impl_->backoff.cancel();
    impl_->room_timer.cancel();
  });
  {
    std::vector<std::shared_ptr<Session>> snapshot;
    {
      std::lock_guard lock(impl_->sessions_mu);
      snapshot.assign(impl_->sessions.begin(), impl_->sessions.end());
    }
    for (auto& s : snapshot) s->ShutdownIfIdle();
    std::unique_lock lock(impl_->sessions_mu);
    impl_->sessions_cv.wait_for(lock, grace, [&] { return impl_->sessions.empty(); });
  }
  if (impl_->workers) impl_->workers->join();  // null when Start failed to listen
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  std::lock_guard lock(impl_->sessions_mu);
  impl_->sessions.clear();
}

Result<std::pair<std::string, int>> SplitHostPort(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return InvalidArgument("listen: expected HOST:PORT, got '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("listen: port must be a number 0..65535, got '" + port + "'");
  }
  int p = std::stoi(port);
  if (p > 65535) return InvalidArgument("listen: port must be a number 0..65535, got '" + port + "'");
  return std::make_pair(host, p);
}

}  // namespace tocsin::http
