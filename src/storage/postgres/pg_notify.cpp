#include "storage/postgres/pg_notify.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "common/log.hpp"
#include "common/thread_name.hpp"
#include "storage/postgres/pg_db.hpp"

namespace tocsin::storage::postgres {

namespace {

constexpr std::size_t kMaxQueued = 10000;
constexpr std::size_t kTake = 2000;  // payloads per statement, packed into notifications
// How long the sender lets a burst gather before sending it. Each
// notification wakes every listener (each replica's, and its backend): one
// per change made three replicas spend 0.1 ms more CPU per alert
// (bench/pg_bench.sh, ADR 0019); 20 ms is nothing to a page refreshing.
constexpr std::chrono::milliseconds kGather{20};
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
  std::atomic<int> sender_pid{0};  // the sender connection's backend, 0 while it has none
  int wake[2] = {-1, -1};  // the listener's poll also waits on this pipe, so Stop wakes it
  std::thread sender;
  std::thread listener;

  // Waits up to `d` unless stopping; true when stopping.
  bool Pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, d, [this] { return stopping; });
  }

  // Sends what is queued, up to kTake payloads per statement: one
  // transaction, so one wake-up of each listener, however many there are.
  // Payloads are packed into as few notifications as fit (PackNotifications).
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
        // Let a burst gather: one notification for what arrives within
        // kGather, instead of one per change (each wakes every listener).
        if (cv.wait_for(lock, kGather, [this] { return stopping; })) return;
        for (const auto& p : queue) {
          if (payloads.size() == kTake) break;
          payloads.push_back(p);
        }
      }
      if (!c || c->Broken()) {
        c.reset();
        sender_pid.store(0);
        auto opened = Connection::Open(options.dsn, "");
        if (!opened) {
          if (Pause(backoff)) return;
          backoff = Next(backoff);
          continue;
        }
        c = std::move(*opened);
        sender_pid.store(c->BackendPid());
      }
      std::vector<std::string> packed = PackNotifications(payloads);
      std::optional<Result<Rows>> sent;
      if (packed.size() == 1) {
        sent = c->Exec("SELECT pg_notify($1, $2)", {channel, packed[0]});
      } else if (!packed.empty()) {
        sent = c->Exec("SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n",
                       {channel, TextArray(packed)});
      }
      if (sent && !*sent) {
        // A lost connection keeps them for the next attempt.
        if (c->Broken()) {
          if (Pause(backoff)) return;
          backoff = Next(backoff);
          continue;
        }
        log::Warn("pg-notify: dropped notifications",
                  {{"count", std::to_string(payloads.size())}, {"error", sent->error().message}});
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
        // Our own echo is known by its sender's backend; a message from a
        // sender connection since replaced passes (the receiver may check).
        const bool own = options.skip_own && n->be_pid == sender_pid.load();
        std::string packed = n->extra && !own ? n->extra : "";
        PQfreemem(n);
        if (own || !options.on_message) continue;
        for (const auto& payload : UnpackNotification(packed)) options.on_message(payload);
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
  if (payload.find('\n') != std::string::npos) {
    log::Warn("pg-notify: dropped a payload with a line break", {{"bytes", std::to_string(payload.size())}});
    return;
  }
  bool was_empty = false;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->queue.size() >= kMaxQueued) return;
    was_empty = impl_->queue.empty();
    impl_->queue.push_back(std::move(payload));
  }
  // The sender waits only for an empty queue to fill: one wake-up per burst.
  if (was_empty) impl_->cv.notify_all();
}

std::vector<std::string> PackNotifications(const std::vector<std::string>& payloads) {
  std::vector<std::string> out;
  std::string current;
  std::unordered_set<std::string_view> in_current;
  for (const auto& p : payloads) {
    if (p.size() >= kMaxNotification) {
      log::Warn("pg-notify: dropped a notification too long to send", {{"bytes", std::to_string(p.size())}});
      continue;
    }
    if (in_current.count(p) != 0) continue;  // the same message once per notification
    if (!current.empty() && current.size() + 1 + p.size() >= kMaxNotification) {
      out.push_back(std::move(current));
      current.clear();
      in_current.clear();
    }
    if (!current.empty()) current += '\n';
    current += p;
    in_current.insert(p);
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::vector<std::string> UnpackNotification(const std::string& notification) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from <= notification.size()) {
    auto end = notification.find('\n', from);
    if (end == std::string::npos) end = notification.size();
    if (end > from) out.push_back(notification.substr(from, end - from));
    from = end + 1;
  }
  return out;
}

bool NotifyBus::WaitListening(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [this] { return impl_->listening; });
}

const std::string& NotifyBus::channel() const { return impl_->channel; }

}  // namespace tocsin::storage::postgres
