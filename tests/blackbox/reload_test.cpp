// Proves live configuration reload (POST /-/reload, App::Reload as SIGHUP
// calls it): a valid file takes effect for the next alert and is recorded; an
// invalid one is refused with its problems while the old config keeps
// serving; reloads are serialised; requests sent continuously during reloads
// all succeed; and an escalation spanning a reload keeps the tiers already
// decided and takes the new policy from its next tier.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "blackbox/harness.hpp"
#include "common/random.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";
constexpr const char* kCheckout = "Checkout p99 latency";

const char* kNewRule = R"(  - rule_name: 'Checkout latency'
    trigger:
      monitors:
        - 'Checkout p99 latency'
      condition: 'alert'
    incident_settings:
      title: 'Checkout is slow'
      severity: 'SEV-3'
      commander: '@sre-oncall'

)";

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("not in the config: " + from);
  return text.replace(at, from.size(), to);
}

// The example config in a file of its own, which a test edits and reloads.
class Reload : public ::testing::Test {
 protected:
  Reload() : file_(std::filesystem::temp_directory_path() / ("tocsin-reload-" + RandomHex(6) + ".yaml")) {
    original_ = ReadText(ExampleConfigPath());
    WriteText(file_, original_);
  }
  ~Reload() override {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
  }
  TestServerOptions Options() {
    TestServerOptions o;
    o.config_file = file_;
    return o;
  }
  std::string WithNewRule() const { return Replaced(original_, "# Incident templates", std::string(kNewRule) + "# Incident templates"); }
  HttpResult PostReload(TestServer& s) { return s.Call("POST", "/-/reload"); }

  std::filesystem::path file_;
  std::string original_;
};

int IncidentCount(TestServer& s) { return static_cast<int>(s.Incidents().size()); }

std::string ReadyHash(TestServer& s) { return ParseJson(s.Call("GET", "/readyz").body)["config_hash"]; }

TEST_F(Reload, ANewRuleTakesEffectForTheNextAlertAndTheReloadIsRecorded) {
  TestServer server(Options());
  std::string before = Sha256Hex(original_);
  EXPECT_EQ(ReadyHash(server), before);
  ASSERT_EQ(server.Ingest("/api/integrations/generic", json{{"monitor", kCheckout}}).status, 200);
  EXPECT_EQ(IncidentCount(server), 0);  // no rule for it yet

  std::string edited = WithNewRule();
  WriteText(file_, edited);
  auto r = PostReload(server);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = ParseJson(r.body);
  std::string after = Sha256Hex(edited);
  EXPECT_EQ(body["config_hash"], after);
  EXPECT_EQ(body["previous_config_hash"], before);
  EXPECT_EQ(body["changes"], json::array({"rules: 'Checkout latency' added"}));
  EXPECT_EQ(body["needs_restart"], json::array());

  ASSERT_EQ(server.Ingest("/api/integrations/generic", json{{"monitor", kCheckout}}).status, 200);
  auto incidents = server.Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]["attributes"]["title"], "Checkout is slow");
  // The incident names the config it was opened under, on its creation event.
  auto timeline = server.Timeline(incidents[0]["id"]);
  bool recorded = false;
  for (const auto& c : timeline) {
    if (c["attributes"]["kind"] != "incident_created") continue;
    for (const auto& ch : c["attributes"]["changes"]) {
      recorded |= ch["field"] == "config_hash" && ch["to"] == after;
    }
  }
  EXPECT_TRUE(recorded) << timeline.dump();

  EXPECT_EQ(ReadyHash(server), after);
  auto metrics = server.Call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("tocsin_config_info{hash=\"" + after + "\"} 1"), std::string::npos) << metrics;
  auto records = server.app().store().ListConfigReloads(10);
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].actor, "@" + server.app().config()->users.front().handle);
  EXPECT_EQ((*records)[0].hash, after);
  EXPECT_EQ((*records)[0].previous_hash, before);
  EXPECT_EQ((*records)[0].changes, std::vector<std::string>{"rules: 'Checkout latency' added"});
  EXPECT_EQ((*records)[0].at, server.clock().Now());
}

