#include "app/change_relay.hpp"

#include <nlohmann/json.hpp>

#include "common/random.hpp"
#include "storage/postgres/pg_notify.hpp"

namespace tocsin::app {

std::string EncodeChange(const usecases::Change& change, const std::string& origin) {
  nlohmann::json j = {{"origin", origin}, {"kind", usecases::KindName(change.kind)}};
  if (!change.incident_id.empty()) j["incident_id"] = change.incident_id;
  if (change.created) j["created"] = true;
  return j.dump();
}

std::optional<std::pair<usecases::Change, std::string>> DecodeChange(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (!j.is_object() || !j.contains("origin") || !j["origin"].is_string() || !j.contains("kind") ||
      !j["kind"].is_string()) {
    return std::nullopt;
  }
  usecases::Change c;
  const std::string kind = j["kind"].get<std::string>();
  bool known = false;
  for (auto k : {usecases::Change::Kind::kIncident, usecases::Change::Kind::kAlert, usecases::Change::Kind::kDelivery,
                 usecases::Change::Kind::kOnCall}) {
    if (kind == usecases::KindName(k)) {
      c.kind = k;
      known = true;
    }
  }
  if (!known) return std::nullopt;
  if (j.contains("incident_id") && j["incident_id"].is_string()) c.incident_id = j["incident_id"].get<std::string>();
  c.created = j.value("created", false);
  c.remote = true;
  return std::make_pair(c, j["origin"].get<std::string>());
}

ChangeRelay::ChangeRelay(const std::string& dsn, const std::string& schema,
                         std::shared_ptr<usecases::ChangeFeed> feed)
    : feed_(std::move(feed)), origin_(RandomHex(8)) {
  storage::postgres::NotifyOptions o;
  o.dsn = dsn;
  o.schema = schema;
  o.channel = "tocsin_changes";
  o.skip_own = true;  // our own changes were published here already
  o.on_message = [this](const std::string& payload) { Received(payload); };
  o.on_reconnected = [this] {
    usecases::Change c;
    c.remote = true;
    feed_->Publish(c);
  };
  bus_ = storage::postgres::NotifyBus::Start(std::move(o));
  // A publisher may still hold the subscriber after Unsubscribe: it reaches
  // the bus only through `sending_`, which the destructor empties first.
  sending_ = std::make_shared<Sending>();
  sending_->bus = bus_.get();
  subscription_ = feed_->Subscribe([sending = sending_, origin = origin_](const usecases::Change& c) {
    if (c.remote) return;
    std::lock_guard lock(sending->mu);
    if (sending->bus) sending->bus->Send(EncodeChange(c, origin));
  });
}

ChangeRelay::~ChangeRelay() {
  feed_->Unsubscribe(subscription_);
  {
    std::lock_guard lock(sending_->mu);
    sending_->bus = nullptr;
  }
  bus_.reset();
}

bool ChangeRelay::WaitListening(std::chrono::milliseconds timeout) { return bus_->WaitListening(timeout); }

void ChangeRelay::Received(const std::string& payload) {
  auto change = DecodeChange(payload);
  if (!change || change->second == origin_) return;  // not ours to read, or our own echo
  feed_->Publish(change->first);
}

}  // namespace tocsin::app
