#include "ingest/ingest.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace tocsin::ingest {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using core::Alert;
using core::AlertState;
using Parser = Result<std::vector<Alert>> (*)(std::string_view, TimePoint, const ParseLimits&);

// Every golden case is parsed as if it arrived at this instant, so that
// "endsAt has passed" and "more than a year ahead" are reproducible.
TimePoint ReceivedAt() { return *ParseRfc3339("2024-05-01T10:00:00Z"); }

fs::path GoldenDir() {
  return (fs::path(TOCSIN_SOURCE_DIR) / "tests" / "golden" / "ingest").lexically_normal();
}

Parser ParserFor(const std::string& format) {
  if (format == "datadog") return &ParseDatadog;
  if (format == "alertmanager") return &ParseAlertmanagerWebhook;
  if (format == "prometheus") return &ParsePrometheusAlerts;
  if (format == "generic") return &ParseGeneric;
  return nullptr;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kInternal: return "internal";
    default: return "other";
  }
}

// Whole normalised alerts, every field, in a stable order (nlohmann::json
// keeps object keys sorted), so that golden files are compared as values.
Json RenderAlert(const Alert& a) {
  auto time = [](const std::optional<TimePoint>& t) { return t ? Json(FormatRfc3339(*t)) : Json(nullptr); };
  return Json{
      {"source", a.source},
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
      {"started_at", time(a.started_at)},
      {"ended_at", time(a.ended_at)},
      {"received_at", FormatRfc3339(a.received_at)},
      {"delivery_key", a.delivery_key},
      {"fingerprint", a.Fingerprint()},
  };
}

Json RenderResult(const Result<std::vector<Alert>>& result) {
  if (!result) {
    return Json{
        {"error", {{"code", std::string(ErrorCodeName(result.error().code))}, {"message", result.error().message}}}};
  }
  Json alerts = Json::array();
  for (const Alert& a : *result) alerts.push_back(RenderAlert(a));
  return Json{{"alerts", alerts}};
}

struct GoldenCase {
  std::string format;
  fs::path input;
};

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.format << "/" << c.input.filename().string(); }

std::vector<GoldenCase> ListGoldenCases() {
  std::vector<GoldenCase> cases;
  for (const char* format : {"datadog", "alertmanager", "prometheus", "generic"}) {
    fs::path dir = GoldenDir() / format;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      if (name.ends_with(".json") && !name.ends_with(".expected.json")) inputs.push_back(entry.path());
    }
    std::sort(inputs.begin(), inputs.end());
    for (auto& input : inputs) cases.push_back({format, input});
  }
  return cases;
}

std::string CaseName(const testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.format + "_" + info.param.input.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class IngestGolden : public testing::TestWithParam<GoldenCase> {};

// Each payload in tests/golden/ingest/<format>/ parses to exactly the alerts
// in its .expected.json. TOCSIN_UPDATE_GOLDEN=1 rewrites the expectations
// (review the diff before committing it).
TEST_P(IngestGolden, MatchesExpected) {
  const GoldenCase& c = GetParam();
  Parser parse = ParserFor(c.format);
  ASSERT_NE(parse, nullptr);
  Json actual = RenderResult(parse(ReadFile(c.input), ReceivedAt(), ParseLimits{}));

  fs::path expected_path = c.input;
  expected_path.replace_extension(".expected.json");
  const char* update = std::getenv("TOCSIN_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(expected_path, std::ios::binary | std::ios::trunc) << actual.dump(2) << "\n";
    return;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing; run with TOCSIN_UPDATE_GOLDEN=1";
  Json expected = Json::parse(ReadFile(expected_path));
  EXPECT_EQ(actual, expected) << "actual for " << c.input << ":\n" << actual.dump(2);
}

INSTANTIATE_TEST_SUITE_P(Ingest, IngestGolden, testing::ValuesIn(ListGoldenCases()), CaseName);

TEST(IngestGoldenFiles, CoverEveryFormat) {
  std::vector<GoldenCase> cases = ListGoldenCases();
  for (const char* format : {"datadog", "alertmanager", "prometheus", "generic"}) {
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const GoldenCase& c) { return c.format == format; }))
        << "no golden case for " << format << " in " << GoldenDir();
  }
}