TEST_F(Reload, AnInvalidFileIsRefusedWithItsProblemsAndTheOldConfigKeepsServing) {
  TestServer server(Options());
  std::string before = Sha256Hex(original_);
  WriteText(file_, Replaced(WithNewRule(), "severity: 'SEV-3'", "severity: 'SEV-9'"));
  auto r = PostReload(server);
  ASSERT_EQ(r.status, 400) << r.body;
  auto errors = ParseJson(r.body)["errors"];
  ASSERT_FALSE(errors.empty());
  std::string first = errors[0];
  EXPECT_NE(first.find(file_.string() + ":"), std::string::npos) << first;  // file:line:column
  EXPECT_NE(first.find("SEV-9"), std::string::npos) << first;
  EXPECT_EQ(ReadyHash(server), before);
  // Still the old rules: the new rule's alert opens nothing, the old ones work.
  ASSERT_EQ(server.Ingest("/api/integrations/generic", json{{"monitor", kCheckout}}).status, 200);
  EXPECT_EQ(IncidentCount(server), 0);
  ASSERT_EQ(server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}}).status, 200);
  EXPECT_EQ(IncidentCount(server), 1);
  EXPECT_TRUE(server.app().store().ListConfigReloads(10)->empty());

  // An unreadable file is refused the same way.
  std::filesystem::remove(file_);
  auto gone = PostReload(server);
  EXPECT_EQ(gone.status, 400) << gone.body;
  EXPECT_NE(gone.body.find("cannot read configuration file"), std::string::npos) << gone.body;
  EXPECT_EQ(ReadyHash(server), before);
}

TEST_F(Reload, OnlyAKeyPairMayReload) {
  TestServer server(Options());
  HttpClient client(server.port());
  EXPECT_EQ(client.Request("POST", "/-/reload").status, 401);
  auto with_ingest = client.Request("POST", "/-/reload", "", {{"DD-API-KEY", server.ingest_key}});
  EXPECT_TRUE(with_ingest.status == 401 || with_ingest.status == 403) << with_ingest.status;
  int get = server.Call("GET", "/-/reload").status;
  EXPECT_TRUE(get == 404 || get == 405) << get;
  EXPECT_TRUE(server.app().store().ListConfigReloads(10)->empty());
}

TEST_F(Reload, SettingsReadAtStartAreReportedAsNeedingARestart) {
  TestServer server(Options());
  int port = server.port();
  WriteText(file_, Replaced(original_, "  listen: ", "  listen: 127.0.0.1:1 #"));
  auto r = PostReload(server);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJson(r.body)["needs_restart"], json::array({"server.listen"}));
  EXPECT_EQ(server.app().config()->server.listen, "127.0.0.1:0");  // still the running value
  EXPECT_EQ(server.port(), port);
}

TEST_F(Reload, AReloadWhileAnotherRunsIsRefusedNotRaced) {
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  TestServerOptions o = Options();
  bool first_call = true;
  o.before_reload_swap = [&] {
    if (!first_call) return;
    first_call = false;
    entered.set_value();
    released.wait();
  };
  TestServer server(o);
  WriteText(file_, WithNewRule());
  auto first = std::async(std::launch::async, [&] { return server.app().Reload("first"); });
  entered.get_future().wait();  // the first reload holds the lock now
  auto second = PostReload(server);
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_NE(second.body.find("in progress"), std::string::npos) << second.body;
  EXPECT_EQ(server.app().Reload("SIGHUP").kind, api::v2::ReloadAnswer::Kind::kBusy);
  release.set_value();
  EXPECT_EQ(first.get().kind, api::v2::ReloadAnswer::Kind::kApplied);
  EXPECT_EQ(server.app().store().ListConfigReloads(10)->size(), 1u);
  EXPECT_EQ(PostReload(server).status, 200);  // and the next one runs
}

// The reload builds the new on-call directory before it swaps; an override
// made in between is in the directory it swaps in, not lost.
TEST_F(Reload, AnOverrideMadeDuringAReloadIsKept) {
  TestServerOptions o = Options();
  TestServer* server = nullptr;
  std::string cover;
  o.before_reload_swap = [&] {
    json body{{"data", {{"type", "schedule_overrides"},
                        {"attributes", {{"user", cover}, {"start", "2026-11-27T09:00:00Z"}, {"end", "2026-11-27T18:00:00Z"}}}}}};
    auto made = server->Call("POST", "/api/v2/on-call/schedules/security-primary/overrides", body);
    EXPECT_EQ(made.status, 201) << made.body;
  };
  TestServer s(o);
  server = &s;
  auto on_call = [&] {
    return ParseJson(s.Call("GET", "/api/v2/on-call/schedules/security-primary").body)["data"]["attributes"]["on_call"]["handle"]
        .get<std::string>();
  };
  std::string who = on_call();
  cover = who == "samira" ? "jonas" : "samira";
  WriteText(file_, WithNewRule());
  ASSERT_EQ(s.app().Reload("test").kind, api::v2::ReloadAnswer::Kind::kApplied);
  EXPECT_EQ(on_call(), cover);
}

