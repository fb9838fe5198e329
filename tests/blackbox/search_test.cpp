// Proves search in Datadog's query syntax: facets, AND/OR/NOT, parentheses,
// free text on the title, sort, total and facet counts.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

std::vector<std::string> Titles(const json& search) {
  std::vector<std::string> out;
  for (const auto& i : search["data"]["attributes"]["incidents"]) out.push_back(i["data"]["attributes"]["title"]);
  return out;
}

TEST(Search, QuerySyntaxFacetsAndSort) {
  TestServer server;
  auto mk = [&](const std::string& title, const std::string& sev, const json& fields, const std::string& commander) {
    json attrs{{"title", title}, {"severity", sev}, {"customer_impacted", false}, {"fields", fields}};
    if (!commander.empty()) attrs["commander"] = commander;
    auto r = server.Call("POST", "/api/v2/incidents", {{"data", {{"type", "incidents"}, {"attributes", attrs}}}});
    ASSERT_EQ(r.status, 201) << r.body;
    server.clock().Advance(std::chrono::seconds(1));
  };
  std::string user = server.app().config()->users.front().handle;
  mk("Checkout down", "SEV-1", {{"teams", {{"value", {"commerce"}}}}, {"services", {{"value", {"checkout"}}}}}, "@" + user);
  mk("Prompt injection detected", "SEV-1", {{"teams", {{"value", {"security"}}}}}, "");
  mk("Slow responses", "SEV-3", {{"services", {{"value", {"chatbotservice"}}}}}, "");
  mk("LLM hallucination", "SEV-2", {{"teams", {{"value", {"llm-platform"}}}}}, "");

  auto q = [&](const std::string& query) {
    auto r = server.Call("GET", "/api/v2/incidents/search?query=" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body);
  };
  auto sev12 = q("state:active+AND+severity:(SEV-2+OR+SEV-1)");
  EXPECT_EQ(sev12["data"]["type"], "incidents_search_results");
  EXPECT_EQ(sev12["data"]["attributes"]["total"], 3);
  EXPECT_EQ(Titles(sev12), (std::vector<std::string>{"LLM hallucination", "Prompt injection detected", "Checkout down"}));
  json sev_facet = sev12["data"]["attributes"]["facets"]["severity"];
  EXPECT_EQ(sev_facet, (json{{{"name", "SEV-1"}, {"count", 2}}, {{"name", "SEV-2"}, {"count", 1}}}));

  EXPECT_EQ(Titles(q("team:security")), (std::vector<std::string>{"Prompt injection detected"}));
  EXPECT_EQ(Titles(q("service:checkout")), (std::vector<std::string>{"Checkout down"}));
  EXPECT_EQ(Titles(q("commander:%40" + user)), (std::vector<std::string>{"Checkout down"}));
  EXPECT_EQ(Titles(q("slow")), (std::vector<std::string>{"Slow responses"}));
  EXPECT_EQ(Titles(q("%22prompt+injection%22")), (std::vector<std::string>{"Prompt injection detected"}));
  EXPECT_EQ(q("NOT+severity:SEV-1")["data"]["attributes"]["total"], 2);
  EXPECT_EQ(q("(team:security+OR+team:commerce)+AND+-title:checkout")["data"]["attributes"]["total"], 1);
  auto asc = server.Call("GET", "/api/v2/incidents/search?query=state:active&sort=created&page[size]=2");
  auto asc_json = ParseJson(asc.body);
  EXPECT_EQ(Titles(asc_json), (std::vector<std::string>{"Checkout down", "Prompt injection detected"}));
  EXPECT_EQ(asc_json["data"]["attributes"]["total"], 4);
  EXPECT_EQ(asc_json["meta"]["pagination"]["next_offset"], 2);
  json teams;
  for (const auto& f : asc_json["data"]["attributes"]["facets"]["fields"]) {
    if (f["name"] == "teams") teams = f["facets"];
  }
  EXPECT_EQ(teams.size(), 3u);
  auto commanders = asc_json["data"]["attributes"]["facets"]["commander"];
  ASSERT_EQ(commanders.size(), 1u);
  EXPECT_EQ(commanders[0]["handle"], user);
}

TEST(Search, ListPaginatesToAShortLastPage) {
  TestServer server;
  for (int k = 0; k < 25; ++k) server.CreateIncident("incident " + std::to_string(k));
  std::set<std::string> seen;
  for (int offset = 0;; offset += 10) {
    auto page = ParseJson(server.Call("GET", "/api/v2/incidents?page[size]=10&page[offset]=" + std::to_string(offset)).body);
    for (const auto& i : page["data"]) seen.insert(i["id"].get<std::string>());
    if (page["data"].size() < 10) {
      EXPECT_EQ(page["data"].size(), 5u);
      break;
    }
  }
  EXPECT_EQ(seen.size(), 25u);
}

}  // namespace
}  // namespace tocsin::testing
