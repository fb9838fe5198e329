#include "common/server_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tocsin::server_metrics {
namespace {

// Seconds: request handling is sub-millisecond to seconds; deliveries from
// milliseconds to the retry horizon.
const std::vector<double> kHttpBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
// Seconds: the seed's targets (MTTA 10 min, MTTR 1 hour) sit inside the range.
const std::vector<double> kIncidentBounds = {60, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200};
// Seconds: a group commit takes tens of microseconds to a slow disk's sync.
const std::vector<double> kCommitBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
// Requests per commit, up to the writer's batch limit (512).
const std::vector<double> kGroupBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
const std::vector<double> kDeliveryBounds = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};

bool ReadEnabled() {
  const char* v = std::getenv("TOCSIN_METRICS");
  return !(v && (std::strcmp(v, "off") == 0 || std::strcmp(v, "0") == 0));
}

const bool g_enabled = ReadEnabled();

}  // namespace

Families::Families()
    : alerts_received(registry.Add("tocsin_alerts_received_total",
                                   "Alerts received, by source and by what was decided (opened, appended, recovered, "
                                   "ignored, duplicate).",
                                   prom::Kind::kCounter, {"source", "decision"})),
      incidents_opened(registry.Add("tocsin_incidents_opened_total",
                                    "Incidents opened, by severity and origin (alert or api).", prom::Kind::kCounter,
                                    {"severity", "origin"})),
      deliveries(registry.Add("tocsin_delivery_attempts_total",
                              "Notification delivery attempts, by channel type and outcome (delivered, retry, failed, "
                              "gave_up, cancelled).",
                              prom::Kind::kCounter, {"channel_type", "outcome"})),
      delivery_latency(registry.Add("tocsin_delivery_latency_seconds",
                                    "Time from a notification's queuing to its delivery, by channel type.",
                                    prom::Kind::kHistogram, {"channel_type"}, kDeliveryBounds)),
      http_requests(registry.Add("tocsin_http_requests_total", "HTTP requests, by route pattern, method and status code.",
                                 prom::Kind::kCounter, {"route", "method", "code"})),
      http_duration(registry.Add("tocsin_http_request_duration_seconds",
                                 "Time to handle an HTTP request (routing to response), by route pattern.",
                                 prom::Kind::kHistogram, {"route"}, kHttpBounds)),
      escalation_tiers(registry.Add("tocsin_escalation_tiers_total",
                                    "Escalation tiers decided, by outcome (paged, nobody, skipped).", prom::Kind::kCounter,
                                    {"outcome"})),
      acknowledge_time(registry.Add("tocsin_incident_acknowledge_seconds",
                                    "Time from an incident's detection (or creation) to its acknowledgement, by severity.",
                                    prom::Kind::kHistogram, {"severity"}, kIncidentBounds)),
      resolve_time(registry.Add("tocsin_incident_resolve_seconds",
                                "Time from an incident's creation to its resolution, by severity.",
                                prom::Kind::kHistogram, {"severity"}, kIncidentBounds)),
      pages_sent(registry.Add("tocsin_pages_sent_total", "Pages delivered to people or on-call services, by channel type.",
                              prom::Kind::kCounter, {"channel_type"})),
      notices_sent(registry.Add("tocsin_notices_sent_total",
                                "Scheduled notices delivered (weekly_report, slo_budget_low, slo_budget_exhausted), by "
                                "kind and channel type.",
                                prom::Kind::kCounter, {"kind", "channel_type"})),
      storage_commit(registry.Add("tocsin_storage_commit_seconds",
                                  "Time of one commit of the store's writer (the group's transaction, begin to commit).",
                                  prom::Kind::kHistogram, {}, kCommitBounds)),
      storage_group_size(registry.Add("tocsin_storage_commit_group_size", "Write requests carried by one commit.",
                                      prom::Kind::kHistogram, {}, kGroupBounds)),
      replica_claimed(registry.Add("tocsin_replica_deliveries_claimed_total",
                                   "Outbox deliveries this replica claimed to send (PostgreSQL replicas; 0 on SQLite).",
                                   prom::Kind::kCounter)),
      replica_taken_over(registry.Add("tocsin_replica_lease_takeovers_total",
                                      "Deliveries this replica claimed after another replica's lease on them ran out "
                                      "(that replica died or stalled).",
                                      prom::Kind::kCounter)),
      replica_fenced(registry.Add("tocsin_replica_fenced_finishes_total",
                                  "Delivery attempts whose record this replica's fencing token refused: it stalled past "
                                  "its lease and another replica had taken the delivery over.",
                                  prom::Kind::kCounter)) {
  // Label-free families show 0 from the first scrape.
  replica_claimed.CounterWith({});
  replica_taken_over.CounterWith({});
  replica_fenced.CounterWith({});
}