// ---------------------------------------------------------------------------
// Behaviour worth pinning beyond the golden files.

std::vector<Alert> MustParse(Parser parse, std::string_view body) {
  auto result = parse(body, ReceivedAt(), ParseLimits{});
  EXPECT_TRUE(result) << (result ? "" : result.error().message);
  return result ? *result : std::vector<Alert>{};
}

Error MustFail(Parser parse, std::string_view body, const ParseLimits& limits = {}) {
  auto result = parse(body, ReceivedAt(), limits);
  EXPECT_FALSE(result) << "parsed although it should not have: " << body.substr(0, 200);
  if (result) return Error{};
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().message;
  return result.error();
}

// Renotify repeats the monitor's current state, which $ALERT_TYPE carries.
TEST(IngestDatadog, RenotifyKeepsTheStateOfAlertType) {
  for (auto [alert_type, state] : {std::pair{"error", AlertState::kAlert}, std::pair{"warning", AlertState::kWarn},
                                   std::pair{"success", AlertState::kOk}}) {
    Json body = {{"transition", "Renotify"}, {"alert_type", alert_type}, {"title", "[Triggered] Disk full"}};
    auto alerts = MustParse(&ParseDatadog, body.dump());
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].state, state) << alert_type;
  }
}

TEST(IngestDatadog, TransitionsMapToStates) {
  for (auto [transition, state] :
       {std::pair{"Triggered", AlertState::kAlert}, std::pair{"Re-Triggered", AlertState::kAlert},
        std::pair{"Warn", AlertState::kWarn}, std::pair{"Re-Warn", AlertState::kWarn},
        std::pair{"No Data", AlertState::kNoData}, std::pair{"Re-No Data", AlertState::kNoData},
        std::pair{"Recovered", AlertState::kOk}}) {
    Json body = {{"transition", transition}, {"title", "Disk full"}};
    auto alerts = MustParse(&ParseDatadog, body.dump());
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].state, state) << transition;
  }
}

// The seed's monitor names begin with "[V-Commerce]": only Datadog's own
// prefixes are taken off the title.
TEST(IngestDatadog, TitlePrefixesAreDatadogsOnly) {
  Json body = {{"title", "[P2] [Re-Triggered on {env:prod, host:web-1}] [V-Commerce] LLM Hallucination Detection"},
               {"body", "x"},
               {"id", "1"}};
  auto alerts = MustParse(&ParseDatadog, body.dump());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].monitor_name, "[V-Commerce] LLM Hallucination Detection");
  EXPECT_EQ(alerts[0].scope, "env:prod,host:web-1");
  EXPECT_EQ(alerts[0].priority, "P2");
  EXPECT_EQ(alerts[0].state, AlertState::kAlert);
}

TEST(IngestDatadog, DeliveryKeyFallsBackToCycleKeyTransitionAndDate) {
  Json body = {{"transition", "Triggered"}, {"title", "Disk full"}, {"cycle_key", "c1"}, {"date", "1714557540000"}};
  auto alerts = MustParse(&ParseDatadog, body.dump());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].delivery_key, "c1|Triggered|1714557540000");
}

TEST(IngestRunbook, FindsTheSeedsRunbookLine) {
  Json body = {{"monitor", "m"},
               {"message",
                "Injection rate high.\n\xF0\x9F\x93\x95 **Runbook:** "
                "https://github.com/v-commerce/v-commerce/blob/main/docs/RUNBOOKS.md#prompt-injection\n"
                "See https://example.com/other too."}};
  auto alerts = MustParse(&ParseGeneric, body.dump());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].runbook, "https://github.com/v-commerce/v-commerce/blob/main/docs/RUNBOOKS.md#prompt-injection");
}

