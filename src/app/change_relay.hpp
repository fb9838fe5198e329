#pragma once
// ChangeRelay: the live-update feed across replicas on PostgreSQL (docs/ui.md).
// Each change committed by this process is sent to the others with NOTIFY
// (after its commit: nothing uncommitted is announced), and each change
// another replica announces is published on this process's feed, marked
// remote so that it is not sent on again. A replica drops its own echoes.
// After a lost listening connection it publishes one change with no incident
// (the list pages refetch), since announcements may have been missed.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "usecases/change_feed.hpp"

namespace tocsin::storage::postgres {
class NotifyBus;
}

namespace tocsin::app {

class ChangeRelay {
 public:
  // `schema`: as PostgresOptions::schema (tests); empty in a deployment.
  ChangeRelay(const std::string& dsn, const std::string& schema, std::shared_ptr<usecases::ChangeFeed> feed);
  ~ChangeRelay();
  ChangeRelay(const ChangeRelay&) = delete;
  ChangeRelay& operator=(const ChangeRelay&) = delete;

  // Waits until other replicas' changes are heard (tests); false on timeout.
  bool WaitListening(std::chrono::milliseconds timeout);

 private:
  void Received(const std::string& payload);

  std::shared_ptr<usecases::ChangeFeed> feed_;
  std::string origin_;  // this process, random per start
  struct Sending {
    std::mutex mu;
    storage::postgres::NotifyBus* bus = nullptr;
  };
  std::shared_ptr<Sending> sending_;
  std::uint64_t subscription_ = 0;
  std::unique_ptr<storage::postgres::NotifyBus> bus_;
};

// The wire form of a change (JSON), and back; nullopt for anything else.
std::string EncodeChange(const usecases::Change& change, const std::string& origin);
std::optional<std::pair<usecases::Change, std::string>> DecodeChange(const std::string& payload);

}  // namespace tocsin::app