TEST_F(Reload, RequestsSentContinuouslyDuringReloadsAllSucceed) {
  TestServer server(Options());
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0}, failed{0};
  std::string ingest_key = server.ingest_key;
  int port = server.port();
  std::thread sender([&] {
    HttpClient client(port);
    for (int k = 0; !stop.load(); ++k) {
      json alert{{"monitor", k % 2 ? kCheckout : kInjection}, {"scope", "host:h" + std::to_string(k % 5)}};
      auto r = client.Request("POST", "/api/integrations/generic", alert.dump(), {{"Authorization", "Bearer " + ingest_key}});
      if (r.status != 200) ++failed;
      ++sent;
    }
  });
  const std::string versions[2] = {WithNewRule(), original_};
  constexpr int kReloads = 6;
  for (int n = 0; n < kReloads; ++n) {
    int seen = sent.load();
    while (sent.load() < seen + 3) std::this_thread::yield();  // requests in flight around every swap
    WriteText(file_, versions[n % 2]);
    auto r = PostReload(server);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  int seen = sent.load();
  while (sent.load() < seen + 3) std::this_thread::yield();
  stop = true;
  sender.join();
  EXPECT_EQ(failed.load(), 0) << "of " << sent.load();
  EXPECT_EQ(server.app().store().ListConfigReloads(100)->size(), static_cast<std::size_t>(kReloads));
}

std::vector<std::string> Pages(TestServer& s, const std::string& id) {
  std::vector<std::string> out;
  for (const auto& c : s.Timeline(id)) {
    if (c["attributes"]["kind"] == "page") out.push_back(c["attributes"]["content"]["content"]);
  }
  return out;
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The rule (docs/configuration.md, "Reloading"): tiers already decided stand,
// and so does the time already set for the next one; when that time comes the
// policy in force decides, so the next tier follows the new policy (its
// targets, and its delay when that is later).
TEST_F(Reload, AnEscalationSpanningAReloadKeepsItsDecidedTiersAndTakesTheNewPolicyFromTheNext) {
  TestServer server(Options());
  auto r = server.Ingest("/api/integrations/generic", json{{"monitor", kInjection}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string id = ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"]["id"];
  server.app().RunWorkersOnce(server.clock().Now());
  ASSERT_EQ(Pages(server, id).size(), 1u);  // tier 1 under the old policy
  server.clock().Advance(2min);

  // The new policy: the Secondary tier pages the CISO, at 8 minutes instead of 5.
  WriteText(file_, Replaced(original_,
                            "      - name: Secondary             # Security Lead (5-15 min)\n"
                            "        after: 5m\n"
                            "        targets: [{position: Security Lead}]",
                            "      - name: Secondary\n"
                            "        after: 8m\n"
                            "        targets: [{position: CISO}]"));
  auto reloaded = PostReload(server);
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_EQ(ParseJson(reloaded.body)["changes"],
            json::array({"escalation_policies: 'Security Escalation' changed (tiers[1].after, tiers[1].targets[0].position)"}));

  server.clock().Advance(3min);  // 5 minutes: when the old policy had set tier 2
  server.app().RunWorkersOnce(server.clock().Now());
  EXPECT_EQ(Pages(server, id).size(), 1u);  // the new policy says 8 minutes: not yet, and tier 1 is not repeated
  server.clock().Advance(3min);  // 8 minutes
  server.app().RunWorkersOnce(server.clock().Now());
  auto pages = Pages(server, id);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_TRUE(Contains(pages[1], "tier 2 'Secondary'") && Contains(pages[1], "CISO")) << pages[1];
  EXPECT_FALSE(Contains(pages[1], "Security Lead")) << pages[1];
}

}  // namespace
}  // namespace tocsin::testing