TEST(IngestRunbook, FindsMarkdownLinksAndIgnoresFarAwayUrls) {
  Json linked = {{"monitor", "m"}, {"message", "Read the [runbook](https://wiki.example.com/rb/disk). Thanks"}};
  EXPECT_EQ(MustParse(&ParseGeneric, linked.dump()).at(0).runbook, "https://wiki.example.com/rb/disk");
  Json none = {{"monitor", "m"},
               {"message",
                "There is no runbook for this one, sorry. Meanwhile, here is a long digression before "
                "the dashboard: https://example.com/dash"}};
  EXPECT_EQ(MustParse(&ParseGeneric, none.dump()).at(0).runbook, "");
}

// Prometheus re-pushes a firing alert every minute with a new endsAt; those
// pushes are one delivery, and the resolution is another.
TEST(IngestPrometheus, ResendsShareADeliveryKey) {
  auto push = [](const char* ends_at) {
    Json alert = {{"labels", {{"alertname", "HighLatency"}, {"service", "checkout"}}},
                  {"startsAt", "2024-05-01T09:50:00Z"},
                  {"endsAt", ends_at}};
    return MustParse(&ParsePrometheusAlerts, Json::array({alert}).dump()).at(0);
  };
  Alert first = push("2024-05-01T10:04:00Z");
  Alert again = push("2024-05-01T10:05:00Z");
  Alert resolved = push("2024-05-01T09:59:30Z");
  EXPECT_EQ(first.state, AlertState::kAlert);
  EXPECT_EQ(first.delivery_key, again.delivery_key);
  EXPECT_EQ(resolved.state, AlertState::kOk);
  EXPECT_NE(resolved.delivery_key, first.delivery_key);
  EXPECT_EQ(first.Fingerprint(), resolved.Fingerprint());
}

TEST(IngestAlertmanager, SeverityWarningIsWarn) {
  Json body = {{"version", "4"},
               {"status", "firing"},
               {"alerts",
                {{{"status", "firing"},
                  {"labels", {{"alertname", "DiskFilling"}, {"severity", "warning"}}},
                  {"startsAt", "2024-05-01T09:00:00Z"}}}}};
  EXPECT_EQ(MustParse(&ParseAlertmanagerWebhook, body.dump()).at(0).state, AlertState::kWarn);
}

// ---------------------------------------------------------------------------
// Bad input: each refused with kInvalidArgument and a message naming where.

constexpr const char* kAlertmanagerBody = R"({"version":"4","status":"firing","receiver":"tocsin","groupKey":"{}:{}",
  "alerts":[{"status":"firing","labels":{"alertname":"A"},"startsAt":"2024-05-01T09:00:00Z"}]})";
constexpr const char* kDatadogBody =
    R"({"body":"x","last_updated":"1714557540000","event_type":"query_alert_monitor","title":"[Triggered] Disk full",
  "date":"1714557540000","org":{"id":"1","name":"o"},"id":"42"})";

TEST(IngestBadInput, MalformedJson) {
  for (Parser parse : {&ParseDatadog, &ParseAlertmanagerWebhook, &ParsePrometheusAlerts, &ParseGeneric}) {
    for (const char* body : {"", "{", "{\"monitor\": }", "[1,2", "{\"a\":1} trailing", "nul"}) {
      Error e = MustFail(parse, body);
      EXPECT_TRUE(e.message.starts_with("body: malformed JSON")) << e.message;
    }
  }
}

TEST(IngestBadInput, InvalidUtf8) {
  Error e = MustFail(&ParseGeneric, "{\"monitor\":\"\xff\xfe\"}");
  EXPECT_TRUE(e.message.starts_with("body: malformed JSON")) << e.message;
}

