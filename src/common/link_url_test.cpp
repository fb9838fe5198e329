#include "common/link_url.hpp"

#include <gtest/gtest.h>

namespace tocsin {
namespace {

TEST(LinkUrl, WebUrlsAndSitePathsAreAccepted) {
  for (const char* url : {"https://runbooks.example.com/checkout", "http://grafana:3000/d/abc?x=1#panel",
                          "HTTPS://Example.COM", "https://user@example.com/x", "/dashboard/checkout-health",
                          "/"}) {
    EXPECT_EQ(LinkUrlProblem(url), std::nullopt) << url;
  }
}

TEST(LinkUrl, SchemesABrowserWouldRunOrRenderAreRefused) {
  for (const char* url : {"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x",
                          "file:///etc/passwd", "ftp://example.com/x"}) {
    auto problem = LinkUrlProblem(url);
    ASSERT_TRUE(problem) << url;
    EXPECT_NE(problem->find("is not allowed"), std::string::npos) << *problem;
  }
}

TEST(LinkUrl, DisguisedAndMalformedUrlsAreRefused) {
  for (const char* url : {"", "java\tscript:alert(1)", " javascript:alert(1)", "https://exa mple.com",
                          "//evil.example.com/x", "/\\evil.example.com", "example.com/page", "https:example.com",
                          "https://", "https:///path", "https://:443/x"}) {
    EXPECT_TRUE(LinkUrlProblem(url)) << "'" << url << "'";
  }
  EXPECT_EQ(*LinkUrlProblem(""), "must not be empty");
  EXPECT_EQ(LinkUrlProblem("https://x.example/" + std::string(kMaxLinkUrlBytes, 'a')),
            "longer than 2048 bytes");
}

}  // namespace
}  // namespace tocsin
