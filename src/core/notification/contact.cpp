#include "core/notification/contact.hpp"

#include <algorithm>

#include "core/escalation/escalation.hpp"

namespace tocsin::core {

std::vector<OutboxItem> ContactPages(const User& user, const std::string& incident_id, const std::string& reason,
                                     TimePoint now) {
  std::vector<OutboxItem> out;
  for (std::size_t k = 0; k < user.contact_methods.size(); ++k) {
    const ContactMethod& m = user.contact_methods[k];
    OutboxItem item{m.channel, incident_id, "page", now, reason};
    item.to = ContactTarget{user.handle, static_cast<int>(k + 1), m.type, m.type == "pagerduty" ? "" : m.address};
    item.due = now + std::chrono::duration_cast<Micros>(m.after);
    out.push_back(std::move(item));
  }
  return out;
}

void RememberPagerDutyContacts(Incident& incident, const std::vector<OutboxItem>& pages) {
  for (const OutboxItem& p : pages) {
    if (p.to.empty() || p.to.type != "pagerduty") continue;
    TimePoint due = p.due.value_or(p.created);
    auto same = std::find_if(incident.pagerduty_contacts.begin(), incident.pagerduty_contacts.end(),
                             [&](const PagedContact& c) { return c.user == p.to.user && c.method == p.to.method; });
    if (same == incident.pagerduty_contacts.end()) {
      incident.pagerduty_contacts.push_back({p.to.user, p.to.method, p.channel, due});
    } else if (due < same->due) {
      same->due = due;
      same->channel = p.channel;
    }
  }
}

std::vector<OutboxItem> PagerDutyFollowUps(const Incident& incident, const std::string& kind,
                                           const std::string& reason, TimePoint now) {
  TimePoint cutoff = incident.acknowledged ? std::min(*incident.acknowledged, now) : now;
  std::vector<OutboxItem> out;
  for (const PagedContact& c : incident.pagerduty_contacts) {
    if (c.due > cutoff) continue;
    OutboxItem item{c.channel, incident.id, kind, now, reason};
    item.to = ContactTarget{c.user, c.method, "pagerduty", ""};
    out.push_back(std::move(item));
  }
  return out;
}

std::optional<std::string> WhyNotSend(const Delivery& d, const Incident* incident) {
  if (d.to.empty() || d.kind != "page") return std::nullopt;
  if (!incident || incident->deleted) return "the incident no longer exists";
  if (incident->acknowledged) {
    std::string who = incident->acknowledged_by ? " by @" + incident->acknowledged_by->handle : "";
    return "the incident was acknowledged" + who + " at " + FormatRfc3339(*incident->acknowledged);
  }
  if (IsClosed(incident->state)) return "the incident is " + std::string(StateName(incident->state));
  return std::nullopt;
}

std::string DescribeDelivery(const Delivery& d) {
  if (d.to.empty()) return d.kind + " to " + d.channel;
  return d.kind + " to @" + d.to.user + " by " + ContactTypeLabel(d.to.type) + " (contact method " +
         std::to_string(d.to.method) + ", via " + d.channel + ")";
}

std::string DescribeContactPlan(const User& user) {
  std::string out;
  for (const ContactMethod& m : user.contact_methods) {
    if (!out.empty()) out += ", ";
    out += ContactTypeLabel(m.type) + (m.after.count() == 0 ? " now" : " after " + escalation::FormatOffset(m.after));
  }
  return out;
}

std::string TeamPageChannel(const Config& config, const std::string& team_id) {
  const Team* team = config.FindTeam(team_id);
  if (!team) return "";
  for (const auto& c : config.channels) {
    auto it = c.settings.find("service");
    if (c.type == "pagerduty" && it != c.settings.end() && it->second == team->pagerduty_service) return c.name;
  }
  return "";
}

}  // namespace tocsin::core
