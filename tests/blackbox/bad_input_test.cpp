// Proves every kind of bad input gets a 4xx naming the problem, changes
// nothing, and leaves the server serving.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

class BadInput : public ::testing::Test {
 protected:
  void ExpectError(const HttpResult& r, int status, const std::string& fragment) {
    EXPECT_EQ(r.status, status) << r.body;
    json body = ParseJson(r.body);
    ASSERT_TRUE(body["errors"].is_array()) << r.body;
    ASSERT_FALSE(body["errors"].empty());
    EXPECT_NE(body["errors"][0].get<std::string>().find(fragment), std::string::npos)
        << "expected '" << fragment << "' in " << r.body;
  }
  HttpResult Post(const std::string& raw) {
    return server.CallWith("POST", "/api/v2/incidents", raw,
                           {{"DD-API-KEY", server.api_key}, {"DD-APPLICATION-KEY", server.app_key}});
  }
  void ExpectNoIncidents() {
    auto list = ParseJson(server.Call("GET", "/api/v2/incidents").body);
    EXPECT_EQ(list["data"].size(), 0u);
  }
  TestServer server{TestServerOptions{"sqlite", [](core::Config& c) {
                                        c.server.max_body_bytes = 4096;
                                        c.server.read_timeout = std::chrono::seconds(1);
                                      }}};
};

TEST_F(BadInput, MalformedJson) {
  ExpectError(Post("{\"data\": {"), 400, "not valid JSON");
  ExpectNoIncidents();
}

TEST_F(BadInput, WrongJsonTypes) {
  ExpectError(Post(R"({"data":{"type":"incidents","attributes":{"title":42}}})"), 400, "data.attributes.title");
  ExpectError(Post(R"({"data":{"type":"incidents","attributes":{"title":"x","customer_impacted":"yes"}}})"), 400,
              "data.attributes.customer_impacted");
  ExpectError(Post(R"({"data":{"type":"incidents","attributes":{"title":"x","fields":{"services":{"value":[1]}}}}})"),
              400, "data.attributes.fields.services");
  ExpectError(Post(R"({"data":[]})"), 400, "data");
  ExpectError(Post(R"([1,2])"), 400, "body");
  ExpectNoIncidents();
}

TEST_F(BadInput, MissingRequiredAttributes) {
  ExpectError(Post(R"({"data":{"type":"incidents","attributes":{}}})"), 400, "data.attributes.title: is required");
  ExpectError(Post(R"({"data":{"attributes":{"title":"x"}}})"), 400, "data.type");
  ExpectError(Post(R"({"data":{"type":"incidents"}})"), 400, "data.attributes");
  ExpectNoIncidents();
}

TEST_F(BadInput, UnknownSeverityOrState) {
  ExpectError(Post(R"({"data":{"type":"incidents","attributes":{"title":"x","severity":"SEV-9"}}})"), 400,
              "data.attributes.severity: unknown severity 'SEV-9'");
  ExpectError(Post(R"({"data":{"type":"incidents","attributes":{"title":"x","fields":{"severity":{"type":"dropdown","value":"SEV-0"}}}}})"),
              400, "data.attributes.fields.severity");
  ExpectError(Post(R"({"data":{"type":"incidents","attributes":{"title":"x","state":"sleeping"}}})"), 400,
              "data.attributes.state: unknown state 'sleeping'");
  auto inc = server.CreateIncident("real");
  std::string id = inc["id"];
  ExpectError(server.Call("PATCH", "/api/v2/incidents/" + id,
                          {{"data", {{"type", "incidents"}, {"attributes", {{"severity", "P1"}}}}}}),
              400, "severity");
  auto still = ParseJson(server.Call("GET", "/api/v2/incidents/" + id).body);
  EXPECT_EQ(still["data"]["attributes"]["severity"], "SEV-2");
}

TEST_F(BadInput, BodyOverLimit) {
  std::string big = R"({"data":{"type":"incidents","attributes":{"title":")" + std::string(8000, 'x') + "\"}}}";
  ExpectError(Post(big), 413, "exceeds the limit of 4096 bytes");
  ExpectNoIncidents();
}

TEST_F(BadInput, UnknownAndNonUuidIds) {
  ExpectError(server.Call("GET", "/api/v2/incidents/00000000-0000-4000-8000-000000000000"), 404, "not found");
  ExpectError(server.Call("GET", "/api/v2/incidents/IR-1"), 400, "incident_id: 'IR-1' is not a UUID");
  ExpectError(server.Call("PATCH", "/api/v2/incidents/00000000-0000-4000-8000-000000000000",
                          {{"data", {{"type", "incidents"}, {"attributes", {{"title", "y"}}}}}}),
              404, "not found");
  ExpectError(server.Call("DELETE", "/api/v2/incidents/00000000-0000-4000-8000-000000000000"), 404, "not found");
}

TEST_F(BadInput, PageSizeOutOfRange) {
  ExpectError(server.Call("GET", "/api/v2/incidents?page[size]=-1"), 400, "page[size]: must be between 1 and 100");
  ExpectError(server.Call("GET", "/api/v2/incidents?page%5Bsize%5D=100000"), 400, "page[size]");
  ExpectError(server.Call("GET", "/api/v2/incidents?page[size]=ten"), 400, "page[size]: must be an integer");
  ExpectError(server.Call("GET", "/api/v2/incidents?page[offset]=-5"), 400, "page[offset]");
}

TEST_F(BadInput, UnparseableSearchQuery) {
  ExpectError(server.Call("GET", "/api/v2/incidents/search?query=state:(active"), 400, "query:");
  ExpectError(server.Call("GET", "/api/v2/incidents/search?query=%22unterminated"), 400, "unterminated");
  ExpectError(server.Call("GET", "/api/v2/incidents/search"), 400, "query: is required");
  ExpectError(server.Call("GET", "/api/v2/incidents/search?query=state:active&sort=title"), 400, "sort");
}

TEST_F(BadInput, TruncatedRequestDoesNotCreateAnything) {
  HttpClient raw(server.port());
  std::string body = R"({"data":{"type":"incidents","attributes":{"title":"half"}}})";
  std::string req = "POST /api/v2/incidents HTTP/1.1\r\nHost: x\r\nDD-API-KEY: " + server.api_key +
                    "\r\nDD-APPLICATION-KEY: " + server.app_key + "\r\nContent-Type: application/json\r\n" +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 20);
  std::string answer = raw.Raw(req, true);
  EXPECT_EQ(answer.find("201"), std::string::npos) << answer;
  ExpectNoIncidents();
}

TEST_F(BadInput, SlowClientTimesOutWithoutBlockingOthers) {
  HttpClient raw(server.port());
  // Headers that never finish: the server answers 408 after its read timeout
  // (1 s here), while other clients are served meanwhile.
  std::thread slow([&] {
    std::string answer = raw.Raw("POST /api/v2/incidents HTTP/1.1\r\nHost: x\r\nContent-Le", false);
    EXPECT_NE(answer.find("408"), std::string::npos) << answer;
  });
  auto ok = server.Call("GET", "/api/v2/incidents");
  EXPECT_EQ(ok.status, 200);
  slow.join();
  EXPECT_EQ(server.Call("GET", "/healthz").status, 200);
}

TEST_F(BadInput, MalformedHttp) {
  HttpClient raw(server.port());
  std::string answer = raw.Raw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
  EXPECT_EQ(server.Call("GET", "/healthz").status, 200);
}

TEST_F(BadInput, DeeplyNestedJson) {
  std::string deep(200, '[');
  ExpectError(Post(deep), 400, "nested deeper");
}

}  // namespace
}  // namespace tocsin::testing