TEST(IngestBadInput, AlertmanagerPayloadAtTheDatadogEndpoint) {
  Error e = MustFail(&ParseDatadog, kAlertmanagerBody);
  EXPECT_TRUE(e.message.starts_with("not a Datadog webhook payload: missing")) << e.message;
  EXPECT_NE(e.message.find("/api/integrations/alertmanager"), std::string::npos) << e.message;
}

TEST(IngestBadInput, DatadogPayloadAtTheAlertmanagerEndpoint) {
  Error e = MustFail(&ParseAlertmanagerWebhook, kDatadogBody);
  EXPECT_TRUE(e.message.starts_with("not an Alertmanager webhook payload: missing \"alerts\"")) << e.message;
}

TEST(IngestBadInput, WebhookPayloadAtThePrometheusEndpoint) {
  Error e = MustFail(&ParsePrometheusAlerts, kAlertmanagerBody);
  EXPECT_TRUE(e.message.starts_with("not a Prometheus alert push: expected a JSON array")) << e.message;
}

TEST(IngestBadInput, PrometheusPushAtTheWebhookAndGenericEndpoints) {
  const char* push = R"([{"labels":{"alertname":"A"}}])";
  EXPECT_TRUE(MustFail(&ParseAlertmanagerWebhook, push).message.starts_with("not an Alertmanager webhook payload"));
  EXPECT_TRUE(MustFail(&ParseGeneric, push).message.starts_with("not a generic alert payload"));
  EXPECT_TRUE(MustFail(&ParseDatadog, push).message.starts_with("not a Datadog webhook payload"));
}

TEST(IngestBadInput, OtherPayloadsAtTheGenericEndpoint) {
  EXPECT_NE(MustFail(&ParseGeneric, kAlertmanagerBody).message.find("Alertmanager webhook"), std::string::npos);
  EXPECT_NE(MustFail(&ParseGeneric, kDatadogBody).message.find("Datadog webhook"), std::string::npos);
}

TEST(IngestBadInput, MissingMonitorName) {
  EXPECT_EQ(MustFail(&ParseAlertmanagerWebhook, R"({"version":"4","alerts":[
      {"status":"firing","labels":{"alertname":"A"}},
      {"status":"resolved","labels":{"service":"checkout"}}]})")
                .message,
            "alerts[1].labels.alertname: is required");
  EXPECT_EQ(MustFail(&ParsePrometheusAlerts, R"([{"labels":{"job":"x"}}])").message,
            "[0].labels.alertname: is required");
  EXPECT_EQ(MustFail(&ParsePrometheusAlerts, R"([{"annotations":{}}])").message, "[0].labels: is required");
  EXPECT_EQ(MustFail(&ParseGeneric, R"({"alerts":[{"monitor":"a"},{"state":"alert"}]})").message,
            "alerts[1].monitor: is required");
  EXPECT_EQ(MustFail(&ParseGeneric, R"({"monitor":"  "})").message, "monitor: is required");
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"title":"","body":"x"})").message, "title: is required");
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"title":"[Triggered on {host:a}]","body":"x"})").message,
            "title: no monitor name after the prefixes in \"[Triggered on {host:a}]\"");
}

TEST(IngestBadInput, UnknownTransition) {
  Error e = MustFail(&ParseDatadog, R"({"transition":"Exploded","title":"Disk full"})");
  EXPECT_TRUE(e.message.starts_with("transition: unknown Datadog transition \"Exploded\"")) << e.message;
}

TEST(IngestBadInput, DefaultPayloadWithoutAState) {
  Error e = MustFail(&ParseDatadog, R"({"title":"[V-Commerce] Something happened","body":"x","id":"1"})");
  EXPECT_TRUE(e.message.starts_with("title: cannot tell the monitor's state")) << e.message;
}

