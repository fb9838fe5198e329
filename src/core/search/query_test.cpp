#include "core/search/query.hpp"

#include <gtest/gtest.h>

namespace tocsin::core {
namespace {

Incident Sample() {
  Incident i;
  i.title = "Checkout Down in EU";
  i.severity = "SEV-1";
  i.state = IncidentState::kActive;
  i.commander = Actor{"u-1", "alice"};
  i.fields["teams"] = FieldValue{"autocomplete", true, std::nullopt, std::vector<std::string>{"commerce"}};
  return i;
}

bool M(const std::string& q) {
  auto parsed = ParseQuery(q);
  EXPECT_TRUE(parsed) << q << ": " << parsed.error().message;
  return Matches(*parsed, Sample());
}

TEST(Query, DatadogSyntax) {
  EXPECT_TRUE(M("state:active AND severity:(SEV-2 OR SEV-1)"));
  EXPECT_FALSE(M("state:resolved"));
  EXPECT_TRUE(M("status:active"));
  EXPECT_TRUE(M("team:commerce"));
  EXPECT_TRUE(M("fields.teams:commerce"));
  EXPECT_TRUE(M("commander:@alice"));
  EXPECT_TRUE(M("commander:u-1"));
  EXPECT_TRUE(M("checkout"));
  EXPECT_TRUE(M("\"down in eu\""));
  EXPECT_TRUE(M("-severity:SEV-2"));
  EXPECT_TRUE(M("NOT (team:security OR severity:SEV-3)"));
  EXPECT_TRUE(M("checkout eu"));  // implicit AND
  EXPECT_FALSE(M("checkout payments"));
  EXPECT_TRUE(M(""));
  EXPECT_TRUE(M("teams:*"));
  EXPECT_FALSE(M("services:*"));
}

TEST(Query, ErrorsNameThePosition) {
  auto bad = ParseQuery("state:(active");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("position"), std::string::npos);
  EXPECT_FALSE(ParseQuery("state:"));
  EXPECT_FALSE(ParseQuery("AND"));
  EXPECT_FALSE(ParseQuery("(a OR b"));
  EXPECT_FALSE(ParseQuery("a)"));
  EXPECT_FALSE(ParseQuery("\"open"));
  EXPECT_FALSE(ParseQuery(std::string(5000, 'a')));
}

// Deep nesting would recurse once per level in the parser and in the SQL it
// becomes (SQLite refuses expressions deeper than 1000); a long flat list of
// terms becomes a left-deep SQL expression too. Both are refused up front,
// naming the query and the problem.
TEST(Query, DeepNestingAndTooManyTermsAreRefused) {
  for (std::string deep : {std::string(1500, '(') + "a" + std::string(1500, ')'), std::string(3000, '-') + "a"}) {
    auto bad = ParseQuery(deep);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("query: nested deeper than 32 levels"), std::string::npos)
        << bad.error().message;
  }
  std::string nots;
  for (int k = 0; k < 40; ++k) nots += "NOT ";
  auto bad_nots = ParseQuery(nots + "a");
  ASSERT_FALSE(bad_nots);
  EXPECT_NE(bad_nots.error().message.find("nested deeper"), std::string::npos);
  std::string wide;
  for (int k = 0; k < 1500; ++k) wide += "a ";
  auto bad_wide = ParseQuery(wide);
  ASSERT_FALSE(bad_wide);
  EXPECT_NE(bad_wide.error().message.find("query: more than 256 terms"), std::string::npos)
      << bad_wide.error().message;
  std::string values = "severity:(x";
  for (int k = 0; k < 300; ++k) values += " OR x";
  EXPECT_FALSE(ParseQuery(values + ")"));
  // Up to the limits is fine.
  EXPECT_TRUE(ParseQuery(std::string(32, '(') + "a" + std::string(32, ')')));
  EXPECT_TRUE(ParseQuery(std::string(31, '-') + "a"));
  std::string many;
  for (int k = 0; k < 256; ++k) many += "a ";
  EXPECT_TRUE(ParseQuery(many));
}

}  // namespace
}  // namespace tocsin::core
