#pragma once
// The typed configuration of a Tocsin deployment: what the YAML file says, after
// validation. Pure data; the YAML loader (src/config/) builds it and app/ wires
// it. Durations are whole seconds.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/escalation/policy.hpp"
#include "core/schedule/schedule.hpp"

namespace tocsin::core {

// Where something came from in the config file, for error messages.
struct SourceMark {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::seconds read_timeout{10};    // whole request (headers + body) must arrive in this time
  std::chrono::seconds idle_timeout{60};    // keep-alive connection with no request
  int max_connections = 4096;               // open client connections; more wait to be accepted
  int io_threads = 0;                       // 0 = number of cores
  int worker_threads = 32;                  // handlers that wait on storage commits
  std::string log_format = "text";          // text | json
  std::string log_level = "info";
  std::string public_url = "http://127.0.0.1:8080";  // used in links sent to people
  // Rate limit per application key, Datadog style (X-RateLimit-* headers).
  int rate_limit_requests = 6000;
  std::chrono::seconds rate_limit_period{60};
  // How long a web UI sign-in lasts (docs/ui.md).
  std::chrono::seconds session_lifetime{12 * 3600};
  // Sign-in by a trusted reverse proxy (docs/ui.md): the header naming the
  // user, honoured only from these addresses or CIDR networks. Empty: off.
  std::string auth_proxy_header;
  std::vector<std::string> auth_proxy_addresses;
  // HTTPS on the listener itself (PEM files); both empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // /metrics without credentials. Off by default: a scraper sends a key pair
  // with read scope as HTTP basic auth (docs/operations.md).
  bool metrics_public = false;
};

struct StorageConfig {
  std::string driver = "sqlite";  // sqlite | memory | postgres (later)
  std::string data_dir = "./data";
  std::string postgres_dsn;
  // PostgreSQL replicas (ADR 0013): how long an outbox claim lasts before
  // another replica may take the delivery over. Longer than a send.
  std::chrono::seconds claim_lease{60};
  // PostgreSQL replicas: start even though live replicas run another config
  // file (a rolling change); `tocsin serve --roll` sets it for one start.
  bool allow_config_roll = false;
};

struct SeverityLevel {
  std::string name;          // "SEV-1"
  std::string label;         // "Critical"
  std::string description;   // "Revenue or security impact"
  std::chrono::seconds response_time{0};         // acknowledge SLA
  std::optional<std::chrono::seconds> update_cadence;  // status-update reminder interval
  bool postmortem_required = false;
  // Channels told when an incident of this level is not acknowledged within
  // response_time; unset = the incident's own channels. An empty list tells nobody
  // (the timeline still records it).
  std::optional<std::vector<std::string>> response_time_channels;
  int rank = 0;  // 0 = most severe
  SourceMark mark;
};

// One way to reach a person when they are paged (users[].contact_methods), in the
// order they are tried. The first goes out at once; each later one at the page
// time plus `after`, unless the incident is acknowledged before then.
struct ContactMethod {
  std::string type;         // slack_dm | email | pagerduty
  std::string address;      // slack_dm: Slack member id; email: address; pagerduty: empty
  std::string routing_key;  // pagerduty: the person's own service's Events API v2 key (a secret)
  std::string channel;      // the configured channel it goes through (bot token, SMTP server, PagerDuty URL)
  std::chrono::seconds after{0};
  SourceMark mark;
};

// "Slack DM", "email", "PagerDuty".
std::string ContactTypeLabel(const std::string& type);
// The channel type a contact method goes through: slack_dm → slack_webapi,
// email → email, pagerduty → pagerduty; empty for an unknown type.
std::string ContactChannelType(const std::string& type);

struct User {
  std::string handle;  // "alice" (written "@alice" in rules)
  std::string name;
  std::string email;
  std::string slack_member_id;
  std::string phone;
  std::string time_zone = "UTC";
  SourceMark mark;
  // Positions the person holds ("Security Lead", "VP Engineering"); escalation
  // tiers can target a position.
  std::vector<std::string> positions;
  // How to page this person, in order. Empty: pages go to the team's PagerDuty
  // channel (the channel whose `service` is the team's pagerduty_service).
  std::vector<ContactMethod> contact_methods;
};

struct Team {
  std::string id;                     // "security"
  std::string name;                   // "Security"
  std::string slack_channel;          // "#security-alerts"
  std::string pagerduty_service;      // "security-oncall"
  std::string oncall_handle;          // "security-oncall" (written "@security-oncall")
  // Other handles that also name this team's on-call: the seed's rules page both
  // "@platform-oncall" and "@sre-oncall" for the one Platform/SRE team.
  std::vector<std::string> oncall_aliases;
  std::vector<std::string> responsibilities;
  std::vector<std::string> members;   // user handles
  SourceMark mark;
};

// A field value set by a rule: a string or a list of strings.
struct RuleFieldValue {
  std::optional<std::string> text;
  std::vector<std::string> list;
  bool is_list = false;
};

// One "Automatic Incident Creation Rule", in the seed's shape.
struct Rule {
  std::string name;                        // rule_name
  std::vector<std::string> monitors;       // exact names or globs
  std::vector<std::string> tags;           // all must be present
  std::vector<std::string> conditions;     // alert | warn | no_data
  std::vector<std::string> group_by;       // tag keys that split incidents
  // incident_settings
  std::string title;
  std::string severity;
  std::string commander;                   // "@security-oncall" or "@alice"
  std::vector<std::string> notifications;  // channel names
  std::map<std::string, RuleFieldValue> fields;
  std::string runbook;
  std::string dashboard;
  std::string type;                        // incident type name (types[].name); "" = none
  bool recovery_to_stable = false;
  SourceMark mark;
};

struct TemplateField {
  std::string name;
  std::string type;                      // dropdown | multiselect | number | boolean | text | textbox | textarray
  std::vector<std::string> options;
  bool required = false;
  SourceMark mark;
};

struct IncidentTemplate {
  std::string name;
  std::vector<TemplateField> fields;
  SourceMark mark;
};

struct DashboardLink {
  std::string incident_type;  // "LLM Quality"
  std::string url;            // "/dashboard/llm-observability"
  SourceMark mark;
};

// An incident type (Datadog's incident types): its template's fields are the
// typed fields of its incidents, its dashboard is attached when one opens.
struct IncidentType {
  std::string name;           // "Security"
  std::string id;             // stable UUID derived from the name (Datadog's incident_type_uuid)
  std::string description;
  std::string template_name;  // templates[].name; "" = no template
  std::string dashboard;      // url; from dashboards[] when the type gives none
  SourceMark mark;
};

// The events a checklist item can tick itself on (checklists[].items[].completes_on).
// Documented in docs/configuration.md; core/workflow observes them.
inline constexpr const char* kCompletesOnEvents[] = {
    "acknowledged",              // the incident is acknowledged
    "initial_assessment",        // its first status update
    "severity_changed",          // its severity changes
    "status_update_on_cadence",  // a status update within the severity's cadence of the last one
    "resolved",                  // it becomes resolved
    "resolution_summary",        // a status update after it is resolved
    "postmortem_scheduled",      // its post-mortem draft is created (with its due date)
};

struct ChecklistItem {
  std::string text;
  std::string completes_on;  // one of kCompletesOnEvents, "" = manual
  SourceMark mark;
};

// Todos added to every incident when it reaches a point of its workflow
// (the seed's "Quick Reference Card").
struct Checklist {
  std::string phase;  // "On Incident Creation"
  std::string when;   // created | acknowledged | resolved
  std::vector<ChecklistItem> items;
  SourceMark mark;
};

// The seed's "Post-Mortem Process".
struct PostmortemConfig {
  std::chrono::seconds due_after_resolution{48 * 3600};
  std::chrono::seconds reminder_every{24 * 3600};  // overdue reminders to the commander
  std::vector<std::string> attendees;              // as the seed writes them
  std::string document;                            // the template (Markdown)
  SourceMark mark;
};

// One of the seed's "Metrics and Reporting" targets (metrics.targets),
// evaluated per period by core/metrics.
struct MetricTarget {
  std::string name;       // shown in reports ("MTTR < 1 hour (SEV-1)")
  std::string metric;     // mttd | mtta | mttr | incident_count | postmortem_completion
  std::string statistic = "mean";        // mttd/mtta/mttr: mean | median | p90
  std::vector<std::string> severities;   // only these ("" = all)
  std::optional<std::chrono::seconds> below;  // mttd/mtta/mttr: met when the figure is under this
  std::optional<double> at_least;        // postmortem_completion: met at or above this percentage
  std::string trend;                     // incident_count: "down"
  SourceMark mark;
};

struct MetricsConfig {
  std::vector<MetricTarget> targets;
  int trend_weeks = 12;  // weeks a trend is fitted over
  std::string time_zone = "UTC";  // where the weekly review's weeks start (IANA name)
};

// An availability objective for a service (slos:), whose error budget is
// consumed by the customer-impact time of its incidents (core/metrics/slo).
struct Slo {
  std::string service;  // matched against incidents' "services" field
  double objective = 99.9;  // percent, strictly between 0 and 100
  std::chrono::seconds window{30 * 24 * 3600};
  // Where its budget notices go; empty = reports.weekly.channels.
  std::vector<std::string> channels;
  SourceMark mark;
};

// reports.weekly: the weekly review sent on a schedule (usecases/scheduled_notices).
struct WeeklyReportSchedule {
  int day = 1;                              // 1 = Monday .. 7 = Sunday
  std::chrono::minutes time{9 * 60};        // local time of day
  std::string time_zone = "UTC";            // IANA name (default: metrics.time_zone)
  std::vector<std::string> channels;        // never PagerDuty (a report does not page)
  SourceMark mark;
};

struct ReportsConfig {
  std::optional<WeeklyReportSchedule> weekly;  // unset: no scheduled review
};

// A named notification target (seed: "slack-security-alerts", "pagerduty-security").
// Type-specific settings stay as strings here; the notify layer validates them.
struct Channel {
  std::string name;
  std::string type;  // slack | slack_webapi | pagerduty | webhook | email
  std::map<std::string, std::string> settings;
  SourceMark mark;
};

struct Config {
  std::string source_file;
  // SHA-256 (hex) of the file's bytes as read: which config is in force
  // (/readyz, /metrics, each incident's creation event, reload records).
  std::string source_sha256;
  ServerConfig server;
  StorageConfig storage;
  std::vector<SeverityLevel> severities;  // ordered most severe first
  std::vector<User> users;
  std::vector<Team> teams;
  std::vector<Rule> rules;
  std::vector<IncidentTemplate> templates;
  std::vector<DashboardLink> dashboards;
  std::vector<IncidentType> types;
  std::vector<Checklist> checklists;
  PostmortemConfig postmortem;
  MetricsConfig metrics;
  std::vector<Slo> slos;
  ReportsConfig reports;
  std::vector<Channel> channels;
  // On-call (docs/adr/0003-oncall-computation.md). The loader adds a default
  // policy (is_default) for every team the file gives none.
  std::vector<schedule::Definition> schedules;
  std::vector<escalation::Policy> escalation_policies;

