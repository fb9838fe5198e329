// People's sessions (web UI sign-in) over HTTP: a wrong password is refused,
// a session cookie works on the API as a key pair does (same actor shape),
// writes need the session's CSRF token, sign-out and expiry end a session,
// failed sign-ins are limited, and pages carry the security headers.

#include <gtest/gtest.h>

#include "app/users.hpp"
#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

constexpr const char* kPassword = "correct horse battery";

struct Session {
  std::string cookie;  // "tocsin_session=..."
  std::string csrf;
};

class WebSessions : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = server_.app().config()->users.front().handle;
    ASSERT_TRUE(app::SetPassword(*server_.app().config(), server_.app().store(), handle_, kPassword, server_.clock().Now()));
  }

  HttpResult SignIn(const std::string& handle, const std::string& password) {
    return client_.Request("POST", "/ui/session", json{{"handle", handle}, {"password", password}}.dump(),
                           {{"Content-Type", "application/json"}});
  }

  Session SignedIn() {
    auto r = SignIn(handle_, kPassword);
    EXPECT_EQ(r.status, 200) << r.body;
    std::string set_cookie = r.headers["set-cookie"];
    return Session{set_cookie.substr(0, set_cookie.find(';')), ParseJson(r.body)["csrf_token"]};
  }

  TestServer server_;
  HttpClient client_{server_.port()};
  std::string handle_;
};

TEST_F(WebSessions, AWrongPasswordOrUnknownHandleIsRefusedAlike) {
  auto r = SignIn(handle_, "not the password");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ParseJson(r.body), (json{{"errors", {"handle or password is wrong"}}}));
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  EXPECT_EQ(SignIn("nobody-here", kPassword).status, 401);
  auto missing = client_.Request("POST", "/ui/session", R"({"handle": "x"})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(ParseJson(missing.body)["errors"][0], "password: is required (a non-empty string)");
}

TEST_F(WebSessions, TheCookieIsHttpOnlyLaxAndActsAsTheUser) {
  auto r = SignIn("@" + handle_, kPassword);
  ASSERT_EQ(r.status, 200);
  std::string set_cookie = r.headers["set-cookie"];
  EXPECT_NE(set_cookie.find("tocsin_session="), std::string::npos);
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);  // public_url is http here
  EXPECT_EQ(set_cookie.substr(15, 64).size(), 64u);
  Session s{set_cookie.substr(0, set_cookie.find(';')), ParseJson(r.body)["csrf_token"]};

  auto inc = server_.CreateIncident("from the web");
  std::string id = inc["id"];
  auto ack = client_.Request("POST", "/api/v2/incidents/" + id + "/acknowledge", "{}",
                             {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}, {"Content-Type", "application/json"}});
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ParseJson(ack.body)["data"]["attributes"]["acknowledged_by"], handle_);
  auto timeline = server_.Timeline(id);
  bool by_user = false;
  for (const auto& cell : timeline.is_array() ? timeline : timeline["data"]) {
    if (cell["attributes"]["kind"] == "acknowledged") {
      by_user = cell["attributes"]["author"]["handle"] == handle_ && !cell["attributes"]["author"]["uuid"].is_null();
    }
  }
  EXPECT_TRUE(by_user) << timeline.dump();
}

TEST_F(WebSessions, WritesWithoutTheCsrfTokenAreRefusedAndChangeNothing) {
  Session s = SignedIn();
  auto inc = server_.CreateIncident("csrf target");
  std::string id = inc["id"];
  EXPECT_EQ(client_.Request("GET", "/api/v2/incidents/" + id, "", {{"Cookie", s.cookie}}).status, 200);
  for (const std::string& token : {std::string(), std::string("wrong"), s.csrf.substr(1)}) {
    std::map<std::string, std::string> h{{"Cookie", s.cookie}, {"Content-Type", "application/json"}};
    if (!token.empty()) h["X-CSRF-Token"] = token;
    auto r = client_.Request("POST", "/api/v2/incidents/" + id + "/acknowledge", "{}", h);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(ParseJson(r.body)["errors"][0], "X-CSRF-Token: missing or not this session's token");
  }
  auto now = ParseJson(server_.Call("GET", "/api/v2/incidents/" + id).body);
  EXPECT_TRUE(now["data"]["attributes"]["acknowledged"].is_null());
}

