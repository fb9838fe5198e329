#include "config/config_diff.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace tocsin::config {
namespace {

const char* kOld = R"(
server:
  listen: 0.0.0.0:8080
users:
  - handle: alice
    name: Alice
  - handle: bob
    name: Bob
rules:
  - rule_name: Payments down
    severity: SEV-1
    notify: ['#payments']
escalation_policies:
  - name: Payments
    team: payments
    tiers:
      - after: 0m
        targets: [schedule:payments-primary]
      - after: 15m
        targets: [user:alice]
)";

TEST(ConfigDiff, SameFileReorderedOrReformattedIsNoDifference) {
  const char* reordered = R"(
rules: [{rule_name: Payments down, notify: ['#payments'], severity: SEV-1}]
users:
  - {handle: bob, name: Bob}
  - handle: alice
    name: Alice   # a comment
escalation_policies:
  - name: Payments
    team: payments
    tiers:
      - {after: 0m, targets: [schedule:payments-primary]}
      - {after: 15m, targets: [user:alice]}
server: {listen: 0.0.0.0:8080}
)";
  auto diff = DiffConfigText(kOld, reordered);
  ASSERT_TRUE(diff) << diff.error().message;
  EXPECT_TRUE(diff->empty()) << DiffText(*diff);
  EXPECT_EQ(DiffText(*diff), "no difference\n");
}

TEST(ConfigDiff, AddedRemovedAndChangedEntriesWithTheirFields) {
  std::string changed = kOld;
  changed.replace(changed.find("  - handle: bob\n    name: Bob\n"), 30, "  - handle: carol\n    name: Carol\n");
  changed.replace(changed.find("severity: SEV-1"), 15, "severity: SEV-2");
  changed.replace(changed.find("after: 15m"), 10, "after: 10m");
  changed.replace(changed.find("listen: 0.0.0.0:8080"), 20, "listen: 0.0.0.0:9090");
  auto diff = DiffConfigText(kOld, changed);
  ASSERT_TRUE(diff) << diff.error().message;
  auto lines = DiffLines(*diff);
  std::vector<std::string> want = {
      "server: section changed (listen)",
      "users: 'carol' added",
      "users: 'bob' removed",
      "rules: 'Payments down' changed (severity)",
      "escalation_policies: 'Payments' changed (tiers[1].after)",
  };
  EXPECT_EQ(lines, want);
  EXPECT_EQ(NeedsRestart(*diff), std::vector<std::string>{"server.listen"});
}

TEST(ConfigDiff, NewAndRemovedSectionsAndListLengths) {
  const char* a = "channels:\n  - name: hook\n    type: webhook\n    url: ${HOOK_URL}\nchecklists: []\n";
  const char* b = "channels:\n  - name: hook\n    type: webhook\n    url: ${OTHER_URL}\n    tags: [a, b]\nteams: []\n";
  auto diff = DiffConfigText(a, b);
  ASSERT_TRUE(diff);
  // Values are never shown (a URL may hold a secret), only which field differs.
  EXPECT_EQ(DiffText(*diff),
            "channels: 'hook' changed (url, tags)\n"
            "teams: section added\n"
            "checklists: section removed\n"
            "3 change(s)\n");
  EXPECT_EQ(DiffJson(*diff),
            "{\"changes\":[{\"section\":\"channels\",\"entry\":\"hook\",\"change\":\"changed\",\"fields\":[\"url\",\"tags\"]},"
            "{\"section\":\"teams\",\"entry\":null,\"change\":\"added\",\"fields\":[]},"
            "{\"section\":\"checklists\",\"entry\":null,\"change\":\"removed\",\"fields\":[]}]}\n");
}

TEST(ConfigDiff, ExampleConfigAgainstItselfIsNoDifference) {
  std::ifstream in(std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_FALSE(text.str().empty());
  auto diff = DiffConfigText(text.str(), text.str());
  ASSERT_TRUE(diff);
  EXPECT_TRUE(diff->empty());
}

TEST(ConfigDiff, NotYamlOrNotAMappingIsRefusedNamingTheFile) {
  auto bad = DiffConfigText("a: [1, 2", "a: 1", "old.yaml", "new.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("old.yaml: not valid YAML"), std::string::npos) << bad.error().message;
  auto list = DiffConfigText("a: 1", "- 1\n- 2\n", "old.yaml", "new.yaml");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message, "new.yaml: the configuration must be a YAML mapping");
}

}  // namespace
}  // namespace tocsin::config
