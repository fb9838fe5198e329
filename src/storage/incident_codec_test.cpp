#include "storage/incident_codec.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace tocsin::storage {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// The reference: the nlohmann-based codec that wrote the databases in use.
// The hand-written codec must write the same bytes and read its documents
// back the same.
namespace legacy {

json OptTime(const std::optional<TimePoint>& t) { return t ? json(ToUnixMicros(*t)) : json(nullptr); }
std::optional<TimePoint> ReadOptTime(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return FromUnixMicros(it->get<std::int64_t>());
}
json ActorJson(const core::Actor& a) { return json{{"uuid", a.user_uuid}, {"handle", a.handle}}; }
core::Actor ReadActor(const json& j) { return core::Actor{j.value("uuid", ""), j.value("handle", "")}; }

std::string EncodeIncident(const core::Incident& i) {
  json fields = json::object();
  for (const auto& [name, v] : i.fields) {
    json value = v.is_list ? (v.list ? json(*v.list) : json(nullptr)) : (v.text ? json(*v.text) : json(nullptr));
    fields[name] = json{{"type", v.type}, {"list", v.is_list}, {"value", value}};
  }
  json handles = json::array();
  for (const auto& h : i.notification_handles) handles.push_back({{"display_name", h.display_name}, {"handle", h.handle}});
  json steps = json::array();
  for (const auto& st : i.escalation_steps) {
    steps.push_back({{"round", st.round}, {"tier", st.tier}, {"due", ToUnixMicros(st.due)}, {"outcome", st.outcome}});
  }
  json doc{{"id", i.id},
           {"public_id", i.public_id},
           {"title", i.title},
           {"severity", i.severity},
           {"state", std::string(core::StateName(i.state))},
           {"customer_impacted", i.customer_impacted},
           {"customer_impact_scope", i.customer_impact_scope ? json(*i.customer_impact_scope) : json(nullptr)},
           {"customer_impact_start", OptTime(i.customer_impact_start)},
           {"customer_impact_end", OptTime(i.customer_impact_end)},
           {"detected", OptTime(i.detected)},
           {"resolved", OptTime(i.resolved)},
           {"created", ToUnixMicros(i.created)},
           {"modified", ToUnixMicros(i.modified)},
           {"created_by", ActorJson(i.created_by)},
           {"modified_by", ActorJson(i.modified_by)},
           {"commander", i.commander ? ActorJson(*i.commander) : json(nullptr)},
           {"fields", fields},
           {"notification_handles", handles},
           {"channels", i.channels},
           {"acknowledged", OptTime(i.acknowledged)},
           {"acknowledged_by", i.acknowledged_by ? ActorJson(*i.acknowledged_by) : json(nullptr)},
           {"last_status_update", OptTime(i.last_status_update)},
           {"response_sla_breached", i.response_sla_breached},
           {"last_reminder", OptTime(i.last_reminder)},
           {"commander_handle", i.commander_handle},
           {"escalation_team", i.escalation_team},
           {"escalation_steps", steps},
           {"escalation_next_due", OptTime(i.escalation_next_due)},
           {"is_test", i.is_test},
           {"deleted", i.deleted},
           {"version", i.version}};
  for (const auto& c : i.pagerduty_contacts) {
    doc["pagerduty_contacts"].push_back(
        {{"user", c.user}, {"method", c.method}, {"channel", c.channel}, {"due", ToUnixMicros(c.due)}});
  }
  return doc.dump();
}

Result<core::Incident> DecodeIncident(const std::string& text) {
  try {
    json j = json::parse(text);
    core::Incident i;
    i.id = j.at("id").get<std::string>();
    i.public_id = j.at("public_id").get<std::int64_t>();
    i.title = j.at("title").get<std::string>();
    i.severity = j.at("severity").get<std::string>();
    i.state = core::ParseStateName(j.at("state").get<std::string>()).value_or(core::IncidentState::kActive);
    i.customer_impacted = j.value("customer_impacted", false);
    if (j.contains("customer_impact_scope") && !j["customer_impact_scope"].is_null()) {
      i.customer_impact_scope = j["customer_impact_scope"].get<std::string>();
    }
    i.customer_impact_start = ReadOptTime(j, "customer_impact_start");
    i.customer_impact_end = ReadOptTime(j, "customer_impact_end");
    i.detected = ReadOptTime(j, "detected");
    i.resolved = ReadOptTime(j, "resolved");
    i.created = FromUnixMicros(j.at("created").get<std::int64_t>());
    i.modified = FromUnixMicros(j.at("modified").get<std::int64_t>());
    i.created_by = ReadActor(j.at("created_by"));
    i.modified_by = ReadActor(j.at("modified_by"));
    if (!j["commander"].is_null()) i.commander = ReadActor(j["commander"]);
    for (const auto& [name, f] : j.at("fields").items()) {
      core::FieldValue v;
      v.type = f.value("type", "");
      v.is_list = f.value("list", false);
      const json& value = f["value"];
      if (!value.is_null()) {
        if (v.is_list) {
          v.list = value.get<std::vector<std::string>>();
        } else {
          v.text = value.get<std::string>();
        }
      }
      i.fields[name] = std::move(v);
    }
    for (const auto& h : j.at("notification_handles")) {
      i.notification_handles.push_back({h.value("display_name", ""), h.value("handle", "")});
    }
    i.channels = j.value("channels", std::vector<std::string>{});
    i.acknowledged = ReadOptTime(j, "acknowledged");
    if (j.contains("acknowledged_by") && !j["acknowledged_by"].is_null()) i.acknowledged_by = ReadActor(j["acknowledged_by"]);
    i.last_status_update = ReadOptTime(j, "last_status_update");
    i.response_sla_breached = j.value("response_sla_breached", false);
    i.last_reminder = ReadOptTime(j, "last_reminder");
    i.commander_handle = j.value("commander_handle", "");
    i.escalation_team = j.value("escalation_team", "");
    if (j.contains("escalation_steps")) {
      for (const auto& st : j["escalation_steps"]) {
        i.escalation_steps.push_back({st.value("round", 0), st.value("tier", 0),
                                      FromUnixMicros(st.value("due", std::int64_t{0})), st.value("outcome", "")});
      }
    }
    i.escalation_next_due = ReadOptTime(j, "escalation_next_due");
    if (j.contains("pagerduty_contacts")) {
      for (const auto& c : j["pagerduty_contacts"]) {
        i.pagerduty_contacts.push_back({c.value("user", ""), c.value("method", 0), c.value("channel", ""),
                                        FromUnixMicros(c.value("due", std::int64_t{0}))});
      }
    }
    i.is_test = j.value("is_test", false);
    i.deleted = j.value("deleted", false);
    i.version = j.value("version", 0);
    return i;
  } catch (const std::exception& e) {
    return Internal(std::string("stored incident is unreadable: ") + e.what());
  }
}

std::string EncodeChanges(const std::vector<core::Change>& changes) {
  json arr = json::array();
  for (const auto& c : changes) arr.push_back({{"field", c.field}, {"from", c.from}, {"to", c.to}});
  return arr.dump();
}

std::string EncodeAlert(const core::Alert& a) {
  json doc{{"source", a.source},
           {"monitor_name", a.monitor_name},
           {"monitor_id", a.monitor_id},
           {"scope", a.scope},
           {"state", std::string(core::AlertStateName(a.state))},
           {"tags", a.tags},
           {"title", a.title},
           {"message", a.message},
           {"value", a.value},
           {"link", a.link},
           {"runbook", a.runbook},
           {"priority", a.priority},
           {"started_at", OptTime(a.started_at)},
           {"ended_at", OptTime(a.ended_at)},
           {"received_at", ToUnixMicros(a.received_at)},
           {"delivery_key", a.delivery_key}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace legacy
// ---------------------------------------------------------------------------

TimePoint T(std::int64_t us) { return FromUnixMicros(us); }

std::vector<core::Incident> Varied() {
  std::vector<core::Incident> out;
  core::Incident minimal;
  minimal.id = "6f1c1e9a-2b51-4f0e-8a43-5b8f0d6f6e11";
  minimal.public_id = 1;
  minimal.created = minimal.modified = T(1714557600000000);
  out.push_back(minimal);

  core::Incident full = minimal;
  full.public_id = 9007199254740993;  // past 2^53: must not go through a double
  full.title = "Paiement refusé — 決済エラー 🔥 \"q\" \\ \t\n\x01\x1f\x7f";
  full.severity = "SEV-1";
  full.state = core::IncidentState::kCompleted;
  full.customer_impacted = true;
  full.customer_impact_scope = "";
  full.customer_impact_start = T(-1);
  full.customer_impact_end = T(0);
  full.detected = T(1714557600123456);
  full.resolved = T(253402300799999999);
  full.modified = T(1714557900000001);
  full.created_by = {"2c5e0a47-5e0c-5b43-9d4a-0b8a5a0a6c11", "alice"};
  full.modified_by = {"", "tocsin"};
  full.commander = core::Actor{"", "@security-oncall"};
  full.fields["teams"] = {"autocomplete", true, std::nullopt, std::vector<std::string>{"security", "platform-sre"}};
  full.fields["services"] = {"autocomplete", true, std::nullopt, std::vector<std::string>{}};
  full.fields["detection_method"] = {"dropdown", false, "monitor", std::nullopt};
  full.fields["root_cause"] = {"textbox", false, std::nullopt, std::nullopt};
  full.fields["zz list null"] = {"textarray", true, std::nullopt, std::nullopt};
  full.fields["é \"quoted\" name"] = {"textbox", false, "ünïcödé\nline", std::nullopt};
  full.fields[""] = {"", false, "", std::nullopt};
  full.notification_handles = {{"Security", "@slack-security"}, {"", ""}};
  full.channels = {"slack-security", "pagerduty-sev1", "webhook é"};
  full.acknowledged = T(1714557700000000);
  full.acknowledged_by = core::Actor{"9a1", "bob"};
  full.last_status_update = T(1714557800000000);
  full.response_sla_breached = true;
  full.last_reminder = T(1714557850000000);
  full.commander_handle = "@security-oncall";
  full.escalation_team = "security";
  full.escalation_steps = {{0, 0, T(1714557600000000), "paged"},
                           {0, 1, T(1714558500000000), "nobody"},
                           {2147483647, -1, T(-5), ""}};
  full.escalation_next_due = T(1714559400000000);
  full.pagerduty_contacts = {{"olu", 3, "pagerduty-security", T(1714557900000000)}, {"rafael", 1, "pd", T(0)}};
  full.is_test = true;
  full.deleted = true;
  full.version = 123456789012;
  out.push_back(full);

  core::Incident negative = minimal;
  negative.public_id = -42;
  negative.state = core::IncidentState::kStable;
  negative.acknowledged_by = core::Actor{};
  negative.commander = core::Actor{};
  negative.created = T(std::numeric_limits<std::int64_t>::min());
  negative.modified = T(std::numeric_limits<std::int64_t>::max());
  out.push_back(negative);
  return out;
}

TEST(IncidentCodec, EncodesTheSameBytesAsTheNlohmannEncoder) {
  for (const auto& inc : Varied()) {
    EXPECT_EQ(EncodeIncident(inc), legacy::EncodeIncident(inc)) << "incident " << inc.public_id;
  }
}

std::vector<core::Alert> VariedAlerts() {
  std::vector<core::Alert> out;
  core::Alert minimal;
  minimal.source = "generic";
  minimal.monitor_name = "m";
  out.push_back(minimal);
  core::Alert full;
  full.source = "datadog";
  full.monitor_name = "[V-Commerce] LLM \"Prompt\" Injection \xE2\x9A\xA0 \x01 bad \xFF utf-8";
  full.monitor_id = "123456";
  full.scope = "env:prod,service:checkout";
  full.state = core::AlertState::kNoData;
  full.tags = {"env:prod", "service:checkout", "tier:1"};
  full.title = "Title\twith\ttabs";
  full.message = "line 1\nline 2 \\ backslash </script>";
  full.value = "0.97";
  full.link = "https://app.datadoghq.com/monitors/123456?a=b&c=d";
  full.runbook = "https://github.com/v-commerce/RUNBOOKS.md#prompt-injection";
  full.priority = "P1";
  full.started_at = FromUnixMicros(1714557600123456);
  full.ended_at = FromUnixMicros(-5);
  full.received_at = FromUnixMicros(1714557601000000);
  full.delivery_key = "abc:alert:1714557600";
  out.push_back(full);
  return out;
}

TEST(IncidentCodec, EncodesAlertsAndChangesAsTheNlohmannEncoderDid) {
  for (const auto& a : VariedAlerts()) {
    EXPECT_EQ(EncodeAlert(a), legacy::EncodeAlert(a)) << a.monitor_name;
    auto back = DecodeAlert(EncodeAlert(a));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(EncodeAlert(*back), EncodeAlert(a));
  }
  std::vector<std::vector<core::Change>> changes = {
      {}, {{"severity", "", "SEV-4"}}, {{"state", "active", "resolved"}, {"title", "a \"b\"", "\xC3\xA9\x02"}}};
  for (const auto& c : changes) {
    EXPECT_EQ(EncodeChanges(c), legacy::EncodeChanges(c));
    EXPECT_EQ(DecodeChanges(EncodeChanges(c)).size(), c.size());
  }
}

TEST(IncidentCodec, RoundTrips) {
  for (const auto& inc : Varied()) {
    auto decoded = DecodeIncident(EncodeIncident(inc));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, inc) << "incident " << inc.public_id;
    auto by_legacy = legacy::DecodeIncident(EncodeIncident(inc));
    ASSERT_TRUE(by_legacy);
    // The old decoder read "version" as an int (j.value("version", 0)); the
    // new one reads all 64 bits.
    if (inc.version <= std::numeric_limits<int>::max()) {
      EXPECT_EQ(*by_legacy, inc);
    }
  }
}

// Todos (kept in the document since issue 11's todos) come back as written;
// documents written before them read as having none.
TEST(IncidentCodec, RoundTripsTodos) {
  core::Incident inc = Varied().front();
  core::Todo a;
  a.id = "7f0c3c1e-0000-4000-8000-000000000001";
  a.content = "Restore the gateway \"now\" \xC3\xA9";
  a.assignees = {"@priya", "@olu"};
  a.due = *ParseRfc3339("2026-11-28T09:00:00Z");
  a.created = *ParseRfc3339("2026-11-27T10:00:00Z");
  a.modified = *ParseRfc3339("2026-11-27T10:05:00Z");
  a.created_by = core::Actor{"uuid-1", "samira"};
  a.modified_by = core::Actor{"", "tocsin"};
  core::Todo b = a;
  b.id = "7f0c3c1e-0000-4000-8000-000000000002";
  b.assignees.clear();
  b.due.reset();
  b.completed = *ParseRfc3339("2026-11-27T11:00:00Z");
  inc.todos = {a, b};
  auto decoded = DecodeIncident(EncodeIncident(inc));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, inc);
  inc.todos.clear();
  EXPECT_EQ(EncodeIncident(inc).find("todos"), std::string::npos);
}

// The workflow's members (issue 11): type, phase, checklist todos, links,
// impacts and the post-mortem come back as written; absent ones are not written.
TEST(IncidentCodec, RoundTripsTheWorkflowMembers) {
  core::Incident inc = Varied().front();
  TimePoint t0 = *ParseRfc3339("2026-11-27T10:00:00Z");
  inc.type = "Security";
  inc.phase = "Investigation";
  core::Todo todo;
  todo.id = "t1";
  todo.content = "Acknowledge in Tocsin";
  todo.checklist = "On Incident Creation";
  todo.completes_on = "acknowledged";
  todo.completed_by_event = "acknowledged";
  todo.completed = t0;
  todo.follow_up = true;
  inc.todos = {todo};
  core::Attachment link{"a1", "https://example.com/runbook#x", "Runbook", t0, t0, core::Actor::System(),
                        core::Actor{"u", "olu"}};
  inc.attachments = {link};
  core::Impact impact{"i1", "Checkout failing", t0, t0 + std::chrono::minutes(5), t0, t0, core::Actor{"u", "olu"},
                      core::Actor{"v", "priya"}};
  core::Impact open_impact{"i2", "Slow search", t0, std::nullopt, t0, t0, core::Actor::System()};
  inc.impacts = {impact, open_impact};
  core::Postmortem pm;
  pm.id = "p1";
  pm.state = core::PostmortemState::kInReview;
  pm.created = t0;
  pm.due = t0 + std::chrono::hours(48);
  pm.last_reminder = t0 + std::chrono::hours(49);
  pm.modified = t0;
  pm.modified_by = core::Actor{"u", "olu"};
  pm.sections = {{"root_cause", "A \"bad\" deploy\nline 2"}, {"what_went_well", "- paging"}};
  inc.postmortem = pm;
  auto decoded = DecodeIncident(EncodeIncident(inc));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, inc);

