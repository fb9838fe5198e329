// The incident limits: text is cut on a character boundary with a marker, an
// incident fitted to the limits validates, and a patch may neither break a
// limit nor be refused for an old problem it does not touch.

#include "core/incident/incident_patch.hpp"

#include <gtest/gtest.h>

namespace tocsin::core {
namespace {

TEST(IncidentLimits, TruncateCutsOnACharacterBoundaryWithAMarker) {
  EXPECT_EQ(TruncateText("short", 10), "short");
  EXPECT_EQ(TruncateText("exactly10!", 10), "exactly10!");
  EXPECT_EQ(TruncateText("abcdefghijk", 10), "abcdefg\xE2\x80\xA6");
  // "é" is 2 bytes, "日" 3, "🔥" 4: every cut that would split one backs up.
  for (std::string ch : {"\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x94\xA5"}) {
    std::string text;
    for (int k = 0; k < 50; ++k) text += ch;
    for (std::size_t max = 3; max < 40; ++max) {
      std::string cut = TruncateText(text, max);
      ASSERT_LE(cut.size(), max);
      ASSERT_EQ(cut.substr(cut.size() - 3), "\xE2\x80\xA6");
      std::string body = cut.substr(0, cut.size() - 3);
      ASSERT_EQ(body.size() % ch.size(), 0u) << "split a character at max " << max;
      ASSERT_EQ(text.rfind(body, 0), 0u);
    }
  }
  EXPECT_EQ(TruncateText("abcdef", 2), "ab");  // no room for the marker
}

TEST(IncidentLimits, AFittedIncidentValidates) {
  Incident inc;
  inc.title = std::string(10000, 't');
  inc.customer_impact_scope = std::string(5000, 's');
  inc.fields["monitor"] = FieldValue{"textbox", false, std::string(70000, 'm'), std::nullopt};
  inc.fields["services"] = FieldValue{"multiselect", true, std::nullopt, std::vector<std::string>{"a", std::string(5000, 'b')}};
  inc.fields[std::string(200, 'n')] = FieldValue{"textbox", false, std::string("v"), std::nullopt};
  EXPECT_FALSE(ValidateIncident(inc));
  FitToLimits(inc);
  EXPECT_TRUE(ValidateIncident(inc)) << ValidateIncident(inc).error().message;
  EXPECT_EQ(inc.title.size(), kMaxTitleBytes);
  EXPECT_EQ((*inc.fields["services"].list)[0], "a");
}

TEST(IncidentLimits, APatchLeavesOldProblemsAloneButMayNotAddOne) {
  Incident cur;
  cur.id = "x";
  cur.title = std::string(6000, 't');  // stored before the limits applied
  cur.fields["monitor"] = FieldValue{"textbox", false, std::string(9000, 'm'), std::nullopt};
  const Actor alice{"u", "alice"};
  const TimePoint now{};
  IncidentPatch resolve;
  resolve.state = IncidentState::kResolved;
  EXPECT_TRUE(ApplyPatch(cur, resolve, alice, now));
  IncidentPatch retitle;
  retitle.title = std::string(5000, 'u');
  EXPECT_FALSE(ApplyPatch(cur, retitle, alice, now));
  retitle.title = "fixed";
  EXPECT_TRUE(ApplyPatch(cur, retitle, alice, now));
  IncidentPatch field;
  field.fields["monitor"] = FieldValue{"textbox", false, std::string(4097, 'n'), std::nullopt};
  EXPECT_FALSE(ApplyPatch(cur, field, alice, now));
  IncidentPatch scope;
  scope.customer_impact_scope = std::optional<std::string>(std::string(4097, 's'));
  auto refused = ApplyPatch(cur, scope, alice, now);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("customer_impact_scope"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::core