Families& Get() {
  static Families families;
  return families;
}

bool Enabled() { return g_enabled; }

void AlertReceived(const std::string& source, const std::string& decision) {
  if (g_enabled) Get().alerts_received.CounterWith({source, decision}).Inc();
}

void IncidentOpened(const std::string& severity, const char* origin) {
  if (g_enabled) Get().incidents_opened.CounterWith({severity, origin}).Inc();
}

void DeliveryAttempt(const std::string& channel_type, const std::string& outcome,
                     std::optional<std::chrono::microseconds> latency) {
  if (!g_enabled) return;
  Families& f = Get();
  f.deliveries.CounterWith({channel_type, outcome}).Inc();
  if (latency) f.delivery_latency.HistogramWith({channel_type}).Observe(static_cast<double>(latency->count()) / 1e6);
}

void HttpRequest(const std::string& route, const std::string& method, int status, std::chrono::nanoseconds took) {
  if (!g_enabled) return;
  Families& f = Get();
  static const char* const kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  std::string m = "other";  // the method is the client's text: keep the label bounded
  for (const char* known : kMethods) {
    if (method == known) m = known;
  }
  f.http_requests.CounterWith({route, m, std::to_string(status)}).Inc();
  f.http_duration.HistogramWith({route}).Observe(static_cast<double>(took.count()) / 1e9);
}

void EscalationTier(const std::string& outcome) {
  if (g_enabled) Get().escalation_tiers.CounterWith({outcome}).Inc();
}

void Delivered(const std::string& kind, const std::string& channel_type, bool notice) {
  if (!g_enabled) return;
  if (kind == "page") Get().pages_sent.CounterWith({channel_type}).Inc();
  if (notice) Get().notices_sent.CounterWith({kind, channel_type}).Inc();
}

void StorageCommit(std::size_t requests, std::chrono::nanoseconds took) {
  if (!g_enabled) return;
  Families& f = Get();
  f.storage_commit.HistogramWith({}).Observe(static_cast<double>(took.count()) / 1e9);
  f.storage_group_size.HistogramWith({}).Observe(static_cast<double>(requests));
}

void ReplicaClaims(std::int64_t claimed, std::int64_t taken_over) {
  if (!g_enabled) return;
  Families& f = Get();
  if (claimed > 0) f.replica_claimed.CounterWith({}).Inc(static_cast<std::uint64_t>(claimed));
  if (taken_over > 0) f.replica_taken_over.CounterWith({}).Inc(static_cast<std::uint64_t>(taken_over));
}

void ReplicaFenced(std::int64_t fenced) {
  if (g_enabled && fenced > 0) Get().replica_fenced.CounterWith({}).Inc(static_cast<std::uint64_t>(fenced));
}

void IncidentAcknowledged(const std::string& severity, std::chrono::microseconds took) {
  if (g_enabled) Get().acknowledge_time.HistogramWith({severity}).Observe(static_cast<double>(took.count()) / 1e6);
}

void IncidentResolved(const std::string& severity, std::chrono::microseconds took) {
  if (g_enabled) Get().resolve_time.HistogramWith({severity}).Observe(static_cast<double>(took.count()) / 1e6);
}

void AppendProcessMetrics(std::string& out) {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return;
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::vector<std::string> f;
  for (std::string s; rest >> s;) f.push_back(s);
  // f[0] is field 3 (state): utime is field 14, stime 15, starttime 22, rss 24.
  if (f.size() < 22) return;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  double rss = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  double boot = 0;
  std::ifstream proc_stat("/proc/stat");
  for (std::string l; std::getline(proc_stat, l);) {
    if (l.rfind("btime ", 0) == 0) boot = std::stod(l.substr(6));
  }
  double start = boot + std::stod(f[19]) / ticks;
  double fds = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++fds;
    }
    closedir(d);
    fds -= 1;  // the directory being read
  }
  rlimit lim{};
  double max_fds = getrlimit(RLIMIT_NOFILE, &lim) == 0 ? static_cast<double>(lim.rlim_cur) : 0;
  prom::AppendSamples(out, "process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
                      prom::Kind::kCounter, {{"", cpu}});
  prom::AppendSamples(out, "process_resident_memory_bytes", "Resident memory size, in bytes.", prom::Kind::kGauge,
                      {{"", rss}});
  prom::AppendSamples(out, "process_open_fds", "Open file descriptors.", prom::Kind::kGauge, {{"", fds}});
  prom::AppendSamples(out, "process_max_fds", "The limit on open file descriptors.", prom::Kind::kGauge,
                      {{"", max_fds}});
  prom::AppendSamples(out, "process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.",
                      prom::Kind::kGauge, {{"", start}});
}

}  // namespace tocsin::server_metrics
