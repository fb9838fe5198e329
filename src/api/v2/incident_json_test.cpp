#include "api/v2/incident_json.hpp"
#include "core/workflow/workflow.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "common/random.hpp"

namespace tocsin::api::v2 {
namespace {

// ---------------------------------------------------------------------------
// The reference: how the answers were rendered before the streaming writer
// (nlohmann DOMs, dumped with the replace handler). The writer must print the
// same bytes for every incident.
namespace legacy {

json Time(const std::optional<TimePoint>& t) { return t ? json(FormatRfc3339(*t)) : json(nullptr); }

std::int64_t Seconds(const std::optional<TimePoint>& from, const std::optional<TimePoint>& to) {
  if (!from || !to || *to < *from) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(*to - *from).count();
}

json FieldJson(const core::FieldValue& v) {
  json value = v.is_list ? (v.list ? json(*v.list) : json(nullptr)) : (v.text ? json(*v.text) : json(nullptr));
  return json{{"type", v.type}, {"value", value}};
}

json UserRef(const core::Actor& a) {
  if (a.user_uuid.empty()) return json{{"data", nullptr}};
  return json{{"data", {{"type", "users"}, {"id", a.user_uuid}}}};
}

json IncidentData(const core::Incident& i) {
  json fields = json::object();
  fields["severity"] = {{"type", "dropdown"}, {"value", i.severity}};
  fields["state"] = {{"type", "dropdown"}, {"value", std::string(core::StateName(i.state))}};
  fields["detection_method"] = {{"type", "dropdown"}, {"value", "unknown"}};
  fields["root_cause"] = {{"type", "textbox"}, {"value", nullptr}};
  fields["summary"] = {{"type", "textbox"}, {"value", nullptr}};
  fields["services"] = {{"type", "autocomplete"}, {"value", nullptr}};
  fields["teams"] = {{"type", "autocomplete"}, {"value", nullptr}};
  for (const auto& [name, v] : i.fields) fields[name] = FieldJson(v);
  json handles = json::array();
  for (const auto& h : i.notification_handles) handles.push_back({{"display_name", h.display_name}, {"handle", h.handle}});
  json commander = nullptr;
  if (i.commander) {
    commander = {{"data",
                  {{"type", "users"},
                   {"id", i.commander->user_uuid},
                   {"attributes", {{"uuid", i.commander->user_uuid}, {"handle", i.commander->handle}}}}}};
  }
  std::optional<TimePoint> created = i.created;
  json attrs{
      {"public_id", i.public_id},
      {"title", i.title},
      {"created", FormatRfc3339(i.created)},
      {"modified", FormatRfc3339(i.modified)},
      {"declared", FormatRfc3339(i.created)},
      {"detected", Time(i.detected)},
      {"resolved", Time(i.resolved)},
      {"archived", nullptr},
      {"customer_impacted", i.customer_impacted},
      {"customer_impact_scope", i.customer_impact_scope ? json(*i.customer_impact_scope) : json(nullptr)},
      {"customer_impact_start", Time(i.customer_impact_start)},
      {"customer_impact_end", Time(i.customer_impact_end)},
      {"customer_impact_duration", Seconds(i.customer_impact_start, i.customer_impact_end)},
      {"time_to_detect", Seconds(i.customer_impact_start, i.detected)},
      {"time_to_internal_response", Seconds(i.detected, created)},
      {"time_to_repair", Seconds(i.detected, i.customer_impact_end)},
      {"time_to_resolve", Seconds(created, i.resolved)},
      {"severity", i.severity},
      {"state", std::string(core::StateName(i.state))},
      {"fields", fields},
      {"incident_type_uuid", i.type.empty() ? std::string(kIncidentTypeUuid) : core::workflow::TypeId(i.type)},
      {"phase", std::string(core::workflow::PhaseOf(i))},
      {"is_test", i.is_test},
      {"visibility", "organization"},
      {"notification_handles", handles},
      {"created_by_uuid", i.created_by.user_uuid.empty() ? json(nullptr) : json(i.created_by.user_uuid)},
      {"last_modified_by_uuid", i.modified_by.user_uuid.empty() ? json(nullptr) : json(i.modified_by.user_uuid)},
      {"declared_by_uuid", i.created_by.user_uuid.empty() ? json(nullptr) : json(i.created_by.user_uuid)},
      {"commander", commander},
      {"commander_handle", i.commander_handle.empty() ? json(nullptr) : json(i.commander_handle)},
      {"acknowledged", Time(i.acknowledged)},
      {"acknowledged_by", i.acknowledged_by ? json(i.acknowledged_by->handle) : json(nullptr)},
      {"time_to_acknowledge", Seconds(created, i.acknowledged)},
      {"case_id", nullptr},
  };
  json empty_many{{"data", json::array()}};
  json rel{{"created_by_user", UserRef(i.created_by)},
           {"last_modified_by_user", UserRef(i.modified_by)},
           {"declared_by_user", UserRef(i.created_by)},
           {"commander_user", i.commander ? UserRef(*i.commander) : json{{"data", nullptr}}},
           {"user_defined_fields", empty_many},
           {"integrations", empty_many},
           {"attachments", empty_many},
           {"responders", empty_many},
           {"impacts", empty_many}};
  return json{{"id", i.id}, {"type", "incidents"}, {"attributes", attrs}, {"relationships", rel}};
}

json UserData(const core::Actor& a, const core::Config& config) {
  const core::User* u = config.FindUser(a.handle);
  json attrs{{"uuid", a.user_uuid},
             {"handle", a.handle},
             {"name", u ? json(u->name) : json(a.handle)},
             {"email", u ? json(u->email) : json(nullptr)},
             {"icon", nullptr}};
  return json{{"id", a.user_uuid}, {"type", "users"}, {"attributes", attrs}};
}

void CollectUsers(const core::Incident& i, std::set<std::string>& seen, json& included, const core::Config& config) {
  auto add = [&](const core::Actor& a) {
    if (a.user_uuid.empty() || !seen.insert(a.user_uuid).second) return;
    included.push_back(UserData(a, config));
  };
  add(i.created_by);
  add(i.modified_by);
  if (i.commander) add(*i.commander);
}

std::string Dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

// ApiV2's IncidentAnswer.
std::string Answer(const core::Incident& inc, Included included, const core::Config& config) {
  json body{{"data", IncidentData(inc)}};
  if (included == Included::kUsers) {
    std::set<std::string> seen;
    json users = json::array();
    CollectUsers(inc, seen, users, config);
    body["included"] = users;
  } else if (included == Included::kEmpty) {
    body["included"] = json::array();
  }
  return Dump(body);
}

// ApiV2's Page.
std::string Page(const std::vector<core::Incident>& incidents, std::int64_t offset, Included included,
                 const SearchAnswer* search, const core::Config& config) {
  json data = json::array();
  std::set<std::string> seen;
  json users = json::array();
  for (const auto& inc : incidents) {
    data.push_back(search ? json{{"data", IncidentData(inc)}} : IncidentData(inc));
    if (included == Included::kUsers) CollectUsers(inc, seen, users, config);
  }
  json body;
  if (search) {
    body["data"] = {{"type", "incidents_search_results"},
                    {"attributes", {{"facets", FacetsJson(*search->facets, config)}, {"incidents", data}, {"total", search->total}}}};
  } else {
    body["data"] = data;
  }
  if (included != Included::kNone) body["included"] = users;
  auto n = static_cast<std::int64_t>(incidents.size());
  body["meta"] = json{{"pagination", {{"offset", offset}, {"size", n}, {"next_offset", offset + n}}}};
  return Dump(body);
}

}  // namespace legacy
// ---------------------------------------------------------------------------

TimePoint At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

core::Actor User(const std::string& handle) { return core::Actor{NameUuid(handle), handle}; }

core::Incident Minimal() {
  core::Incident i;
  i.id = "0b9f4a5e-6d3c-4b1a-9e8f-7a6b5c4d3e2f";
  i.public_id = 1;
  i.title = "Checkout failures";
  i.created = i.modified = At("2024-05-01T10:00:00Z");
  i.created_by = i.modified_by = core::Actor::System();
  return i;
}

// Varied incidents: every member set and unset, every field shape, names
// sorting before, between and after the built-in fields, unicode and
// characters that need escaping.
std::vector<core::Incident> Varied() {
  std::vector<core::Incident> out;
  out.push_back(Minimal());

  core::Incident full = Minimal();
  full.public_id = 4242;
  full.title = "Paiement refusé — 決済エラー 🔥 \"quoted\" back\\slash\ttab\nnewline\x01\x1f";
  full.severity = "SEV-1";
  full.state = core::IncidentState::kResolved;
  full.customer_impacted = true;
  full.customer_impact_scope = "EU customers <b>&</b>";
  full.customer_impact_start = At("2024-05-01T09:50:00.123456Z");
  full.customer_impact_end = At("2024-05-01T11:20:00Z");
  full.detected = At("2024-05-01T09:55:30Z");
  full.resolved = At("2024-05-01T12:00:00.5Z");
  full.created = At("2024-05-01T10:00:00Z");
  full.modified = At("2024-05-01T12:00:00.5Z");
  full.created_by = User("alice");
  full.modified_by = User("bob");
  full.commander = User("carol");
  full.commander_handle = "@security-oncall";
  full.acknowledged = At("2024-05-01T10:03:00Z");
  full.acknowledged_by = User("dave");
  full.is_test = true;
  full.notification_handles = {{"Security Slack", "@slack-security"}, {"Élodie \"E\"", "@elodie"}, {"", ""}};
  full.fields["teams"] = {"autocomplete", true, std::nullopt, std::vector<std::string>{"security", "platform-sre"}};
  full.fields["services"] = {"autocomplete", true, std::nullopt, std::vector<std::string>{}};
  full.fields["detection_method"] = {"dropdown", false, "monitor", std::nullopt};
  full.fields["root_cause"] = {"textbox", false, std::nullopt, std::nullopt};
  full.fields["summary"] = {"textbox", false, "Line one\nline two: ☃", std::nullopt};
  full.fields["AAA upper"] = {"textbox", false, "sorts first", std::nullopt};
  full.fields["aaa"] = {"dropdown", false, "before detection_method", std::nullopt};
  full.fields["region"] = {"multiselect", true, std::nullopt, std::vector<std::string>{"eu-west-1", "日本"}};
  full.fields["severity_note"] = {"textbox", false, "between severity and state", std::nullopt};
  full.fields["zz_null_list"] = {"textarray", true, std::nullopt, std::nullopt};
  full.fields["é-unicode"] = {"metrictag", true, std::nullopt, std::vector<std::string>{"env:prod"}};
  full.fields["quote\"key"] = {"textbox", false, "v", std::nullopt};
  out.push_back(full);

  // Custom fields named like the built-in severity and state replace them.
  core::Incident shadow = Minimal();
  shadow.public_id = 7;
  shadow.severity = "SEV-2";
  shadow.state = core::IncidentState::kStable;
  shadow.fields["severity"] = {"dropdown", false, "custom severity", std::nullopt};
  shadow.fields["state"] = {"textbox", false, std::nullopt, std::nullopt};
  shadow.fields["teams"] = {"autocomplete", true, std::nullopt, std::nullopt};
  out.push_back(shadow);

  // Commander without a user id; times out of order (negative durations are 0).
  core::Incident odd = Minimal();
  odd.public_id = -3;
  odd.title = "";
  odd.severity = "UNKNOWN";
  odd.state = core::IncidentState::kCompleted;
  odd.commander = core::Actor{"", "nobody"};
  odd.created_by = User("erin");
  odd.modified_by = core::Actor::System();
  odd.customer_impact_start = At("2024-05-02T00:00:00Z");
  odd.customer_impact_end = At("2024-05-01T00:00:00Z");
  odd.detected = At("2024-05-01T11:00:00Z");
  odd.resolved = At("2024-05-01T09:00:00Z");
  odd.acknowledged = At("2024-05-01T09:59:59.999999Z");
  odd.created = At("2024-05-01T10:00:00Z");
  odd.modified = At("2262-01-01T00:00:00Z");
  out.push_back(odd);

  // Far past and future instants.
  core::Incident times = Minimal();
  times.public_id = 99;
  times.created = FromUnixMicros(0);
  times.modified = At("9999-12-31T23:59:59.999999Z");
  times.detected = FromUnixMicros(-1);
  times.resolved = FromUnixMicros(-86400LL * 1000000 * 365 * 2100);
  out.push_back(times);

  // Invalid UTF-8 (not accepted by the API, but the answer must stay JSON).
  core::Incident bad = Minimal();
  bad.public_id = 100;
  bad.title = "broken \xC3 and \xFF bytes \xE2\x82";
  bad.fields["bad\xF0"] = {"textbox", false, "\x80", std::nullopt};
  out.push_back(bad);
  return out;
}

core::Config Users() {
  core::Config config;
  core::User alice;
  alice.handle = "alice";
  alice.name = "Alice Ávila";
  alice.email = "alice@example.com";
  core::User carol;
  carol.handle = "carol";
  carol.name = "Carol \"C\"";
  carol.email = "carol@example.com";
  config.users = {alice, carol};
  return config;
}

TEST(IncidentJson, AnswerIsByteForByteTheDomRendering) {
  auto config = Users();
  for (const auto& inc : Varied()) {
    for (Included included : {Included::kNone, Included::kEmpty, Included::kUsers}) {
      std::string expected = legacy::Answer(inc, included, config);
      std::string actual = IncidentAnswerBody(inc, included, config);
      EXPECT_EQ(actual, expected) << "incident " << inc.public_id << " included " << static_cast<int>(included);
      // And it is valid JSON that parses to the same document.
      EXPECT_EQ(json::parse(actual), json::parse(expected));
    }
  }
}

TEST(IncidentJson, PagesAreByteForByteTheDomRendering) {
  auto config = Users();
  auto incidents = Varied();
  core::SearchFacets facets;
  facets.state = {{"active", 3}, {"resolved", 1}};
  facets.severity = {{"SEV-1", 2}};
  facets.commander = {{"carol", 2}, {"ghost", 1}};
  facets.fields = {{"teams", {{"security", 2}}}, {"services", {}}};
  const SearchAnswer search{&facets, 1234};
  for (const SearchAnswer* s : {static_cast<const SearchAnswer*>(nullptr), &search}) {
    for (Included included : {Included::kNone, Included::kEmpty, Included::kUsers}) {
      for (std::int64_t offset : {std::int64_t{0}, std::int64_t{200}}) {
        EXPECT_EQ(IncidentPageBody(incidents, offset, included, s, config),
                  legacy::Page(incidents, offset, included, s, config))
            << "search " << (s != nullptr) << " included " << static_cast<int>(included);
      }
      EXPECT_EQ(IncidentPageBody({}, 0, included, s, config), legacy::Page({}, 0, included, s, config));
    }
  }
}

// A page rendered with content keys (the SQLite store's) copies unchanged
// incidents from the render cache: the bytes must not differ from a fresh
// rendering, and a changed incident (new key) must be rendered again.
TEST(IncidentJson, CachedPagesAreTheSameBytesAndFollowChanges) {
  auto config = Users();
  auto incidents = Varied();
  std::vector<std::uint64_t> keys;
  for (std::size_t k = 0; k < incidents.size(); ++k) keys.push_back(1000 + k);
  std::string fresh = IncidentPageBody(incidents, 0, Included::kUsers, nullptr, config);
  EXPECT_EQ(IncidentPageBody(incidents, 0, Included::kUsers, nullptr, config, &keys), fresh);  // fills the cache
  EXPECT_EQ(IncidentPageBody(incidents, 0, Included::kUsers, nullptr, config, &keys), fresh);  // served from it
  auto changed = incidents;
  changed[0].title = "renamed while cached";
  std::vector<std::uint64_t> changed_keys = keys;
  changed_keys[0] = 999;
  std::string after = IncidentPageBody(changed, 0, Included::kNone, nullptr, config, &changed_keys);
  EXPECT_EQ(after, IncidentPageBody(changed, 0, Included::kNone, nullptr, config));
  EXPECT_NE(after.find("renamed while cached"), std::string::npos);
  // Keys that do not match the incidents are ignored rather than misapplied.
  std::vector<std::uint64_t> short_keys = {1000};
  EXPECT_EQ(IncidentPageBody(incidents, 0, Included::kNone, nullptr, config, &short_keys),
            IncidentPageBody(incidents, 0, Included::kNone, nullptr, config));
}

// The rendering as a reader sees it (independent of the reference above).
TEST(IncidentJson, AnswerCarriesTheIncident) {
  auto incidents = Varied();
  const core::Incident& full = incidents[1];
  json body = json::parse(IncidentAnswerBody(full, Included::kUsers, Users()));
  const json& d = body["data"];
  EXPECT_EQ(d["id"], full.id);
  EXPECT_EQ(d["type"], "incidents");
  const json& a = d["attributes"];
  EXPECT_EQ(a["public_id"], 4242);
  EXPECT_EQ(a["title"], full.title);
  EXPECT_EQ(a["severity"], "SEV-1");
  EXPECT_EQ(a["state"], "resolved");
  EXPECT_EQ(a["customer_impacted"], true);
  EXPECT_EQ(a["customer_impact_scope"], "EU customers <b>&</b>");
  EXPECT_EQ(a["customer_impact_duration"], 5399);  // 09:50:00.123456 -> 11:20:00
  EXPECT_EQ(a["time_to_detect"], 329);  // 09:50:00.123456 -> 09:55:30, whole seconds
  EXPECT_EQ(a["time_to_internal_response"], 270);
  EXPECT_EQ(a["time_to_repair"], 5070);
  EXPECT_EQ(a["time_to_resolve"], 7200);
  EXPECT_EQ(a["time_to_acknowledge"], 180);
  EXPECT_EQ(a["created"], "2024-05-01T10:00:00.000000+00:00");
  EXPECT_EQ(a["resolved"], "2024-05-01T12:00:00.500000+00:00");
  EXPECT_EQ(a["acknowledged_by"], "dave");
  EXPECT_EQ(a["commander"]["data"]["attributes"]["handle"], "carol");
  EXPECT_EQ(a["commander_handle"], "@security-oncall");
  EXPECT_EQ(a["fields"]["region"]["value"], json({"eu-west-1", "日本"}));
  EXPECT_EQ(a["fields"]["services"]["value"], json::array());
  EXPECT_EQ(a["fields"]["root_cause"]["value"], nullptr);
  EXPECT_EQ(a["fields"]["severity"]["value"], "SEV-1");
  EXPECT_EQ(a["fields"]["zz_null_list"]["value"], nullptr);
  EXPECT_EQ(a["notification_handles"][1]["display_name"], "Élodie \"E\"");
  EXPECT_EQ(d["relationships"]["commander_user"]["data"]["id"], NameUuid("carol"));
  EXPECT_EQ(d["relationships"]["impacts"]["data"], json::array());
  ASSERT_EQ(body["included"].size(), 3u);  // alice, bob, carol (dave only acknowledged)
  EXPECT_EQ(body["included"][0]["attributes"]["name"], "Alice Ávila");
  EXPECT_EQ(body["included"][1]["attributes"]["email"], nullptr);  // bob is not configured

  json shadow = json::parse(IncidentAnswerBody(incidents[2], Included::kNone, Users()));
  EXPECT_EQ(shadow["data"]["attributes"]["fields"]["severity"]["value"], "custom severity");
  EXPECT_EQ(shadow["data"]["attributes"]["severity"], "SEV-2");
  EXPECT_FALSE(shadow.contains("included"));
}

}  // namespace
}  // namespace tocsin::api::v2