  core::Incident plain = Varied().front();
  std::string doc = EncodeIncident(plain);
  for (const char* member : {"\"attachments\"", "\"impacts\"", "\"postmortem\"", "\"phase\"", "\"type\""}) {
    EXPECT_EQ(doc.find(member), std::string::npos) << member;
  }
}

// Documents another JSON writer could have produced: whitespace, \u escapes,
// members in any order, members this version does not know.
TEST(IncidentCodec, ReadsAnyFormattingAndMemberOrder) {
  for (const auto& inc : Varied()) {
    json doc = json::parse(legacy::EncodeIncident(inc));
    std::vector<std::string> variants = {doc.dump(2), doc.dump(-1, ' ', true), doc.dump(4, '\t', true)};
    // Reverse member order, at the top level and inside each field.
    nlohmann::ordered_json reversed = nlohmann::ordered_json::object();
    std::vector<std::string> keys;
    for (const auto& [k, v] : doc.items()) keys.push_back(k);
    std::reverse(keys.begin(), keys.end());
    for (const auto& k : keys) {
      if (k == "fields") {
        nlohmann::ordered_json fields = nlohmann::ordered_json::object();
        for (const auto& [name, f] : doc[k].items()) {
          fields[name] = nlohmann::ordered_json::object();
          fields[name]["value"] = f["value"];
          fields[name]["unknown"] = {{"nested", {1, 2.5, "x", nullptr, true}}};
          fields[name]["type"] = f["type"];
          fields[name]["list"] = f["list"];
        }
        reversed[k] = fields;
      } else {
        reversed[k] = doc[k];
      }
    }
    reversed["a_member_from_the_future"] = {{"x", {1, 2, 3}}};
    variants.push_back(reversed.dump());
    for (const auto& text : variants) {
      auto decoded = DecodeIncident(text);
      ASSERT_TRUE(decoded) << decoded.error().message << "\n" << text;
      EXPECT_EQ(*decoded, inc) << text;
    }
  }
}

