#pragma once
// What one alert does, as data: the rule engine (rules.hpp) decides it purely
// from the alert and its group's state; a Store applies it in one transaction
// together with recording the alert itself.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/alert/alert.hpp"
#include "core/incident/incident.hpp"
#include "core/notification/delivery.hpp"

namespace tocsin::core {

// A notification waiting in the outbox for delivery (the notify workers send it).
struct OutboxItem {
  std::string channel;      // configured channel name
  std::string incident_id;
  std::string kind;         // "incident_opened", "alert_retriggered", ...
  TimePoint created{};
  std::string reason;       // "rule '[V-Commerce] ...'"
  ContactTarget to;         // set: a page to a person through one of their contact methods
  std::optional<TimePoint> due;  // first attempt not before this (default: created)
};

// The incidents an alert group relates to, read inside the transaction.
struct GroupState {
  std::optional<Incident> open;      // the group's incident while not resolved
  std::optional<Incident> previous;  // its last incident once resolved
};

struct AlertPlan {
  std::string decision;  // "opened", "appended", "recovered", "ignored", ...
  std::string detail;    // human-readable why
  std::optional<Incident> create;           // open this incident (public id assigned by the store)
  std::vector<NewEvent> create_events;
  std::optional<Incident> update;           // the open incident's new state
  std::vector<NewEvent> update_events;
  std::vector<OutboxItem> notifications;
};

using AlertDecideFn = std::function<AlertPlan(const GroupState&)>;

}  // namespace tocsin::core
