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

}  // namespace
}  // namespace tocsin::core
