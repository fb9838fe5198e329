// Issue 14's replay figure: 1,000,000 recorded alerts over 30 days replayed
// through the v-commerce example config (target <= 10 s), in process, pure
// core code (core/replay): one simulation; the identity run (the config in force
// against itself: one simulation used for both sides, the diff, the fidelity
// check against the record and page load); and a
// run against a candidate (the LLM rotation's members swapped: two simulations). Reading the history from storage is not
// included (usecases::LoadHistory; see docs/benchmarks.md).
//
// The history is generated: alert series (monitor x host) open, re-trigger
// and recover; each series' incident is recorded as acknowledged 4 minutes in
// and resolved a second after its recovery, as the config in force would have
// grouped it (so the identity run reproduces it).
//
//   build/release/bench/replay_bench [runs [alerts]]    (default 3 runs of 1,000,000; prints each and the medians)

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "config/config_loader.hpp"
#include "core/replay/replay.hpp"

namespace {

using namespace tocsin;
using namespace std::chrono_literals;
namespace rp = core::replay;

std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

core::Config LoadExample(const std::string& edit_from = "", const std::string& edit_to = "") {
  std::string path = std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml";
  auto loaded = config::LoadConfigFile(path, [](const std::string&) { return std::optional<std::string>("x"); });
  if (edit_from.empty()) return loaded.config;
  FILE* f = std::fopen(path.c_str(), "rb");
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  auto at = text.find(edit_from);
  if (at == std::string::npos) {
    std::fprintf(stderr, "edit not found: %s\n", edit_from.c_str());
    std::exit(2);
  }
  text.replace(at, edit_from.size(), edit_to);
  auto edited = config::LoadConfigString(text, "candidate.yaml", [](const std::string&) { return std::optional<std::string>("x"); });
  if (!edited.ok()) {
    std::fprintf(stderr, "candidate does not load\n");
    std::exit(2);
  }
  return edited.config;
}

rp::History Generate(const core::Config& config, std::int64_t count) {
  std::vector<std::string> monitors;
  for (const auto& r : config.rules) {
    for (const auto& m : r.monitors) {
      if (m.find('*') == std::string::npos) monitors.push_back(m);
    }
  }
  monitors.push_back("Disk space low");  // no rule: ignored
  monitors.push_back("Cache hit ratio");
  constexpr int kHosts = 40;
  const std::size_t series = monitors.size() * kHosts;
  std::vector<int> state(series, 0);  // 0 idle, >0 alerts sent in the open cycle
  rp::History h;
  h.to = *ParseRfc3339("2026-03-31T00:00:00Z");
  h.from = h.to - std::chrono::hours(24 * 30);
  const Micros step = (h.to - h.from) / (count + 1);
  h.alerts.reserve(count);
  for (std::int64_t i = 0; i < count; ++i) {
    std::uint64_t r = Mix(static_cast<std::uint64_t>(i));
    std::size_t s = r % series;
    core::AlertRecord rec;
    rec.seq = i + 1;
    rec.alert.source = "datadog";
    rec.alert.monitor_name = monitors[s / kHosts];
    rec.alert.scope = "host:h" + std::to_string(s % kHosts);
    rec.alert.tags = {rec.alert.scope, "env:prod"};
    rec.alert.received_at = h.from + step * (i + 1);
    rec.alert.delivery_key = std::to_string(i);
    rec.fingerprint = rec.alert.Fingerprint();  // as the store records it
    if (state[s] >= 3 || (state[s] > 0 && (r >> 32) % 3 == 0)) {
      rec.alert.state = core::AlertState::kOk;
      state[s] = 0;
    } else {
      rec.alert.state = core::AlertState::kAlert;
      ++state[s];
    }
    h.alerts.push_back(std::move(rec));
  }
  // Record what the config in force does, with people acknowledging 4 minutes
  // in and resolving a second after the recovery.
  auto first = rp::Simulate(config, h);
  if (!first) {
    std::fprintf(stderr, "%s\n", first.error().message.c_str());
    std::exit(2);
  }
  for (auto& rec : h.alerts) {
    const rp::AlertOutcome* done = first->FindAlert(rec.seq);
    rec.decision = done->decision;
    if (done->incident >= 0) rec.incident_id = "R" + std::to_string(done->incident);
  }
  for (std::size_t k = 0; k < first->incidents.size(); ++k) {
    const auto& inc = first->incidents[k];
    rp::RecordedIncident real;
    real.id = "R" + std::to_string(k);
    real.public_id = static_cast<std::int64_t>(k) + 1;
    real.created = inc.opened;
    real.acknowledged = inc.opened + 4min;
    if (inc.resolved) real.resolved = *inc.resolved + 1s;
    h.incidents[real.id] = real;
  }
  return h;
}

// A fingerprint of everything a run produced (both outcomes, the whole diff,
// fidelity and load), to check that a faster replay gives the same results:
// REPLAY_BENCH_DIGEST=1 prints it for each run.
struct Digest {
  std::uint64_t h = 1469598103934665603ULL;
  void Add(const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    Add(static_cast<std::int64_t>(s.size()));
  }
  void Add(std::int64_t v) { h = Mix(h ^ static_cast<std::uint64_t>(v)); }
  void Add(TimePoint t) { Add(static_cast<std::int64_t>(t.time_since_epoch().count())); }
  void Add(const std::optional<TimePoint>& t) { t ? Add(*t) : Add(std::int64_t{-1}); }
  void Add(const std::vector<std::string>& v) {
    Add(static_cast<std::int64_t>(v.size()));
    for (const auto& s : v) Add(s);
  }
  void Add(const rp::SimIncident& i) {
    Add(i.key), Add(i.opening_seq), Add(i.group_key), Add(i.rule), Add(i.title), Add(i.severity), Add(i.type);
    Add(i.commander), Add(i.channels), Add(i.opened), Add(i.acknowledged), Add(i.resolved), Add(i.recorded), Add(i.team);
    for (const auto& t : i.tiers) Add(t.round), Add(t.tier), Add(t.due), Add(t.outcome);
    for (auto seq : i.alerts) Add(seq);
  }
  void Add(const rp::Page& p) {
    Add(p.user), Add(p.at), Add(p.incident), Add(p.team), Add(p.round), Add(p.tier), Add(p.schedule), Add(p.channels);
  }
  void Add(const rp::Load& l) {
    for (const auto& p : l.people) {
      Add(p.user), Add(p.pages), Add(static_cast<std::int64_t>(p.per_week * 1000)), Add(p.busiest_week);
      Add(p.night_pages), Add(p.longest_night_run);
    }
    for (const auto& r : l.rotations) Add(r.schedule), Add(r.pages), Add(static_cast<std::int64_t>(r.share * 1e6));
  }
  void Add(const rp::Outcome& o, const rp::History& hist) {
    for (const auto& i : o.incidents) Add(i);
    for (const auto& p : o.pages) Add(p);
    for (const auto& rec : hist.alerts) {
      if (rec.duplicate) continue;
      const rp::AlertOutcome* done = o.FindAlert(rec.seq);
      Add(std::string(done->decision)), Add(std::int64_t{done->incident});
    }
  }
  void Add(const rp::Report& r, const rp::History& hist) {
    Add(r.before, hist), Add(r.after, hist), Add(r.alerts), Add(r.before_hash), Add(r.after_hash);
    const auto& d = r.diff;
    for (const auto* i : d.only_before) Add(i->key);
    for (const auto* i : d.only_after) Add(i->key);
    for (const auto* gs : {&d.merged, &d.split}) {
      Add(static_cast<std::int64_t>(gs->size()));
      for (const auto& g : *gs) Add(g.incident), Add(g.title), Add(g.other_side);
    }
    for (const auto& c : d.changes) Add(c.incident), Add(c.title), Add(c.field), Add(c.before), Add(c.after);
    for (const auto& p : d.pages) Add(p.user), Add(p.before), Add(p.after);
    Add(static_cast<std::int64_t>(d.pages_only_before.size()));
    for (const auto& p : d.pages_only_before) Add(p);
    for (const auto& p : d.pages_only_after) Add(p);
    for (const auto& m : r.fidelity) Add(m.seq), Add(m.recorded), Add(m.replayed);
    Add(r.load_before), Add(r.load_after);
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  if (runs < 1) runs = 1;
  // The VM is shared: CPU time (this process) is the figure to read; wall time is printed too.
  auto cpu = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
  core::Config in_force = LoadExample();
  core::Config candidate = LoadExample("members: [priya, mateo]", "members: [mateo, priya]");
  auto t0 = std::chrono::steady_clock::now();
  const std::int64_t count = argc > 2 ? std::atoll(argv[2]) : 1000000;
  rp::History h = Generate(in_force, count);
  auto t1 = std::chrono::steady_clock::now();
  std::printf("generated %zu alerts, %zu recorded incidents in %.2f s\n", h.alerts.size(), h.incidents.size(),
              std::chrono::duration<double>(t1 - t0).count());
  std::vector<double> identity, changed, identity_cpu, changed_cpu;
  for (int k = 0; k < runs; ++k) {
    double ca = cpu();
    auto a = std::chrono::steady_clock::now();
    auto sim = rp::Simulate(in_force, h);
    auto b = std::chrono::steady_clock::now();
    if (!sim) return 1;
    std::printf("one simulation %.2f s CPU (%.2f s wall; %zu incidents, %zu pages)\n", cpu() - ca,
                std::chrono::duration<double>(b - a).count(), sim->incidents.size(), sim->pages.size());
  }
  for (int k = 0; k < runs; ++k) {
    double cb = cpu();
    auto b = std::chrono::steady_clock::now();
    auto same = rp::Run(in_force, in_force, h);
    auto c = std::chrono::steady_clock::now();
    double cc = cpu();
    auto other = rp::Run(in_force, candidate, h);
    auto d = std::chrono::steady_clock::now();
    double cd = cpu();
    if (!same || !other) return 1;
    if (std::getenv("REPLAY_BENCH_DIGEST")) {
      Digest x, y;
      x.Add(**same, h);
      y.Add(**other, h);
      std::printf("digest: identity %016llx, candidate %016llx\n", static_cast<unsigned long long>(x.h),
                  static_cast<unsigned long long>(y.h));
    }
    identity.push_back(std::chrono::duration<double>(c - b).count());
    changed.push_back(std::chrono::duration<double>(d - c).count());
    identity_cpu.push_back(cc - cb);
    changed_cpu.push_back(cd - cc);
    std::printf("run %d: identity run %.2f s CPU (%.2f s wall; %s, %zu fidelity mismatches); candidate run %.2f s CPU "
                "(%.2f s wall; %zu changes, %zu pages moved)\n",
                k + 1, identity_cpu.back(), identity.back(), (*same)->diff.Empty() ? "no difference" : "DIFFERENCES",
                (*same)->fidelity.size(), changed_cpu.back(), changed.back(), (*other)->diff.changes.size(),
                (*other)->diff.pages_only_after.size());
  }
  if (std::getenv("REPLAY_BENCH_PARTS")) {
    // Where a candidate run's time goes, part by part (CPU seconds).
    double t = cpu();
    auto lap = [&](const char* what) {
      double now = cpu();
      std::printf("  %-26s %.2f s CPU\n", what, now - t);
      t = now;
    };
    {
      auto before = rp::Simulate(in_force, h);
      lap("simulate (in force)");
      auto after = rp::Simulate(candidate, h);
      lap("simulate (candidate)");
      auto diff = rp::Compare(*before, *after);
      lap("compare");
      auto fidelity = rp::Fidelity(h, *before);
      lap("fidelity");
      auto load_before = rp::ComputeLoad(in_force, *before, h.from, h.to);
      auto load_after = rp::ComputeLoad(candidate, *after, h.from, h.to);
      lap("page load (both)");
    }
    lap("freeing the results");
  }
  std::printf("median of %d: identity run %.2f s CPU (%.2f s wall), candidate run %.2f s CPU (%.2f s wall)\n", runs,
              Median(identity_cpu), Median(identity), Median(changed_cpu), Median(changed));
  return 0;
}