// Documents written before some members existed read as the old decoder
// read them.
TEST(IncidentCodec, ReadsOlderDocumentsWithMissingMembers) {
  json doc = json::parse(legacy::EncodeIncident(Varied()[1]));
  for (const char* key : {"customer_impacted", "customer_impact_scope", "customer_impact_start", "customer_impact_end",
                          "detected", "resolved", "commander", "channels", "acknowledged", "acknowledged_by",
                          "last_status_update", "response_sla_breached", "last_reminder", "commander_handle",
                          "escalation_team", "escalation_steps", "escalation_next_due", "is_test", "deleted", "version"}) {
    doc.erase(key);
  }
  doc["fields"]["teams"].erase("list");  // a field without its list flag
  doc["fields"]["teams"]["value"] = nullptr;
  doc["fields"]["detection_method"].erase("type");
  std::string text = doc.dump();
  auto decoded = DecodeIncident(text);
  auto expected = legacy::DecodeIncident(text);
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_TRUE(expected);
  EXPECT_EQ(*decoded, *expected);
  EXPECT_FALSE(decoded->commander);
  EXPECT_TRUE(decoded->escalation_steps.empty());
  EXPECT_EQ(decoded->version, 0);
}

TEST(IncidentCodec, RefusesUnreadableDocuments) {
  std::string good = EncodeIncident(Varied()[1]);
  json doc = json::parse(good);
  std::vector<std::string> bad = {"", "null", "[]", good.substr(0, good.size() / 2), good + "x", good + "{}"};
  for (const char* required : {"id", "public_id", "title", "severity", "state", "created", "modified", "created_by",
                               "modified_by", "fields", "notification_handles"}) {
    json d = doc;
    d.erase(required);
    bad.push_back(d.dump());
  }
  auto with = [&](const char* key, json value) {
    json d = doc;
    d[key] = std::move(value);
    bad.push_back(d.dump());
  };
  with("title", 5);
  with("public_id", "1");
  with("created", nullptr);
  with("created_by", "alice");
  with("customer_impacted", "yes");
  with("detected", "2024-05-01");
  with("fields", "not an object");
  with("channels", {1, 2});
  json list_as_text = doc;
  list_as_text["fields"]["teams"]["value"] = "security";
  bad.push_back(list_as_text.dump());
  json text_as_list = doc;
  text_as_list["fields"]["detection_method"]["value"] = {"a"};
  bad.push_back(text_as_list.dump());
  for (const auto& text : bad) {
    auto decoded = DecodeIncident(text);
    EXPECT_FALSE(decoded) << text;
    if (!decoded) {
      EXPECT_EQ(decoded.error().message.rfind("stored incident is unreadable: ", 0), 0u) << decoded.error().message;
    }
    EXPECT_FALSE(legacy::DecodeIncident(text)) << "the old decoder accepted: " << text;
  }
}

