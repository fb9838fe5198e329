// Datadog's incident attachments through the real server: links are added,
// listed (all, or filtered by type), changed and removed, each on the
// timeline with who did it; the incident's post-mortem is listed with them
// but cannot be changed through them; include=attachments carries them in
// incident answers. Each bad input is refused with a 4xx naming the field and
// changes nothing.

#include <gtest/gtest.h>

#include <set>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

class Attachments : public ::testing::Test {
 protected:
  void SetUp() override {
    json incident = server.CreateIncident("Checkout down");
    id = incident["id"];
    user_uuid = incident["relationships"]["created_by_user"]["data"]["id"];
  }

  std::string Base() const { return "/api/v2/incidents/" + id + "/attachments"; }
  static json Body(const json& attachment, const std::string& type = "link") {
    return {{"data",
             {{"type", "incident_attachments"},
              {"attributes", {{"attachment_type", type}, {"attachment", attachment}}}}}};
  }
  static json PatchBody(const json& attachment) {
    return {{"data", {{"type", "incident_attachments"}, {"attributes", {{"attachment", attachment}}}}}};
  }
  json Add(const std::string& url, const std::string& title) {
    auto r = server.Call("POST", Base(), Body({{"documentUrl", url}, {"title", title}}));
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJson(r.body)["data"];
  }
  json List(const std::string& query = "") {
    auto r = server.Call("GET", Base() + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body)["data"];
  }
  std::vector<json> Events(const std::string& kind) {
    std::vector<json> out;
    for (const auto& c : server.Timeline(id)) {
      if (c["attributes"]["kind"] == kind) out.push_back(c);
    }
    return out;
  }
  std::string Incident() { return server.Call("GET", "/api/v2/incidents/" + id).body; }

  // What a refused request must leave as it was: the incident (its
  // `modified` too: the clock has moved on), its attachments, its timeline.
  struct Snapshot {
    std::string incident;
    std::string attachments;
    std::size_t events = 0;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Take() {
    server.clock().Advance(std::chrono::minutes(1));
    return {Incident(), server.Call("GET", Base()).body, server.Timeline(id).size()};
  }
  Snapshot Now() { return {Incident(), server.Call("GET", Base()).body, server.Timeline(id).size()}; }

  // The request is refused with `status`, the message naming `field`, and nothing changes.
  void ExpectRefused(const std::string& method, const std::string& path, const json& body, int status,
                     const std::string& field) {
    Snapshot before = Take();
    auto r = server.Call(method, path, body);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
    EXPECT_EQ(Now(), before);
  }

  // The post-mortem endpoints are not part of this work: the test gives the
  // incident a post-mortem the way resolution will, in the store.
  std::string GivePostmortem() {
    std::string pm_id = "0190a0a0-0000-7000-8000-00000000beef";
    auto done = server.app().store().UpdateIncident(id, [&](const core::Incident& current) -> Result<core::Mutation> {
      core::Mutation m{current, {}, {}};
      core::Postmortem pm;
      pm.id = pm_id;
      pm.created = pm.modified = server.clock().Now();
      pm.modified_by = current.created_by;
      m.incident.postmortem = pm;
      ++m.incident.version;
      return m;
    });
    EXPECT_TRUE(done.has_value());
    return pm_id;
  }