TEST(IngestBadInput, UnknownState) {
  EXPECT_TRUE(MustFail(&ParseGeneric, R"({"monitor":"m","state":"critical"})")
                  .message.starts_with("state: unknown state \"critical\""));
  EXPECT_TRUE(MustFail(&ParseAlertmanagerWebhook,
                       R"({"version":"4","alerts":[{"status":"pending","labels":{"alertname":"A"}}]})")
                  .message.starts_with("alerts[0].status: unknown status \"pending\""));
}

TEST(IngestBadInput, UnsupportedWebhookVersion) {
  EXPECT_TRUE(MustFail(&ParseAlertmanagerWebhook, R"({"version":"3","alerts":[]})")
                  .message.starts_with("version: unsupported Alertmanager webhook version \"3\""));
}

TEST(IngestBadInput, TimestampBefore1970) {
  EXPECT_EQ(
      MustFail(&ParsePrometheusAlerts, R"([{"labels":{"alertname":"A"},"startsAt":"1969-12-31T23:59:59Z"}])").message,
      "[0].startsAt: timestamp \"1969-12-31T23:59:59Z\" is before 1970");
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"transition":"Triggered","title":"t","date":-5})").message,
            "date: timestamp is before 1970");
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"transition":"Triggered","title":"t","date":"-5"})").message,
            "date: timestamp is before 1970");
}

TEST(IngestBadInput, TimestampAfterYear9999) {
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"transition":"Triggered","title":"t","date":253402300800000})").message,
            "date: timestamp is after year 9999");
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"transition":"Triggered","title":"t","date":"99999999999999999999"})").message,
            "date: timestamp is after year 9999");
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"transition":"Triggered","title":"t","date":1e300})").message,
            "date: timestamp is after year 9999");
}

TEST(IngestBadInput, UnparseableTimestamp) {
  EXPECT_EQ(MustFail(&ParseGeneric, R"({"monitor":"m","started_at":"yesterday"})").message,
            "started_at: not an RFC 3339 timestamp: \"yesterday\"");
  EXPECT_EQ(MustFail(&ParseGeneric, R"({"monitor":"m","started_at":1714557540})").message,
            "started_at: expected an RFC 3339 timestamp string, got a number");
  EXPECT_EQ(MustFail(&ParseDatadog, R"({"transition":"Triggered","title":"t","date":"last tuesday"})").message,
            "date: not an RFC 3339 timestamp: \"last tuesday\"");
}

TEST(IngestBadInput, TimestampMoreThanAYearAhead) {
  Error e = MustFail(&ParseAlertmanagerWebhook, R"({"version":"4","alerts":[{"status":"resolved",
      "labels":{"alertname":"A"},"startsAt":"2024-05-01T09:00:00Z","endsAt":"2025-06-01T00:00:00Z"}]})");
  EXPECT_TRUE(e.message.starts_with("alerts[0].endsAt: 2025-06-01T00:00:00.000000+00:00 is more than 1 year after"))
      << e.message;
  // Up to a year of clock skew is tolerated.
  MustParse(&ParseGeneric, R"({"monitor":"m","started_at":"2025-04-30T00:00:00Z"})");
}

std::string PushOf(std::size_t n) {
  std::string body = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) body += ",";
    body += R"({"labels":{"alertname":"A","instance":"i)" + std::to_string(i) + R"("}})";
  }
  return body + "]";
}

TEST(IngestBadInput, TooManyAlertsInOneRequest) {
  EXPECT_EQ(MustFail(&ParsePrometheusAlerts, PushOf(10000)).message,
            "alerts: 10000 alerts in one request exceeds the limit of 1000");
  EXPECT_EQ(MustParse(&ParsePrometheusAlerts, PushOf(1000)).size(), 1000u);

  Json webhook = {{"version", "4"}, {"alerts", Json::parse(PushOf(3))}};
  for (auto& a : webhook["alerts"]) a["status"] = "firing";
  EXPECT_EQ(MustFail(&ParseAlertmanagerWebhook, webhook.dump(), ParseLimits{2}).message,
            "alerts: 3 alerts in one request exceeds the limit of 2");
  Json batch = {{"alerts", Json::array({{{"monitor", "a"}}, {{"monitor", "b"}}, {{"monitor", "c"}}})}};
  EXPECT_EQ(MustFail(&ParseGeneric, batch.dump(), ParseLimits{2}).message,
            "alerts: 3 alerts in one request exceeds the limit of 2");
}

