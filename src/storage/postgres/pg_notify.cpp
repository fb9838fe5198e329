#include "storage/postgres/pg_notify.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "storage/postgres/pg_db.hpp"

namespace tocsin::storage::postgres {

namespace {

constexpr std::size_t kMaxQueued = 10000;
constexpr std::size_t kBatch = 200;         // payloads per statement
constexpr std::size_t kMaxPayload = 8000;   // PostgreSQL refuses longer ones
constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

std::chrono::milliseconds Next(std::chrono::milliseconds b) { return std::min(b * 2, kMaxBackoff); }

}  // namespace

struct NotifyBus::Impl {
  NotifyOptions options;
  std::string channel;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue;
  bool stopping = false;
  bool listening = false;
  int wake[2] = {-1, -1};  // the listener's poll also waits on this pipe, so Stop wakes it
  std::thread sender;
  std::thread listener;

  // Waits up to `d` unless stopping; true when stopping.
  bool Pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, d, [this] { return stopping; });
  }

  // Sends what is queued, up to kBatch payloads per statement: one
  // transaction, so one wake-up of each listener, however many there are.
  void SendLoop() {
    NameThisThread("tocsin-pgnotify");
    std::unique_ptr<Connection> c;
    auto backoff = kFirstBackoff;
    while (true) {
      std::vector<std::string> payloads;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return stopping || !queue.empty(); });
        if (stopping) return;
        for (const auto& p : queue) {
          if (payloads.size() == kBatch) break;
          payloads.push_back(p);
        }
      }
      if (!c || c->Broken()) {
        c.reset();
        auto opened = Connection::Open(options.dsn, "");
        if (!opened) {
          if (Pause(backoff)) return;
          backoff = Next(backoff);
          continue;
        }
        c = std::move(*opened);
      }
      // A payload PostgreSQL would refuse (too long) is dropped, alone.
      std::vector<std::string> fit;
      for (auto& p : payloads) {
        if (p.size() < kMaxPayload) {
          fit.push_back(std::move(p));
        } else {
          log::Warn("pg-notify: dropped a notification too long to send", {{"bytes", std::to_string(p.size())}});
        }
      }
      if (fit.empty()) {
        std::lock_guard lock(mu);
        for (std::size_t k = 0; k < payloads.size() && !queue.empty(); ++k) queue.pop_front();
        continue;
      }
      auto sent = fit.size() == 1 ? c->Exec("SELECT pg_notify($1, $2)", {channel, fit[0]})
                                  : c->Exec("SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY "
                                            "AS t(p, n) ORDER BY n",
                                            {channel, TextArray(fit)});
      if (!sent) {
        // A lost connection keeps them for the next attempt.
        if (c->Broken()) {
          if (Pause(backoff)) return;
          backoff = Next(backoff);
          continue;
        }
        log::Warn("pg-notify: dropped notifications",
                  {{"count", std::to_string(fit.size())}, {"error", sent.error().message}});
      }
      backoff = kFirstBackoff;
      std::lock_guard lock(mu);
      for (std::size_t k = 0; k < payloads.size() && !queue.empty(); ++k) queue.pop_front();
    }
  }

  // One connection's life: connect, LISTEN, hand over notifications until
  // the connection fails (false) or the bus stops (true).
  bool ListenOnce(bool again) {
    const char* keys[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {"5", options.dsn.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, 1);
    struct Closer {
      PGconn* c;
      ~Closer() { PQfinish(c); }
    } closer{conn};
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) return false;
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    char* quoted = PQescapeIdentifier(conn, channel.c_str(), channel.size());
    if (quoted == nullptr) return false;
    PGresult* r = PQexec(conn, ("LISTEN " + std::string(quoted)).c_str());
    PQfreemem(quoted);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) return false;
    {
      std::lock_guard lock(mu);
      listening = true;
    }
    cv.notify_all();
    if (again && options.on_reconnected) options.on_reconnected();
    while (true) {
      pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake[0], POLLIN, 0}};
      // Without a wake pipe (pipe2 failed), look at `stopping` every second.
      if (::poll(fds, 2, wake[0] >= 0 ? -1 : 1000) < 0) continue;  // EINTR
      if (wake[0] < 0) {
        std::lock_guard lock(mu);
        if (stopping) return true;
      }
      if (fds[1].revents != 0) return true;
      if (PQconsumeInput(conn) == 0) return false;
      while (PGnotify* n = PQnotifies(conn)) {
        std::string payload = n->extra ? n->extra : "";
        PQfreemem(n);
        if (options.on_message) options.on_message(payload);
      }
      if (PQstatus(conn) != CONNECTION_OK) return false;
    }
  }

  void ListenLoop() {
    NameThisThread("tocsin-pglisten");
    auto backoff = kFirstBackoff;
    bool again = false;
    while (true) {
      {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
      if (ListenOnce(again)) return;
      {
        std::lock_guard lock(mu);
        if (listening) backoff = kFirstBackoff;  // it had worked: start the backoff over
        listening = false;
      }
      again = true;
      if (Pause(backoff)) return;
      backoff = Next(backoff);
    }
  }
};

std::unique_ptr<NotifyBus> NotifyBus::Start(NotifyOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->channel = options.channel + (options.schema.empty() ? "" : "_" + options.schema);
  impl->options = std::move(options);
  if (::pipe2(impl->wake, O_CLOEXEC | O_NONBLOCK) != 0) impl->wake[0] = impl->wake[1] = -1;
  Impl* raw = impl.get();
  impl->sender = std::thread([raw] { raw->SendLoop(); });
  impl->listener = std::thread([raw] { raw->ListenLoop(); });
  return std::unique_ptr<NotifyBus>(new NotifyBus(std::move(impl)));
}

NotifyBus::NotifyBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NotifyBus::~NotifyBus() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->wake[1] >= 0) (void)!::write(impl_->wake[1], "x", 1);
  impl_->sender.join();
  impl_->listener.join();
  for (int fd : impl_->wake) {
    if (fd >= 0) ::close(fd);
  }
}

void NotifyBus::Send(std::string payload) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->queue.size() >= kMaxQueued) return;
    impl_->queue.push_back(std::move(payload));
  }
  impl_->cv.notify_all();
}

bool NotifyBus::WaitListening(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [this] { return impl_->listening; });
}

const std::string& NotifyBus::channel() const { return impl_->channel; }

}  // namespace tocsin::storage::postgres