  TestServer server;
  std::string id;
  std::string user_uuid;
};

TEST_F(Attachments, ALinkIsAddedInDatadogsShapeAndListed) {
  auto r = server.Call("POST", Base(), Body({{"documentUrl", "https://runbooks.example.com/checkout"},
                                            {"title", "Checkout runbook"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  json link = ParseJson(r.body)["data"];
  EXPECT_EQ(link["type"], "incident_attachments");
  EXPECT_FALSE(link["id"].get<std::string>().empty());
  EXPECT_EQ(link["attributes"]["attachment_type"], "link");
  EXPECT_EQ(link["attributes"]["attachment"]["documentUrl"], "https://runbooks.example.com/checkout");
  EXPECT_EQ(link["attributes"]["attachment"]["title"], "Checkout runbook");
  EXPECT_EQ(link["attributes"]["modified"], "2026-11-27T10:00:00.000000+00:00");
  EXPECT_EQ(link["relationships"]["incident"]["data"], json({{"id", id}, {"type", "incidents"}}));
  EXPECT_EQ(link["relationships"]["last_modified_by_user"]["data"], json({{"id", user_uuid}, {"type", "users"}}));

  json list = List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], link);
}

TEST_F(Attachments, ASitePathIsALinkAndAMissingTitleIsTheUrl) {
  json link = Add("/dashboard/checkout-health", "");
  EXPECT_EQ(link["attributes"]["attachment"]["title"], "/dashboard/checkout-health");
  auto r = server.Call("POST", Base(), Body({{"documentUrl", "HTTPS://Grafana.example.com/d/1"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(ParseJson(r.body)["data"]["attributes"]["attachment"]["title"], "HTTPS://Grafana.example.com/d/1");
  EXPECT_EQ(List().size(), 2u);
}

TEST_F(Attachments, ALinkIsChangedThenRemovedAndEachStepIsOnTheTimelineWithItsAuthor) {
  json link = Add("https://runbooks.example.com/checkout", "Runbook");
  std::string link_id = link["id"];
  server.clock().Advance(std::chrono::minutes(5));
  auto patched = server.Call("PATCH", Base() + "/" + link_id,
                             PatchBody({{"documentUrl", "https://runbooks.example.com/checkout-v2"}}));
  ASSERT_EQ(patched.status, 200) << patched.body;
  json changed = ParseJson(patched.body)["data"];
  EXPECT_EQ(changed["id"], link_id);
  EXPECT_EQ(changed["attributes"]["attachment"]["documentUrl"], "https://runbooks.example.com/checkout-v2");
  EXPECT_EQ(changed["attributes"]["attachment"]["title"], "Runbook");  // a PATCH changes only what it carries
  EXPECT_EQ(changed["attributes"]["modified"], "2026-11-27T10:05:00.000000+00:00");
  EXPECT_EQ(List()[0], changed);

  ASSERT_EQ(server.Call("DELETE", Base() + "/" + link_id).status, 204);
  EXPECT_TRUE(List().empty());

  auto added = Events("link_added");
  auto updated = Events("link_updated");
  auto removed = Events("link_removed");
  ASSERT_EQ(added.size(), 1u);
  ASSERT_EQ(updated.size(), 1u);
  ASSERT_EQ(removed.size(), 1u);
  std::string text = added[0]["attributes"]["content"]["content"];
  EXPECT_NE(text.find("Runbook"), std::string::npos) << text;
  EXPECT_NE(text.find("https://runbooks.example.com/checkout"), std::string::npos) << text;
  EXPECT_EQ(added[0]["attributes"]["author"]["uuid"], user_uuid);
  json change = updated[0]["attributes"]["changes"][0];
  EXPECT_EQ(change["field"], "url");
  EXPECT_EQ(change["from"], "https://runbooks.example.com/checkout");
  EXPECT_EQ(change["to"], "https://runbooks.example.com/checkout-v2");
  EXPECT_NE(removed[0]["attributes"]["content"]["content"].get<std::string>().find("checkout-v2"), std::string::npos);
}

TEST_F(Attachments, APatchThatChangesNothingWritesNothing) {
  std::string link_id = Add("https://runbooks.example.com/checkout", "Runbook")["id"];
  Snapshot before = Take();
  auto r = server.Call("PATCH", Base() + "/" + link_id, PatchBody({{"title", "Runbook"}}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Now(), before);
}

TEST_F(Attachments, TheListIsFilteredByTypeByNameOrByDatadogsNumber) {
  Add("https://runbooks.example.com/checkout", "Runbook");
  std::string pm_id = GivePostmortem();
  EXPECT_EQ(List().size(), 2u);
  for (const char* q : {"?filter[attachment_type]=link", "?filter[attachment_type]=2"}) {
    json links = List(q);
    ASSERT_EQ(links.size(), 1u) << q;
    EXPECT_EQ(links[0]["attributes"]["attachment_type"], "link");
  }
  for (const char* q : {"?filter[attachment_type]=postmortem", "?filter[attachment_type]=1"}) {
    json pms = List(q);
    ASSERT_EQ(pms.size(), 1u) << q;
    EXPECT_EQ(pms[0]["id"], pm_id);
  }
}

TEST_F(Attachments, ThePostmortemIsListedAsAnAttachmentPointingAtItsPage) {
  std::string pm_id = GivePostmortem();
  json pm = List()[0];
  EXPECT_EQ(pm["id"], pm_id);
  EXPECT_EQ(pm["attributes"]["attachment_type"], "postmortem");
  EXPECT_EQ(pm["attributes"]["attachment"]["title"], "Post-mortem: Checkout down");
  EXPECT_EQ(pm["attributes"]["attachment"]["documentUrl"], "http://127.0.0.1:8080/incidents/IR-1/postmortem");
}

TEST_F(Attachments, ThePostmortemCannotBeChangedOrRemovedThroughTheLinkRoutes) {
  std::string pm_id = GivePostmortem();
  ExpectRefused("PATCH", Base() + "/" + pm_id, PatchBody({{"title", "mine now"}}), 400, "attachments/postmortems");
  ExpectRefused("DELETE", Base() + "/" + pm_id, nullptr, 400, "post-mortem");
}

TEST_F(Attachments, IncludeAttachmentsCarriesThemInIncidentAnswers) {
  std::string link_id = Add("https://runbooks.example.com/checkout", "Runbook")["id"];
  std::string pm_id = GivePostmortem();
  json expected_refs = json::array({{{"id", link_id}, {"type", "incident_attachments"}},
                                    {{"id", pm_id}, {"type", "incident_attachments"}}});
  json one = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "?include=attachments").body);
  EXPECT_EQ(one["data"]["relationships"]["attachments"]["data"], expected_refs);
  ASSERT_EQ(one["included"].size(), 2u);
  EXPECT_EQ(one["included"][0]["id"], link_id);
  EXPECT_EQ(one["included"][0]["attributes"]["attachment"]["documentUrl"], "https://runbooks.example.com/checkout");
  EXPECT_EQ(one["included"][1]["attributes"]["attachment_type"], "postmortem");

  json both = ParseJson(server.Call("GET", "/api/v2/incidents/" + id + "?include=users,attachments").body);
  std::set<std::string> types;
  for (const auto& item : both["included"]) types.insert(item["type"]);
  EXPECT_EQ(types, (std::set<std::string>{"users", "incident_attachments"}));

  json list = ParseJson(server.Call("GET", "/api/v2/incidents?include=attachments").body);
  EXPECT_EQ(list["data"][0]["relationships"]["attachments"]["data"], expected_refs);
  EXPECT_EQ(list["included"].size(), 2u);
  json search = ParseJson(server.Call("GET", "/api/v2/incidents/search?query=state:active&include=attachments").body);
  EXPECT_EQ(search["data"]["attributes"]["incidents"][0]["data"]["relationships"]["attachments"]["data"], expected_refs);
  EXPECT_EQ(search["included"].size(), 2u);

  // Without include the references are still there, the objects are not.
  json plain = ParseJson(Incident());
  EXPECT_EQ(plain["data"]["relationships"]["attachments"]["data"], expected_refs);
  EXPECT_FALSE(plain.contains("included"));
}

TEST_F(Attachments, TheOlderBulkPatchAddsChangesAndRemovesLinksTogether) {
  std::string keep = Add("https://a.example.com", "A")["id"];
  std::string drop = Add("https://b.example.com", "B")["id"];
  json body{{"data",
             {{{"type", "incident_attachments"},
               {"attributes", {{"attachment_type", "link"},
                               {"attachment", {{"documentUrl", "https://c.example.com"}, {"title", "C"}}}}}},
              {{"type", "incident_attachments"}, {"id", keep}, {"attributes", {{"attachment", {{"title", "A2"}}}}}},
              {{"type", "incident_attachments"}, {"id", drop}}}}};
  auto r = server.Call("PATCH", Base(), body);
  ASSERT_EQ(r.status, 200) << r.body;
  json list = List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], keep);
  EXPECT_EQ(list[0]["attributes"]["attachment"]["title"], "A2");
  EXPECT_EQ(list[1]["attributes"]["attachment"]["title"], "C");
  EXPECT_EQ(Events("link_added").size(), 3u);
  EXPECT_EQ(Events("link_updated").size(), 1u);
  EXPECT_EQ(Events("link_removed").size(), 1u);
}

TEST_F(Attachments, ABulkPatchWithOneBadItemChangesNothing) {
  Add("https://a.example.com", "A");
  json body{{"data",
             {{{"type", "incident_attachments"},
               {"attributes", {{"attachment_type", "link"}, {"attachment", {{"documentUrl", "https://ok.example.com"}}}}}},
              {{"type", "incident_attachments"},
               {"attributes", {{"attachment_type", "link"}, {"attachment", {{"documentUrl", "javascript:alert(1)"}}}}}}}}};
  ExpectRefused("PATCH", Base(), body, 400, "data[1].attributes.attachment.documentUrl");
}

// --- bad input: one case each ----------------------------------------------

TEST_F(Attachments, NoUrlIsRefused) {
  ExpectRefused("POST", Base(), Body({{"title", "Runbook"}}), 400, "data.attributes.attachment.documentUrl");
}

TEST_F(Attachments, AnEmptyUrlIsRefused) {
  ExpectRefused("POST", Base(), Body({{"documentUrl", ""}}), 400, "data.attributes.attachment.documentUrl");
}

TEST_F(Attachments, AJavascriptUrlIsRefused) {
  ExpectRefused("POST", Base(), Body({{"documentUrl", "javascript:alert(document.cookie)"}}), 400,
                "data.attributes.attachment.documentUrl: scheme 'javascript' is not allowed");
}

TEST_F(Attachments, ADataUrlIsRefused) {
  ExpectRefused("POST", Base(), Body({{"documentUrl", "data:text/html;base64,PHNjcmlwdD4="}}), 400,
                "data.attributes.attachment.documentUrl: scheme 'data' is not allowed");
}

TEST_F(Attachments, AProtocolRelativeUrlIsRefused) {
  ExpectRefused("POST", Base(), Body({{"documentUrl", "//evil.example.com/x"}}), 400,
                "data.attributes.attachment.documentUrl");
}

TEST_F(Attachments, AJavascriptUrlIsRefusedOnPatchToo) {
  std::string link_id = Add("https://runbooks.example.com/checkout", "Runbook")["id"];
  ExpectRefused("PATCH", Base() + "/" + link_id, PatchBody({{"documentUrl", "JavaScript:alert(1)"}}), 400,
                "data.attributes.attachment.documentUrl");
}

TEST_F(Attachments, ANullUrlCannotClearALink) {
  std::string link_id = Add("https://runbooks.example.com/checkout", "Runbook")["id"];
  ExpectRefused("PATCH", Base() + "/" + link_id, PatchBody({{"documentUrl", nullptr}}), 400,
                "data.attributes.attachment.documentUrl: must be a string");
}

TEST_F(Attachments, AUrlOver2048BytesIsRefused) {
  ExpectRefused("POST", Base(), Body({{"documentUrl", "https://x.example.com/" + std::string(2100, 'a')}}), 400,
                "data.attributes.attachment.documentUrl: longer than 2048 bytes");
}

TEST_F(Attachments, ATitleOver512BytesIsRefused) {
  ExpectRefused("POST", Base(), Body({{"documentUrl", "https://x.example.com"}, {"title", std::string(513, 't')}}),
                400, "data.attributes.attachment.title: longer than 512 bytes");
}

TEST_F(Attachments, APostmortemThroughTheLinkRouteIsRefusedPointingAtItsOwn) {
  ExpectRefused("POST", Base(), Body({{"documentUrl", "https://x.example.com"}}, "postmortem"), 400,
                "/attachments/postmortems");
}

TEST_F(Attachments, AMissingAttachmentTypeIsRefused) {
  json body{{"data", {{"type", "incident_attachments"},
                      {"attributes", {{"attachment", {{"documentUrl", "https://x.example.com"}}}}}}}};
  ExpectRefused("POST", Base(), body, 400, "data.attributes.attachment_type");
}

TEST_F(Attachments, AnUnknownTypeFilterIsRefused) {
  auto r = server.Call("GET", Base() + "?filter[attachment_type]=3");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("filter[attachment_type]: unknown value '3'"), std::string::npos) << r.body;
}

TEST_F(Attachments, AnUnknownIncidentIs404) {
  std::string other = "/api/v2/incidents/00000000-0000-4000-8000-00000000abcd/attachments";
  EXPECT_EQ(server.Call("GET", other).status, 404);
  auto r = server.Call("POST", other, Body({{"documentUrl", "https://x.example.com"}}));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("incident"), std::string::npos) << r.body;
}

TEST_F(Attachments, AnUnknownAttachmentIs404) {
  std::string missing = Base() + "/00000000-0000-4000-8000-0000000000aa";
  ExpectRefused("PATCH", missing, PatchBody({{"title", "x"}}), 404, "attachment 00000000-0000-4000-8000-0000000000aa");
  ExpectRefused("DELETE", missing, nullptr, 404, "attachment 00000000-0000-4000-8000-0000000000aa");
}

TEST_F(Attachments, AtMost200LinksPerIncident) {
  json many = json::array();
  for (int k = 0; k < 200; ++k) {
    many.push_back({{"type", "incident_attachments"},
                    {"attributes", {{"attachment_type", "link"},
                                    {"attachment", {{"documentUrl", "https://x.example.com/" + std::to_string(k)}}}}}});
  }
  auto filled = server.Call("PATCH", Base(), json{{"data", many}});
  ASSERT_EQ(filled.status, 200) << filled.body.substr(0, 300);
  ASSERT_EQ(List().size(), 200u);
  ExpectRefused("POST", Base(), Body({{"documentUrl", "https://x.example.com/one-more"}}), 400, "at most 200");
}

}  // namespace
}  // namespace tocsin::testing
