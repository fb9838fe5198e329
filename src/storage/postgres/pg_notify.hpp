#pragma once
// NotifyBus: PostgreSQL LISTEN/NOTIFY between the processes on one database
// (the replicas), for messages that may be lost but must not be late (the
// web UI's live updates, docs/ui.md). Two connections of its own: a sender
// thread that sends queued payloads with pg_notify, and a listener thread
// that LISTENs and hands each payload received to a callback. Both reconnect
// with backoff (100 ms doubling to 5 s) when PostgreSQL goes away; what is
// sent while a listener is disconnected does not reach it (on_connected
// tells it to catch up). PostgreSQL delivers a NOTIFY only once its
// transaction has committed, to every listener including the sender's own.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tocsin::storage::postgres {

struct NotifyOptions {
  std::string dsn;
  // Channels are database-wide: a schema (tests put each store in one) is
  // appended to the channel's name so that schemas do not hear each other.
  std::string schema;
  std::string channel;
  // Called on the listener thread for each payload received (own ones included).
  std::function<void(const std::string& payload)> on_message;
  // Drop the notifications this bus sent itself (known by the sending
  // backend), before they are unpacked: a process that ignores its own
  // messages then spends nothing on them.
  bool skip_own = false;
  // Called on the listener thread each time LISTEN is in place again after
  // a lost connection (not the first time): messages may have been missed.
  std::function<void()> on_reconnected;
};

class NotifyBus {
 public:
  static std::unique_ptr<NotifyBus> Start(NotifyOptions options);
  ~NotifyBus();  // stops and joins both threads
  NotifyBus(const NotifyBus&) = delete;
  NotifyBus& operator=(const NotifyBus&) = delete;

  // Queues a payload (at most 8000 bytes, no line break) for sending; never
  // waits for the network. Dropped when 10,000 are already waiting (the
  // database is down). Payloads queued together travel packed in one
  // notification, and identical ones among them arrive once.
  void Send(std::string payload);
  // Waits until LISTEN is in place (tests, start-up); false on timeout.
  bool WaitListening(std::chrono::milliseconds timeout);
  // The channel's full name.
  const std::string& channel() const;

 private:
  struct Impl;
  explicit NotifyBus(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The wire form: payloads joined by line breaks, each notification shorter
// than PostgreSQL's limit, a payload repeated within one notification kept
// once, a payload too long for any dropped. A notification from a process
// before packing (one payload, no line break) unpacks to itself.
constexpr std::size_t kMaxNotification = 8000;
std::vector<std::string> PackNotifications(const std::vector<std::string>& payloads);
std::vector<std::string> UnpackNotification(const std::string& notification);

}  // namespace tocsin::storage::postgres
