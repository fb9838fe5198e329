#pragma once
// Paging a person through their own contact methods (users[].contact_methods):
// which deliveries a page queues and when, the acknowledge/resolve that follow
// a PagerDuty contact page, and when a queued page is no longer wanted. Pure:
// the escalation engine, the API and the outbox worker apply the decisions.
// See docs/adr/0007-contact-methods.md.

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/incident/incident.hpp"
#include "core/notification/delivery.hpp"
#include "core/rules/plan.hpp"

namespace tocsin::core {

// The deliveries that page `user` at `now`, one per contact method in order: the
// first due at once, each later one at now + its `after`. Empty when the user
// has no contact methods (the caller then pages the team's PagerDuty channel).
std::vector<OutboxItem> ContactPages(const User& user, const std::string& incident_id, const std::string& reason,
                                     TimePoint now);

// Remembers the PagerDuty contact pages among `pages` on the incident (one entry
// per person and method, the earliest due), so that acknowledging or resolving
// reaches those services too.
void RememberPagerDutyContacts(Incident& incident, const std::vector<OutboxItem>& pages);

// What an acknowledgement or resolution (`kind` "acknowledged" or
// "incident_resolved") sends to the people paged through PagerDuty contact
// methods: one event per person and method whose page was due by the
// acknowledgement (or by `now` when there was none). Pages due later are never
// sent, so their services get nothing.
std::vector<OutboxItem> PagerDutyFollowUps(const Incident& incident, const std::string& kind,
                                           const std::string& reason, TimePoint now);

// Why `delivery` should not be sent any more (nullopt: send it). A page to a
// person stops once the incident is acknowledged, resolved or deleted.
std::optional<std::string> WhyNotSend(const Delivery& delivery, const Incident* incident);

// For the timeline: "page to slack-security-alerts", or "page to @olu by email
// (contact method 2, via email-pages)".
std::string DescribeDelivery(const Delivery& delivery);

// The channel that pages a team's on-call person who has no contact methods:
// the PagerDuty channel whose `service` is the team's pagerduty_service ("" none).
std::string TeamPageChannel(const Config& config, const std::string& team_id);

// "Slack DM now, email after 2m, PagerDuty after 5m"; empty without contact methods.
std::string DescribeContactPlan(const User& user);

}  // namespace tocsin::core
