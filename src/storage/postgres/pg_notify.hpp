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

namespace tocsin::storage::postgres {

struct NotifyOptions {
  std::string dsn;
  // Channels are database-wide: a schema (tests put each store in one) is
  // appended to the channel's name so that schemas do not hear each other.
  std::string schema;
  std::string channel;
  // Called on the listener thread for each payload received (own ones included).
  std::function<void(const std::string& payload)> on_message;
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

  // Queues a payload (at most 8000 bytes) for sending; never waits for the
  // network. Dropped when 10,000 are already waiting (the database is down).
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

}  // namespace tocsin::storage::postgres
