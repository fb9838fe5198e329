// The escalation worker decides from a listing read earlier, then mutates; the
// mutation runs against the committed state and must page nobody when that
// state no longer calls for it (resolved, acknowledged, deleted, not due).

#include "engine/escalation_worker.hpp"

#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace tocsin::engine {
namespace {

using namespace std::chrono_literals;

core::Config Example() {
  auto result = config::LoadConfigFile(std::string(TOCSIN_SOURCE_DIR) + "/examples/v-commerce/tocsin.yaml",
                                       [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  EXPECT_TRUE(result.ok());
  return result.config;
}

const TimePoint kCreated = *ParseRfc3339("2026-11-27T10:00:00Z");

// An open, unacknowledged incident escalated by the security team, due now.
core::Incident Escalating() {
  core::Incident inc;
  inc.id = "0b7e3a52-6f1d-4c1e-9d5e-2f8f2a3b4c5d";
  inc.public_id = 7;
  inc.title = "Prompt injection";
  inc.severity = "SEV-1";
  inc.created = inc.modified = kCreated;
  inc.escalation_team = "security";
  inc.escalation_next_due = kCreated;
  inc.version = 1;
  return inc;
}

class EscalateTest : public ::testing::Test {
 protected:
  core::Config config = Example();
  std::shared_ptr<const core::escalation::Directory> directory = [this] {
    auto d = core::escalation::Directory::Create(config);
    EXPECT_TRUE(d) << (d ? "" : d.error().message);
    return std::make_shared<const core::escalation::Directory>(std::move(*d));
  }();
};

TEST_F(EscalateTest, AnOpenIncidentDueNowIsPaged) {
  auto m = Escalate(Escalating(), config, *directory, kCreated);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->notifications.empty());
  EXPECT_FALSE(m->incident.escalation_steps.empty());
}

TEST_F(EscalateTest, AnIncidentResolvedSinceTheListingIsNotPaged) {
  core::Incident resolved = Escalating();
  resolved.state = core::IncidentState::kResolved;
  resolved.resolved = kCreated + 1s;
  EXPECT_FALSE(Escalate(resolved, config, *directory, kCreated + 2s).has_value());
  resolved.state = core::IncidentState::kCompleted;
  EXPECT_FALSE(Escalate(resolved, config, *directory, kCreated + 2s).has_value());
}

TEST_F(EscalateTest, NothingIsWrittenWhenNothingIsDue) {
  core::Incident acked = Escalating();
  acked.acknowledged = kCreated;
  EXPECT_FALSE(Escalate(acked, config, *directory, kCreated).has_value());
  core::Incident later = Escalating();
  later.escalation_next_due = kCreated + 15min;
  EXPECT_FALSE(Escalate(later, config, *directory, kCreated).has_value());
  core::Incident deleted = Escalating();
  deleted.deleted = true;
  EXPECT_FALSE(Escalate(deleted, config, *directory, kCreated).has_value());
}

}  // namespace
}  // namespace tocsin::engine
