// Proves POST /api/v2/config/replay: replaying the config in force over a
// history the server really recorded (alerts over HTTP, escalation by the
// workers, an acknowledgement and a resolution through the API) reproduces it
// exactly; a candidate that drops a rule shows its incidents gone; bad input
// (an invalid candidate, a bad or too long `since`, no body, a read-only key)
// is a 4xx naming the problem.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app/app.hpp"
#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInjection = "[V-Commerce] LLM Prompt Injection / Adversarial Input Detection";
constexpr const char* kHallucination = "[V-Commerce] LLM Hallucination Detection";

std::string ExampleText() {
  std::ifstream in(ExampleConfigPath(), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Replay : public ::testing::Test {
 protected:
  std::string Open(const std::string& monitor, const std::string& scope_tag = "") {
    json body{{"monitor", monitor}};
    if (!scope_tag.empty()) body["tags"] = json::array({scope_tag});
    auto r = server_.Ingest("/api/integrations/generic", body);
    EXPECT_EQ(r.status, 200) << r.body;
    auto rel = ParseJson(r.body)["data"][0]["relationships"]["incident"]["data"];
    return rel.is_object() ? rel["id"].get<std::string>() : "";
  }
  // The workers run once after `n` minutes: every tier due meanwhile fires
  // (with its own due time), before whatever the test does next.
  void Minutes(int n) {
    server_.clock().Advance(std::chrono::minutes(n));
    server_.app().RunWorkersOnce(server_.clock().Now());
  }
  HttpResult Post(const std::string& query, const std::string& yaml) {
    return server_.CallWith("POST", "/api/v2/config/replay" + query, yaml,
                            {{"DD-API-KEY", server_.api_key}, {"DD-APPLICATION-KEY", server_.app_key},
                             {"Content-Type", "application/yaml"}});
  }
  // A history: a security incident acknowledged at 7 minutes (tier 2 fired at
  // 5), a quality incident resolved at 20, its recurrence left to escalate.
  void Record() {
    start_ = server_.clock().Now();
    std::string security = Open(kInjection);
    server_.app().RunWorkersOnce(server_.clock().Now());
    Minutes(2);
    std::string quality = Open(kHallucination);
    server_.app().RunWorkersOnce(server_.clock().Now());
    Minutes(5);
    ASSERT_EQ(server_.Call("POST", "/api/v2/incidents/" + security + "/acknowledge", json::object()).status, 200);
    Open(kInjection);  // a re-trigger, appended
    Minutes(13);
    auto resolved = server_.Call("PATCH", "/api/v2/incidents/" + quality,
                                 {{"data", {{"type", "incidents"}, {"attributes", {{"state", "resolved"}}}}}});
    ASSERT_EQ(resolved.status, 200) << resolved.body;
    Minutes(1);
    Open(kHallucination);  // a recurrence
    Open("Some monitor no rule knows");
    Minutes(40);
  }

  TestServer server_;
  TimePoint start_{};
};

TEST_F(Replay, TheConfigInForceReproducesTheRecordedHistory) {
  Record();
  auto r = Post("?since=2h&format=json", ExampleText());
  ASSERT_EQ(r.status, 200) << r.body;
  auto report = ParseJson(r.body);
  EXPECT_EQ(report["alerts"], 5);
  EXPECT_EQ(report["counts"]["fidelity_mismatches"], 0) << report["fidelity"].dump(2);
  EXPECT_EQ(report["identical"], true) << r.body;
  EXPECT_EQ(report["counts"]["incidents_in_force"], 3);
  EXPECT_GE(report["counts"]["pages_in_force"].get<int>(), 4);

  // Markdown for people, with the same finding.
  auto md = Post("?since=2h&format=markdown", ExampleText());
  ASSERT_EQ(md.status, 200);
  EXPECT_NE(md.body.find("# Replay report"), std::string::npos);
  EXPECT_NE(md.body.find("replaying the config in force reproduces the record"), std::string::npos) << md.body;
}

TEST_F(Replay, ACandidateWithoutARuleLosesItsIncidents) {
  Record();
  std::string text = ExampleText();
  // The quality rule no longer opens incidents: its monitors are renamed away.
  auto at = text.find("'[V-Commerce] LLM Hallucination Detection'");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("'[V-Commerce] LLM Hallucination Detection'").size(), "'Nothing sends this'");
  auto r = Post("?since=2h", text);
  ASSERT_EQ(r.status, 200) << r.body;
  auto report = ParseJson(r.body);
  EXPECT_EQ(report["identical"], false);
  EXPECT_EQ(report["counts"]["only_in_force"], 2);
  EXPECT_EQ(report["only_in_force"][0]["rule"], "[V-Commerce] LLM Quality Degradation Incident");
  EXPECT_EQ(report["counts"]["fidelity_mismatches"], 0);
}

TEST_F(Replay, BadInputIsRefusedByName) {
  auto invalid = Post("?since=30d", "rules:\n  - rule_name: x\n    incident_settings: {severity: SEV-9}\n");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.body.find("candidate config is invalid"), std::string::npos) << invalid.body;
  EXPECT_NE(invalid.body.find("SEV-9"), std::string::npos) << invalid.body;

  auto too_long = Post("?since=120d", ExampleText());
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("since: '120d' is longer than 90 days"), std::string::npos) << too_long.body;
  auto bad_since = Post("?since=lastweek", ExampleText());
  EXPECT_EQ(bad_since.status, 400);
  EXPECT_NE(bad_since.body.find("since: 'lastweek'"), std::string::npos) << bad_since.body;
  auto no_since = Post("", ExampleText());
  EXPECT_EQ(no_since.status, 400);
  EXPECT_NE(no_since.body.find("since: is required"), std::string::npos);
  auto no_body = Post("?since=1d", "");
  EXPECT_EQ(no_body.status, 400);
  EXPECT_NE(no_body.body.find("body: is required"), std::string::npos);
  auto bad_format = Post("?since=1d&format=html", ExampleText());
  EXPECT_EQ(bad_format.status, 400);
  EXPECT_NE(bad_format.body.find("format: unknown value 'html'"), std::string::npos);

  // A read-only key may not run one.
  auto key = app::CreateKey(server_.app().store(), "reader", "priya", "api", server_.clock().Now(), "read");
  ASSERT_TRUE(key);
  auto read_only = server_.CallWith("POST", "/api/v2/config/replay?since=1d", ExampleText(),
                                    {{"DD-API-KEY", key->api_key}, {"DD-APPLICATION-KEY", key->app_key}});
  EXPECT_EQ(read_only.status, 403) << read_only.body;
}

}  // namespace
}  // namespace tocsin::testing
