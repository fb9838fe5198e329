// Sign-in behind a trusted reverse proxy (server.auth_proxy_header): the
// header is honoured only from server.auth_proxy_addresses. From there a page
// opens a session for the named user (then works as a signed-in session, CSRF
// included) and API reads act as that user; from anywhere else the header is
// ignored, so sending it yourself signs nobody in.

#include <gtest/gtest.h>

#include "blackbox/harness.hpp"

namespace tocsin::testing {
namespace {

TestServerOptions ProxyAt(const std::vector<std::string>& addresses) {
  TestServerOptions o;
  o.tweak = [addresses](core::Config& c) {
    c.server.auth_proxy_header = "X-Forwarded-User";
    c.server.auth_proxy_addresses = addresses;
  };
  return o;
}

std::string CookieOf(HttpResult& r) {
  const std::string& set = r.headers["set-cookie"];
  return set.substr(0, set.find(';'));
}

TEST(AuthProxy, FromTheProxysAddressThePagesAndApiActAsTheNamedUser) {
  TestServer server(ProxyAt({"10.0.0.0/8", "127.0.0.1"}));
  HttpClient client(server.port());
  const std::string handle = server.app().config()->users.front().handle;
  auto inc = server.CreateIncident("behind the proxy");
  std::string id = inc["id"];

  // A page: a session is opened and the browser sent back to the same URL.
  auto page = client.Request("GET", "/incidents?query=x", "", {{"X-Forwarded-User", handle}, {"Accept", "text/html"}});
  ASSERT_EQ(page.status, 303) << page.body;
  EXPECT_EQ(page.headers["location"], "/incidents?query=x");
  std::string cookie = CookieOf(page);
  ASSERT_NE(cookie.find("tocsin_session="), std::string::npos);
  auto again = client.Request("GET", "/incidents?query=x", "", {{"X-Forwarded-User", handle}, {"Cookie", cookie}});
  EXPECT_EQ(again.status, 200);
  auto who = client.Request("GET", "/ui/session", "", {{"X-Forwarded-User", handle}, {"Cookie", cookie}});
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(ParseJson(who.body)["handle"], handle);
  std::string csrf = ParseJson(who.body)["csrf_token"];

  // The API: reads with the header alone act as the user...
  auto read = client.Request("GET", "/api/v2/incidents/" + id, "", {{"X-Forwarded-User", handle}});
  EXPECT_EQ(read.status, 200) << read.body;
  // ...writes need the session's CSRF token, then act as the user.
  auto forged = client.Request("POST", "/api/v2/incidents/" + id + "/acknowledge", "{}",
                               {{"X-Forwarded-User", handle}, {"Content-Type", "application/json"}});
  EXPECT_EQ(forged.status, 403) << forged.body;
  EXPECT_NE(forged.body.find("X-CSRF-Token"), std::string::npos) << forged.body;
  auto ack = client.Request("POST", "/api/v2/incidents/" + id + "/acknowledge", "{}",
                            {{"X-Forwarded-User", handle}, {"Cookie", cookie}, {"X-CSRF-Token", csrf},
                             {"Content-Type", "application/json"}});
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ParseJson(ack.body)["data"]["attributes"]["acknowledged_by"], handle);

  // A name the config does not know is refused, naming the header.
  auto unknown = client.Request("GET", "/api/v2/incidents", "", {{"X-Forwarded-User", "mallory"}});
  EXPECT_EQ(unknown.status, 403);
  EXPECT_EQ(ParseJson(unknown.body)["errors"][0], "X-Forwarded-User: 'mallory' is not a configured user");
  // /ui/session opens a session for the proxy's user too (the page's first call).
  auto fresh = client.Request("GET", "/ui/session", "", {{"X-Forwarded-User", handle}});
  EXPECT_EQ(fresh.status, 200);
  EXPECT_NE(fresh.headers["set-cookie"].find("HttpOnly"), std::string::npos);
}

TEST(AuthProxy, FromAnyOtherAddressTheHeaderIsIgnored) {
  // The test client connects from 127.0.0.1, which is not the proxy here.
  TestServer server(ProxyAt({"10.0.0.0/8"}));
  HttpClient client(server.port());
  const std::string handle = server.app().config()->users.front().handle;
  auto page = client.Request("GET", "/incidents", "", {{"X-Forwarded-User", handle}, {"Accept", "text/html"}});
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.headers["location"], "/sign-in?next=/incidents");
  EXPECT_EQ(page.headers.count("set-cookie"), 0u);
  auto api = client.Request("GET", "/api/v2/incidents", "", {{"X-Forwarded-User", handle}});
  EXPECT_EQ(api.status, 401);
  auto session = client.Request("GET", "/ui/session", "", {{"X-Forwarded-User", handle}});
  EXPECT_EQ(session.status, 401);
  // An unknown name from elsewhere is not even looked at.
  EXPECT_EQ(client.Request("GET", "/api/v2/incidents", "", {{"X-Forwarded-User", "mallory"}}).status, 401);
}

TEST(AuthProxy, OffUnlessConfigured) {
  TestServer server;
  HttpClient client(server.port());
  const std::string handle = server.app().config()->users.front().handle;
  EXPECT_EQ(client.Request("GET", "/api/v2/incidents", "", {{"X-Forwarded-User", handle}}).status, 401);
}

}  // namespace
}  // namespace tocsin::testing
