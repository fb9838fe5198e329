#include "storage/postgres/pg_pool.hpp"

#include <algorithm>

#include "common/log.hpp"

namespace tocsin::storage::postgres {

Pool::Pool(std::string dsn, std::string schema, int size)
    : dsn_(std::move(dsn)), schema_(std::move(schema)), size_(std::max(1, size)) {}

Result<Pool::Lease> Pool::Acquire() {
  std::unique_ptr<Connection> c;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !idle_.empty() || open_ < size_; });
    if (closed_) return MakeError(ErrorCode::kUnavailable, "store is closed");
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  // An idle connection the server closed (a restart) is replaced before a
  // statement is sent on it: a transaction that fails after sending cannot
  // always be run again.
  if (c && !c->Alive()) c.reset();  // its slot stays counted for the new one
  if (!c) {
    auto made = Connect();
    if (!made) {
      {
        std::lock_guard lock(mu_);
        --open_;
      }
      cv_.notify_one();
      return tl::unexpected(made.error());
    }
    c = std::move(*made);
  }
  return Lease(this, std::move(c));
}

Result<std::unique_ptr<Connection>> Pool::Connect() {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (down_ && now < retry_at_) return MakeError(ErrorCode::kUnavailable, *down_ + " (reconnecting)");
  }
  auto c = Connection::Open(dsn_, schema_);
  std::lock_guard lock(mu_);
  if (!c) {
    backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
    if (!down_) log::Warn("PostgreSQL unreachable; reconnecting with backoff", {{"error", c.error().message}});
    down_ = c.error().message;
    return c;
  }
  if (down_) log::Info("PostgreSQL reachable again", {});
  backoff_ = std::chrono::milliseconds(0);
  down_.reset();
  return c;
}

void Pool::Release(std::unique_ptr<Connection> c) {
  {
    std::lock_guard lock(mu_);
    if (c->Broken() || closed_) {
      --open_;
      if (!closed_ && !down_) down_ = "the connection to PostgreSQL was lost";
      c.reset();
    } else {
      idle_.push_back(std::move(c));
    }
  }
  cv_.notify_one();
}

void Pool::Close() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    idle.swap(idle_);
    open_ -= static_cast<int>(idle.size());
  }
  cv_.notify_all();
}

std::optional<std::string> Pool::Down() const {
  std::lock_guard lock(mu_);
  return down_;
}

}  // namespace tocsin::storage::postgres
