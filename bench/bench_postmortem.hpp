#pragma once
// A long-running SEV-1 incident with a post-mortem draft and N timeline events,
// for the post-mortem benchmarks (issue 11: "a post-mortem for an incident
// with 10,000 timeline events renders in <= 50 ms"): bench/postmortem_bench.cpp
// (Build + RenderMarkdown, and the SQLite reads) and bench/seed_postmortem.cpp
// (seeds it for the end-to-end GET in bench/workflow_bench.sh).
//
// The incident is resolved, typed "Security", commanded by @samira, with the
// On Incident Creation checklist, three follow-up todos (the action items), a
// dashboard link, an impact and the post-mortem's Summary written. The
// timeline mixes, per 100 events:
//   35 notes, 10 status updates, 15 incident_updated (with two changes each),
//   20 notification_queued, 15 notification_delivered (both left out of the
//   post-mortem), 5 todo_completed;
// one event every 3 s, by the responders of the v-commerce example.
// Deterministic for a given N.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_incidents.hpp"
#include "common/random.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::bench {

inline Draft MakePostmortemIncident(int events, TimePoint created) {
  static const std::array<const char*, 6> kResponders = {"samira", "jonas", "olu", "alex", "jordan", "priya"};
  static const std::array<const char*, 8> kNotes = {
      "Checked the WAF logs: the injection attempts come from three sessions behind one residential proxy",
      "Blocked the sessions at the edge; watching for new ones",
      "Rolling back chatbotservice to the previous release (v2.14.3) while we look at the prompt filter",
      "p99 of shoppingassistantservice at 2.3 s, error rate 4.1 %; the LLM gateway is throttling",
      "Grafana: token usage per session back to baseline after the block",
      "Paged the LLM on-call for a second pair of eyes on the guardrail config",
      "No data left the system as far as the audit log shows; verifying with the data team",
      "Customer support reports two tickets about odd assistant answers; linking them here"};
  static const std::array<const char*, 4> kStatus = {
      "Investigating: prompt-injection attempts against the shopping assistant; no confirmed data exposure",
      "Mitigating: offending sessions blocked, guardrail rules tightened; monitoring",
      "Monitoring: attack traffic stopped 20 minutes ago; error rates normal",
      "Identified: the prompt filter missed a Unicode homoglyph variant; fix in review"};
  static const std::array<const char*, 3> kChannels = {"slack-security-alerts", "pagerduty-security-oncall",
                                                       "slack-critical-incidents"};

  Draft d;
  core::Incident& inc = d.incident;
  inc.id = NewUuidV4();
  inc.title = "Prompt injection detected on shoppingassistantservice";
  inc.severity = "SEV-1";
  inc.state = core::IncidentState::kResolved;
  inc.type = "Security";
  inc.phase = "resolution";
  inc.customer_impacted = true;
  inc.customer_impact_scope = "Shopping assistant answers degraded for some sessions";
  inc.created = created;
  inc.detected = created;
  TimePoint end = created + std::chrono::seconds(3LL * events + 60);
  inc.customer_impact_start = created + std::chrono::minutes(2);
  inc.customer_impact_end = end - std::chrono::minutes(10);
  inc.resolved = end;
  inc.modified = end;
  inc.acknowledged = created + std::chrono::minutes(1);
  inc.acknowledged_by = core::Actor{NameUuid("samira"), "samira"};
  inc.created_by = core::Actor::System();
  inc.modified_by = core::Actor{NameUuid("samira"), "samira"};
  inc.commander = core::Actor{NameUuid("samira"), "samira"};
  inc.commander_handle = "@security-oncall";
  inc.escalation_team = "security";
  inc.fields["teams"] = core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"Security"}};
  inc.fields["services"] =
      core::FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"shoppingassistantservice"}};
  inc.fields["root_cause"] =
      core::FieldValue{"textbox", false, std::string("Prompt filter missed a homoglyph variant"), std::nullopt};
  inc.fields["users_affected"] = core::FieldValue{"textbox", false, std::string("about 1,200 sessions"), std::nullopt};
  inc.fields["attack_vector"] = core::FieldValue{"dropdown", false, std::string("prompt_injection"), std::nullopt};
  for (const char* text : {"Acknowledge in Tocsin", "Join incident Slack channel", "Open relevant runbook",
                           "Post initial assessment to timeline"}) {
    core::Todo t;
    t.id = NewUuidV4();
    t.content = text;
    t.checklist = "On Incident Creation";
    t.created = t.modified = created;
    t.completed = created + std::chrono::minutes(5);
    t.created_by = t.modified_by = core::Actor::System();
    inc.todos.push_back(std::move(t));
  }
  int n = 0;
  for (const char* text : {"Add homoglyph normalisation to the prompt filter", "Alert on per-session token spikes",
                           "Runbook: blocking sessions at the edge"}) {
    core::Todo t;
    t.id = NewUuidV4();
    t.content = text;
    t.assignees = {std::string("@") + kResponders[n % kResponders.size()]};
    t.due = end + std::chrono::hours(24 * 7 * (n + 1));
    t.follow_up = true;
    t.created = t.modified = end;
    t.created_by = t.modified_by = core::Actor{NameUuid("samira"), "samira"};
    inc.todos.push_back(std::move(t));
    ++n;
  }
  core::Attachment a;
  a.id = NewUuidV4();
  a.url = "/dashboard/security-overview";
  a.title = "Dashboard: Security";
  a.created = a.modified = created;
  a.created_by = a.modified_by = core::Actor::System();
  inc.attachments.push_back(a);
  core::Impact im;
  im.id = NewUuidV4();
  im.description = "Assistant answers degraded for sessions hit by the injection";
  im.start = *inc.customer_impact_start;
  im.end = inc.customer_impact_end;
  im.created = im.modified = created;
  im.created_by = im.modified_by = core::Actor{NameUuid("samira"), "samira"};
  inc.impacts.push_back(im);
  core::Postmortem pm;
  pm.id = NewUuidV4();
  pm.created = pm.modified = end;
  pm.due = end + std::chrono::hours(48);
  pm.modified_by = core::Actor::System();
  pm.sections["summary"] =
      "Prompt-injection attempts against the shopping assistant got past the prompt filter for about an hour.";
  inc.postmortem = pm;

  d.events.reserve(static_cast<std::size_t>(events));
  for (int i = 0; i < events; ++i) {
    std::uint64_t r = Mix(static_cast<std::uint64_t>(i));
    TimePoint at = created + std::chrono::seconds(3LL * i);
    const char* who = kResponders[r % kResponders.size()];
    core::Actor person{NameUuid(who), who};
    int slot = i % 100;
    core::NewEvent e;
    e.at = at;
    if (slot < 35) {
      e.actor = person;
      e.kind = "note";
      e.message = std::string(kNotes[(r >> 8) % kNotes.size()]) + " (#" + std::to_string(i) + ")";
    } else if (slot < 45) {
      e.actor = person;
      e.kind = "status_update";
      e.message = kStatus[(r >> 8) % kStatus.size()];
    } else if (slot < 60) {
      e.actor = person;
      e.kind = "incident_updated";
      e.message = "Updated customer impact scope and services";
      e.changes = {{"customer_impact_scope", "Shopping assistant answers degraded",
                    "Shopping assistant answers degraded for some sessions"},
                   {"fields.services", "shoppingassistantservice", "shoppingassistantservice, chatbotservice"}};
    } else if (slot < 80) {
      e.actor = core::Actor::System();
      e.kind = "notification_queued";
      e.message = std::string("Notification queued for ") + kChannels[(r >> 8) % kChannels.size()];
    } else if (slot < 95) {
      e.actor = core::Actor::System();
      e.kind = "notification_delivered";
      e.message = std::string("Notification delivered to ") + kChannels[(r >> 8) % kChannels.size()];
    } else {
      e.actor = person;
      e.kind = "todo_completed";
      e.message = "Todo done: \"Document all findings in timeline\"";
    }
    d.events.push_back(std::move(e));
  }
  return d;
}

}  // namespace tocsin::bench