TEST_F(WebSessions, SignOutAndExpiryEndTheSession) {
  Session s = SignedIn();
  EXPECT_EQ(client_.Request("GET", "/ui/session", "", {{"Cookie", s.cookie}}).status, 200);
  EXPECT_EQ(client_.Request("DELETE", "/ui/session", "", {{"Cookie", s.cookie}}).status, 403);  // no CSRF token
  auto out = client_.Request("DELETE", "/ui/session", "", {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}});
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  auto after = client_.Request("GET", "/api/v2/incidents", "", {{"Cookie", s.cookie}});
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(ParseJson(after.body)["errors"][0], "Unauthorized: the session has expired or was signed out");

  Session later = SignedIn();
  EXPECT_EQ(client_.Request("GET", "/api/v2/incidents", "", {{"Cookie", later.cookie}}).status, 200);
  server_.clock().Advance(std::chrono::hours(12));
  EXPECT_EQ(client_.Request("GET", "/api/v2/incidents", "", {{"Cookie", later.cookie}}).status, 401);
  // A page sends the browser to sign in, and back here afterwards.
  auto page = client_.Request("GET", "/incidents", "", {{"Cookie", later.cookie}});
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.headers["location"], "/sign-in?next=/incidents");
}

TEST_F(WebSessions, FailedSignInsAreLimitedPerHandle) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(SignIn(handle_, "wrong-" + std::to_string(i)).status, 401);
  auto r = SignIn(handle_, kPassword);  // right, but too late
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(ParseJson(r.body)["errors"][0].get<std::string>().find("too many failed sign-ins"), std::string::npos);
  server_.clock().Advance(std::chrono::minutes(16));
  EXPECT_EQ(SignIn(handle_, kPassword).status, 200);
}

TEST_F(WebSessions, FailedSignInsAreLimitedPerAddressAcrossConnectionsAndHandles) {
  const auto& users = server_.app().config()->users;
  ASSERT_GE(users.size(), 2u);
  for (int i = 0; i < 5; ++i) {
    HttpClient fresh(server_.port());  // a new connection (new port) each time
    auto r = fresh.Request("POST", "/ui/session",
                           json{{"handle", users[1].handle}, {"password", "guess-" + std::to_string(i)}}.dump(),
                           {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 401);
  }
  HttpClient last(server_.port());
  auto r = last.Request("POST", "/ui/session", json{{"handle", handle_}, {"password", kPassword}}.dump(),
                        {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "900");
}

TEST_F(WebSessions, SignInFromAnotherSitesPageIsRefused) {
  auto r = client_.Request("POST", "/ui/session", json{{"handle", handle_}, {"password", kPassword}}.dump(),
                           {{"Content-Type", "application/json"}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ParseJson(r.body)["errors"][0], "Origin: 'https://evil.example' is not this server");
  r = client_.Request("POST", "/ui/session", json{{"handle", handle_}, {"password", kPassword}}.dump(),
                      {{"Content-Type", "application/json"}, {"Origin", "http://127.0.0.1"}});  // the Host the client sends
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(WebSessions, PagesCarrySecurityHeadersAndUnknownIncidentsAre404Pages) {
  Session s = SignedIn();
  auto inc = server_.CreateIncident("page me");
  std::int64_t public_id = inc["attributes"]["public_id"];
  for (const std::string& path : std::vector<std::string>{"/", "/incidents", "/incidents/" + inc["id"].get<std::string>(),
                                                          "/incidents/IR-" + std::to_string(public_id), "/sign-in"}) {
    auto r = client_.Request("GET", path, "", {{"Cookie", s.cookie}});
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8") << path;
    EXPECT_NE(r.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(r.headers["content-security-policy"].find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << path;
    EXPECT_EQ(r.headers["referrer-policy"], "same-origin") << path;
  }
  auto page = client_.Request("GET", "/incidents/IR-" + std::to_string(public_id), "", {{"Cookie", s.cookie}});
  EXPECT_NE(page.body.find("data-incident-id=\"" + inc["id"].get<std::string>() + "\""), std::string::npos);
  for (std::string path : {"/incidents/IR-99999", "/incidents/00000000-0000-4000-8000-000000000000",
                                  "/incidents/<script>"}) {
    auto r = client_.Request("GET", path, "", {{"Cookie", s.cookie}});
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.body.find("Not found"), std::string::npos) << path;
  }
  auto js = client_.Request("GET", "/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  ASSERT_FALSE(js.headers["etag"].empty());
  EXPECT_EQ(client_.Request("GET", "/assets/app.js", "", {{"If-None-Match", js.headers["etag"]}}).status, 304);
  EXPECT_EQ(client_.Request("GET", "/assets/nope.js").status, 404);
}

}  // namespace
}  // namespace tocsin::testing
