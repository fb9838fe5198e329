#pragma once
// A small pool of PostgreSQL connections, replaced with backoff when the
// database goes away (restart, failover, network).

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/postgres/pg_db.hpp"

namespace tocsin::storage::postgres {

class Pool {
 public:
  Pool(std::string dsn, std::string schema, int size);

  // A connection on loan; it goes back to the pool (or, when broken, is
  // dropped) when the lease ends.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (c_) pool_->Release(std::move(c_));
    }
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };

  // Waits for a free connection; opens one when the pool has room. While the
  // database is unreachable, fails at once with kUnavailable until the next
  // reconnect attempt is due (100 ms doubling to 5 s).
  Result<Lease> Acquire();
  void Close();
  // Why the database was unreachable at the last attempt; empty once reachable.
  std::optional<std::string> Down() const;

 private:
  void Release(std::unique_ptr<Connection> c);
  Result<std::unique_ptr<Connection>> Connect();

  const std::string dsn_;
  const std::string schema_;
  const int size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // connections lent out or idle, and connects in progress
  bool closed_ = false;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  std::optional<std::string> down_;
};

}  // namespace tocsin::storage::postgres