  const SeverityLevel* FindSeverity(const std::string& name) const;
  const User* FindUser(const std::string& handle) const;
  const Team* FindTeamByHandle(const std::string& oncall_handle) const;
  const Team* FindTeam(const std::string& id) const;
  const schedule::Definition* FindSchedule(const std::string& name) const;
  const escalation::Policy* FindPolicyForTeam(const std::string& team_id) const;
  const Channel* FindChannel(const std::string& name) const;
  // By name, or by id (the UUID); nullptr when unknown.
  const IncidentType* FindType(const std::string& name_or_id) const;
  const IncidentTemplate* FindTemplate(const std::string& name) const;
};

// The config in force, as an immutable snapshot: whoever holds one keeps it
// alive and unchanged, whatever a reload swaps in meanwhile. A request or a
// worker step asks once and uses that snapshot throughout (ADR 0011).
using ConfigSource = std::function<std::shared_ptr<const Config>()>;
// A source that always answers the same snapshot (a copy of `config`): for
// commands and tests that never reload.
inline ConfigSource FixedConfig(Config config) {
  auto snapshot = std::make_shared<const Config>(std::move(config));
  return [snapshot] { return snapshot; };
}

// The seed's four severities: response times 5 min / 15 min / 1 h / 4 h, status
// updates every 15 min (SEV-1) and 30 min (SEV-2), post-mortems for SEV-1/SEV-2.
std::vector<SeverityLevel> DefaultSeverities();

}  // namespace tocsin::core