std::string Nested(std::size_t depth) {
  // {"monitor":"m","extra": [[...]]} is depth 1 + (depth - 1) arrays.
  return R"({"monitor":"m","extra":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

TEST(IngestBadInput, NestingDeeperThan32) {
  MustParse(&ParseGeneric, Nested(32));
  Error e = MustFail(&ParseGeneric, Nested(33));
  EXPECT_EQ(
      e.message, "extra" + std::string("[0]") + [] {
        std::string s;
        for (int i = 0; i < 30; ++i) s += "[0]";
        return s;
      }() + ": JSON nested deeper than 32 levels");
  // A hostile depth is refused without recursion trouble.
  EXPECT_TRUE(MustFail(&ParseDatadog, std::string(1000000, '[')).message.ends_with("nested deeper than 32 levels"));
}

TEST(IngestBadInput, StringLongerThan64KiB) {
  Json ok = {{"monitor", "m"}, {"message", std::string(64 * 1024, 'x')}};
  MustParse(&ParseGeneric, ok.dump());
  Json webhook = {{"version", "4"},
                  {"alerts",
                   {{{"status", "firing"},
                     {"labels", {{"alertname", "A"}}},
                     {"annotations", {{"description", std::string(64 * 1024 + 1, 'x')}}}}}}};
  EXPECT_EQ(MustFail(&ParseAlertmanagerWebhook, webhook.dump()).message,
            "alerts[0].annotations.description: string of 65537 bytes exceeds the limit of 65536");
  Json long_key = {{"monitor", "m"}, {std::string(70000, 'k'), 1}};
  EXPECT_TRUE(MustFail(&ParseGeneric, long_key.dump())
                  .message.ends_with("member name of 70000 bytes exceeds the "
                                     "limit of 65536"));
}

TEST(IngestBadInput, WrongMemberTypes) {
  EXPECT_EQ(MustFail(&ParseGeneric, R"({"monitor":{"name":"m"}})").message,
            "monitor: expected a string, got an object");
  EXPECT_EQ(MustFail(&ParseGeneric, R"({"monitor":"m","tags":[1]})").message,
            "tags[0]: expected a \"key:value\" string, got a number");
  EXPECT_EQ(MustFail(&ParseAlertmanagerWebhook,
                     R"({"version":"4","alerts":[{"status":"firing","labels":{"alertname":["A"]}}]})")
                .message,
            "alerts[0].labels.alertname: expected a string, got an array");
  EXPECT_EQ(MustFail(&ParseAlertmanagerWebhook, R"({"version":"4","alerts":{}})").message,
            "alerts: expected an array, got an object");
  EXPECT_EQ(MustFail(&ParsePrometheusAlerts, R"([1])").message, "[0]: expected an alert object, got a number");
}

// No body, however mangled, makes a parser throw or answer anything but
// success or kInvalidArgument: every prefix of every golden input is tried.
TEST(IngestBadInput, TruncatedBodiesNeverThrow) {
  for (const GoldenCase& c : ListGoldenCases()) {
    std::string body = ReadFile(c.input);
    Parser parse = ParserFor(c.format);
    for (std::size_t n = 0; n < body.size(); ++n) {
      Result<std::vector<Alert>> result;
      ASSERT_NO_THROW(result = parse(std::string_view(body).substr(0, n), ReceivedAt(), ParseLimits{}));
      if (!result) {
        ASSERT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().message;
      }
    }
  }
}

}  // namespace
}  // namespace tocsin::ingest
