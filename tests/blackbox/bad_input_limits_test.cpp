// Bad input at the edges of what parsers can represent: numbers out of range,
// nesting deep enough to exhaust a recursive parser or SQLite, integers too
// large for their type. Each gets a 4xx naming the field and the problem,
// changes nothing and leaves the server serving.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

class BadInputLimits : public ::testing::Test {
 protected:
  void ExpectError(const HttpResult& r, int status, const std::string& fragment) {
    EXPECT_EQ(r.status, status) << r.body;
    json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body["errors"].is_array() && !body["errors"].empty()) << r.body;
    std::string message = body["errors"][0].get<std::string>();
    EXPECT_NE(message.find(fragment), std::string::npos) << "expected '" << fragment << "' in " << r.body;
  }
  HttpResult Api(const std::string& method, const std::string& target, const std::string& raw) {
    return server.CallWith(method, target, raw,
                           {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key}});
  }
  HttpResult Ingest(const std::string& path, const std::string& raw) {
    return server.CallWith("POST", path, raw, {{"Authorization", "Bearer " + server.ingest_key}});
  }
  void ExpectServing() { EXPECT_EQ(server.Call("GET", "/healthz").status, 200); }

  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.max_body_bytes = 1024 * 1024;
                                      }}};
};

const char* const kIngestPaths[] = {"/api/integrations/generic", "/api/integrations/datadog",
                                    "/api/integrations/alertmanager", "/api/v2/alerts"};

TEST_F(BadInputLimits, NumberOutOfDoubleRangeInApiBodies) {
  auto inc = server.CreateIncident("real");
  std::string id = inc["id"];
  for (const char* number : {"1e400", "-1e400", "1E+999"}) {
    SCOPED_TRACE(number);
    std::string n(number);
    ExpectError(Api("POST", "/api/v2/incidents",
                    R"({"data":{"type":"incidents","attributes":{"title":"x","customer_impacted":)" + n + "}}}"),
                400, "body: number out of range");
    ExpectError(Api("PATCH", "/api/v2/incidents/" + id,
                    R"({"data":{"type":"incidents","attributes":{"title":)" + n + "}}}"),
                400, n);
    ExpectError(Api("POST", "/api/v2/incidents/" + id + "/timeline",
                    R"({"data":{"type":"incident_timeline_cells","attributes":{"content":)" + n + "}}}"),
                400, "body: number out of range");
  }
  EXPECT_EQ(server.Incidents().size(), 1u);
  auto still = ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body);
  EXPECT_EQ(still["data"]["attributes"]["title"], "real");
  ExpectServing();
}

TEST_F(BadInputLimits, NumberOutOfDoubleRangeInAlertBodies) {
  for (const char* path : kIngestPaths) {
    SCOPED_TRACE(path);
    ExpectError(Ingest(path, R"({"monitor":"m","state":"alert","value":1e400})"), 400, "1e400");
    ExpectError(Ingest(path, R"([{"labels":{"alertname":"x"},"value":-1e400}])"), 400, "1e400");
  }
  EXPECT_EQ(ParseJson(server.Call("GET", "/api/v2/alerts").body)["data"].size(), 0u);
  EXPECT_EQ(server.Incidents().size(), 0u);
  ExpectServing();
}

TEST_F(BadInputLimits, HundredThousandDeepJsonBodies) {
  std::string arrays(100000, '[');
  std::string objects;
  for (int k = 0; k < 100000; ++k) objects += "{\"a\":";
  for (const std::string* body : {&arrays, &objects}) {
    ExpectError(Api("POST", "/api/v2/incidents", *body), 400, "nested deeper");
    for (const char* path : kIngestPaths) {
      SCOPED_TRACE(path);
      ExpectError(Ingest(path, *body), 400, "nested deeper");
    }
  }
  EXPECT_EQ(server.Incidents().size(), 0u);
  ExpectServing();
}

TEST_F(BadInputLimits, DeeplyNestedSearchQueries) {
  server.CreateIncident("checkout down");
  std::string parens = std::string(1500, '(') + "state:active" + std::string(1500, ')');
  std::string minus = std::string(3000, '-') + "x";
  std::string nots;
  for (int k = 0; k < 900; ++k) nots += "NOT+";
  nots += "x";
  for (const std::string* query : {&parens, &minus, &nots}) {
    auto r = server.Call("GET", "/api/v2/incidents/search?query=" + *query);
    ExpectError(r, 400, "query: nested deeper than");
    EXPECT_EQ(r.body.find("sqlite"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("Expression tree"), std::string::npos) << r.body;
  }
  // A long flat list of terms is a deep expression for SQLite too.
  std::string wide;
  for (int k = 0; k < 1500; ++k) wide += "x+";
  auto r_wide = server.Call("GET", "/api/v2/incidents/search?query=" + wide);
  ExpectError(r_wide, 400, "query: more than");
  // Moderate nesting still works.
  std::string ok = std::string(20, '(') + "state:active" + std::string(20, ')');
  auto r = server.Call("GET", "/api/v2/incidents/search?query=" + ok);
  EXPECT_EQ(r.status, 200) << r.body;
  ExpectServing();
}

TEST_F(BadInputLimits, LongStateFilterListIsNotADeepExpression) {
  server.CreateIncident("checkout down");
  std::string states = "active";
  for (int k = 0; k < 1100; ++k) states += ",active";
  states += ",stable";
  auto r = server.Call("GET", "/api/v2/incidents?filter[status]=" + states);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJson(r.body)["data"].size(), 1u);
}

TEST_F(BadInputLimits, NonAsciiAuthorizationHeaderIsRefused) {
  HttpClient client(server.port());
  std::string body = R"({"monitor":"m"})";
  for (std::string auth : {std::string("B\xC3\xA9" "arer ") + server.ingest_key, std::string("\xFF\xFE\x80\x81\x82\x83\x84 x"),
                           "bearer " + server.ingest_key + "\xFF"}) {
    auto r = client.Request("POST", "/api/integrations/generic", body, {{"Authorization", auth}});
    EXPECT_TRUE(r.status == 401 || r.status == 403) << r.status << " " << r.body;
  }
  // Case-insensitive "Bearer" still works.
  auto ok = client.Request("POST", "/api/integrations/generic", body, {{"Authorization", "bEaReR " + server.ingest_key}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  ExpectServing();
}

TEST_F(BadInputLimits, HugeIntegersInQueryParameters) {
  for (const char* target :
       {"/api/v2/incidents?page[size]=99999999999999999999999", "/api/v2/incidents?page[offset]=99999999999999999999999",
        "/api/v2/incidents?page[offset]=-99999999999999999999999", "/api/v2/alerts?page[offset]=99999999999999999999",
        "/api/v2/notifications?page[size]=99999999999999999999", "/api/v2/incidents?page[size]=1e3"}) {
    SCOPED_TRACE(target);
    auto r = server.Call("GET", target);
    ExpectError(r, 400, "page[");
  }
  ExpectServing();
}

}  // namespace
}  // namespace tocsin::testing
