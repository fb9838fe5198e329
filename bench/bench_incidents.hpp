#pragma once
// Synthetic incidents for the benchmarks and the seeder: what POST
// /api/v2/incidents would store (same default events), with varied severities,
// states, teams, services, commanders and titles. Deterministic for a given
// sequence number, so two seeded data directories hold the same distribution.

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/random.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::bench {

// splitmix64: cheap, well-mixed, stateless.
inline std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Draft {
  core::Incident incident;
  std::vector<core::NewEvent> events;
};

// The n-th synthetic incident, created at `created`. Distribution:
// severity SEV-1 5%, SEV-2 15%, SEV-3 35%, SEV-4 35%, UNKNOWN 10%;
// state, when `recent`: active 40%, stable 20%, resolved 20%, completed 20%;
// otherwise (an old incident) resolved 45%, completed 55%;
// one or two of the v-commerce teams, one to three services, a commander on 60%.
inline Draft MakeIncident(std::uint64_t n, TimePoint created, bool recent = true) {
  static const std::array<const char*, 4> kTeams = {"llm-platform", "security", "platform-sre", "commerce"};
  static const std::array<const char*, 12> kServices = {
      "chatbotservice", "checkoutservice", "paymentservice", "cartservice",     "frontend",     "llm-gateway",
      "embeddingservice", "authservice",   "searchservice",  "recommendationservice", "shippingservice", "adservice"};
  static const std::array<const char*, 10> kWhat = {"Elevated error rate", "Latency spike",   "Hallucination rate up",
                                                    "Prompt injection detected", "Token cost anomaly",
                                                    "Checkout failures", "Payment timeouts", "Pod crash loop",
                                                    "Disk pressure", "Certificate expiry"};
  static const std::array<const char*, 14> kCommanders = {"priya", "mateo", "wei",    "dana",   "samira",
                                                          "jonas", "olu",   "grace",  "alex",   "jordan",
                                                          "rafael", "morgan", "lucia", "tom"};
  std::uint64_t r = Mix(n);
  auto pick = [&r](std::uint64_t m) {
    std::uint64_t v = r % m;
    r = Mix(r);
    return v;
  };

  core::Incident inc;
  inc.id = NewUuidV4();
  std::uint64_t sev = pick(100);
  inc.severity = sev < 5 ? "SEV-1" : sev < 20 ? "SEV-2" : sev < 55 ? "SEV-3" : sev < 90 ? "SEV-4" : "UNKNOWN";
  std::uint64_t st = pick(100);
  if (recent) {
    inc.state = st < 40   ? core::IncidentState::kActive
                : st < 60 ? core::IncidentState::kStable
                : st < 80 ? core::IncidentState::kResolved
                          : core::IncidentState::kCompleted;
  } else {
    inc.state = st < 45 ? core::IncidentState::kResolved : core::IncidentState::kCompleted;
  }
  const char* service = kServices[pick(kServices.size())];
  inc.title = std::string(kWhat[pick(kWhat.size())]) + " on " + service + " #" + std::to_string(n);
  inc.customer_impacted = pick(4) == 0;
  if (inc.customer_impacted) inc.customer_impact_scope = "Some customers affected on " + std::string(service);
  inc.created = inc.modified = created;
  inc.detected = created;
  if (core::IsClosed(inc.state)) inc.resolved = created + std::chrono::minutes(5 + pick(600));

  std::string creator = kCommanders[pick(kCommanders.size())];
  inc.created_by = inc.modified_by = core::Actor{NameUuid(creator), creator};
  if (pick(10) < 6) {
    std::string c = kCommanders[pick(kCommanders.size())];
    inc.commander = core::Actor{NameUuid(c), c};
  }
  core::FieldValue teams{"autocomplete", true, std::nullopt, std::vector<std::string>{kTeams[pick(kTeams.size())]}};
  if (pick(4) == 0) teams.list->push_back(kTeams[pick(kTeams.size())]);
  core::FieldValue services{"autocomplete", true, std::nullopt, std::vector<std::string>{service}};
  for (std::uint64_t k = pick(3); k > 0; --k) services.list->push_back(kServices[pick(kServices.size())]);
  inc.fields["teams"] = std::move(teams);
  inc.fields["services"] = std::move(services);
  inc.fields["detection_method"] = core::FieldValue{"dropdown", false, pick(2) ? "monitor" : "customer", std::nullopt};
  inc.version = 1;

  std::vector<core::NewEvent> events;
  events.push_back({created, inc.created_by, std::string(core::kEventCreated), "Incident declared: " + inc.title,
                    {{"severity", "", inc.severity}, {"state", "", std::string(core::StateName(inc.state))}}});
  return Draft{std::move(inc), std::move(events)};
}

}  // namespace tocsin::bench