// A whole database written by an earlier build, when one is given:
//   TOCSIN_CODEC_CHECK_DB=/path/to/copy/of/tocsin.db [TOCSIN_CODEC_CHECK_LIMIT=n]
// Every stored document must decode as the old decoder decoded it and encode
// back to the very same bytes.
TEST(IncidentCodec, ReadsAStoredDatabaseAsBefore) {
  const char* path = std::getenv("TOCSIN_CODEC_CHECK_DB");
  if (!path || !*path) GTEST_SKIP() << "set TOCSIN_CODEC_CHECK_DB to a copy of a database to check";
  long long limit = std::getenv("TOCSIN_CODEC_CHECK_LIMIT") ? std::atoll(std::getenv("TOCSIN_CODEC_CHECK_LIMIT")) : -1;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT doc FROM incidents ORDER BY public_id LIMIT ?", -1, &stmt, nullptr), SQLITE_OK);
  sqlite3_bind_int64(stmt, 1, limit);
  long long rows = 0, failures = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW && failures < 10) {
    std::string doc(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                    static_cast<std::size_t>(sqlite3_column_bytes(stmt, 0)));
    ++rows;
    auto decoded = DecodeIncident(doc);
    auto expected = legacy::DecodeIncident(doc);
    ASSERT_TRUE(expected) << doc;
    if (!decoded || *decoded != *expected || EncodeIncident(*decoded) != doc) {
      ++failures;
      ADD_FAILURE() << "row " << rows << ": " << doc;
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_GT(rows, 0);
  std::printf("checked %lld stored incidents\n", rows);
}

}  // namespace
}  // namespace tocsin::storage
