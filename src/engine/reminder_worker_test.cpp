// The reminder worker lists the due incidents, then mutates each; the mutation
// runs against the committed state and must decide from it alone: an incident
// acknowledged, resolved or given another severity since the listing gets the
// reminders its committed state calls for (often none), and when nothing is
// due any more nothing is written (no version bump, no event, no notification).

#include "engine/reminder_worker.hpp"

#include "core/ports/forwarding_store.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "config/config_loader.hpp"
#include "storage/memory/memory_store.hpp"

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

// Forwards to a store; the first UpdateIncident first runs `race` against the
// store, as another writer committing between the listing and the mutation.
class RacingStore final : public core::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::function<void(core::Store&)> race;

  Result<core::Incident> UpdateIncident(const std::string& id, const core::MutateFn& m) override {
    if (race) std::exchange(race, {})(inner());
    return ForwardingStore::UpdateIncident(id, m);
  }
  Result<core::UpdateOutcome> UpdateIncidentAndEvents(const std::string& id, const core::MutateFn& m) override {
    if (race) std::exchange(race, {})(inner());
    return ForwardingStore::UpdateIncidentAndEvents(id, m);
  }
};

class ReminderWorkerTest : public ::testing::Test {
 protected:
  ReminderWorkerTest() : store_(storage::MakeMemoryStore()), racing_(*store_) {}

  // An open, unacknowledged incident of `severity`, followed by #slack-commerce.
  std::string Open(const std::string& severity) {
    core::Incident i;
    i.id = "0b7e3a52-6f1d-4c1e-9d5e-2f8f2a3b4c5d";
    i.title = "Checkout down";
    i.severity = severity;
    i.created = i.modified = kCreated;
    i.channels = {"slack-commerce"};
    i.version = 1;
    auto r = store_->CreateIncident(i, {{kCreated, {}, "incident_created", "declared", {}}});
    EXPECT_TRUE(r) << r.error().message;
    return r->id;
  }
  // Another writer's change, committed between the worker's listing and its mutation.
  void RaceWith(const std::string& id, std::function<void(core::Incident&)> change) {
    racing_.race = [id, change](core::Store& s) {
      auto r = s.UpdateIncident(id, [&](const core::Incident& cur) -> Result<core::Mutation> {
        core::Mutation m{cur, {}, {}};
        change(m.incident);
        ++m.incident.version;
        m.events.push_back({kCreated, {}, "incident_updated", "changed by someone", {}});
        return m;
      });
      ASSERT_TRUE(r) << r.error().message;
    };
  }
  std::vector<std::string> Kinds(const std::string& id) {
    std::vector<std::string> out;
    auto timeline = store_->Timeline(id, 0, 1000);
    EXPECT_TRUE(timeline) << timeline.error().message;
    for (const auto& e : *timeline) out.push_back(e.kind);
    return out;
  }
  std::vector<core::OutboxItem> Outbox(const std::string& id) { return *store_->ListOutbox(id); }

  core::Config config_ = Example();
  std::unique_ptr<core::Store> store_;
  RacingStore racing_;
};

const std::vector<std::string> kRaced = {"incident_created", "incident_updated"};

TEST_F(ReminderWorkerTest, AnUnacknowledgedIncidentPastItsResponseTimeIsRaisedOnce) {
  std::string id = Open("SEV-1");
  ReminderWorker worker(racing_, core::FixedConfig(config_));
  EXPECT_EQ(worker.RunOnce(kCreated + 6min), 1);
  EXPECT_EQ(Kinds(id), (std::vector<std::string>{"incident_created", "response_time_exceeded"}));
  auto out = Outbox(id);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].channel, "slack-commerce");
  EXPECT_EQ(out[0].kind, "response_time_exceeded");
  EXPECT_NE(out[0].reason.find("SEV-1 response time of 5 min"), std::string::npos) << out[0].reason;
  EXPECT_EQ(store_->GetIncident(id)->version, 2);
  EXPECT_EQ(worker.RunOnce(kCreated + 7min), 0);
  EXPECT_EQ(store_->GetIncident(id)->version, 2);
}

TEST_F(ReminderWorkerTest, AnIncidentAcknowledgedSinceTheListingGetsNothing) {
  std::string id = Open("SEV-1");
  RaceWith(id, [](core::Incident& i) { i.acknowledged = kCreated + 5min; });
  ReminderWorker worker(racing_, core::FixedConfig(config_));
  EXPECT_EQ(worker.RunOnce(kCreated + 6min), 0);
  EXPECT_EQ(Kinds(id), kRaced);
  EXPECT_TRUE(Outbox(id).empty());
  EXPECT_EQ(store_->GetIncident(id)->version, 2);  // the racing change's; nothing after it
}

TEST_F(ReminderWorkerTest, AnIncidentResolvedSinceTheListingGetsNothing) {
  std::string id = Open("SEV-1");
  RaceWith(id, [](core::Incident& i) {
    i.state = core::IncidentState::kResolved;
    i.resolved = kCreated + 20min;
  });
  ReminderWorker worker(racing_, core::FixedConfig(config_));
  // Both the response time and a status update would be due for the open incident.
  EXPECT_EQ(worker.RunOnce(kCreated + 20min), 0);
  EXPECT_EQ(Kinds(id), kRaced);
  EXPECT_TRUE(Outbox(id).empty());
  EXPECT_EQ(store_->GetIncident(id)->version, 2);
}

TEST_F(ReminderWorkerTest, AnIncidentLoweredInSeveritySinceTheListingIsJudgedByItsNewSeverity) {
  std::string id = Open("SEV-1");
  // SEV-4 answers within 4 h: nothing is due 6 minutes in.
  RaceWith(id, [](core::Incident& i) { i.severity = "SEV-4"; });
  ReminderWorker worker(racing_, core::FixedConfig(config_));
  EXPECT_EQ(worker.RunOnce(kCreated + 6min), 0);
  EXPECT_EQ(Kinds(id), kRaced);
  EXPECT_TRUE(Outbox(id).empty());
  EXPECT_EQ(store_->GetIncident(id)->version, 2);
}

TEST_F(ReminderWorkerTest, TheCommittedSeverityChoosesTheResponseTimeChannelsAndCadence) {
  std::string id = Open("SEV-2");
  // Two hours in, SEV-2 would raise its 15 min response time to the incident's
  // channel and remind (30 min cadence); SEV-3 raises its 60 min response time
  // in slack-sre and has no update cadence.
  RaceWith(id, [](core::Incident& i) { i.severity = "SEV-3"; });
  ReminderWorker worker(racing_, core::FixedConfig(config_));
  EXPECT_EQ(worker.RunOnce(kCreated + 2h), 1);
  std::vector<std::string> kinds = kRaced;
  kinds.push_back("response_time_exceeded");
  EXPECT_EQ(Kinds(id), kinds);
  auto out = Outbox(id);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].channel, "slack-sre");
  EXPECT_NE(out[0].reason.find("SEV-3 response time of 60 min"), std::string::npos) << out[0].reason;
}

TEST_F(ReminderWorkerTest, NothingIsWrittenWhenTheReminderWasRaisedSinceTheListing) {
  std::string id = Open("SEV-1");
  RaceWith(id, [](core::Incident& i) {
    i.response_sla_breached = true;
    i.last_reminder = kCreated + 20min;
  });
  ReminderWorker worker(racing_, core::FixedConfig(config_));
  EXPECT_EQ(worker.RunOnce(kCreated + 20min), 0);
  EXPECT_EQ(Kinds(id), kRaced);
  EXPECT_TRUE(Outbox(id).empty());
  EXPECT_EQ(store_->GetIncident(id)->version, 2);
}

// Remind alone, as the mutation runs it against the committed incident.
core::Incident OpenSev1() {
  core::Incident i;
  i.id = "0b7e3a52-6f1d-4c1e-9d5e-2f8f2a3b4c5d";
  i.severity = "SEV-1";
  i.created = i.modified = kCreated;
  i.channels = {"slack-commerce"};
  i.version = 1;
  return i;
}

TEST(RemindTest, AnOpenIncidentPastItsResponseTimeAndCadenceGetsBoth) {
  auto m = Remind(OpenSev1(), Example(), kCreated + 16min);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->events.size(), 2u);
  EXPECT_EQ(m->events[0].kind, "response_time_exceeded");
  EXPECT_EQ(m->events[1].kind, "status_update_reminder");
  EXPECT_EQ(m->notifications.size(), 2u);
  EXPECT_TRUE(m->incident.response_sla_breached);
  EXPECT_EQ(m->incident.last_reminder, kCreated + 16min);
  EXPECT_EQ(m->incident.version, 2);
}

TEST(RemindTest, NothingIsDueForAClosedAcknowledgedDeletedOrUnknownSeverityIncident) {
  core::Config config = Example();
  core::Incident resolved = OpenSev1();
  resolved.state = core::IncidentState::kResolved;
  EXPECT_FALSE(Remind(resolved, config, kCreated + 16min).has_value());
  core::Incident acked = OpenSev1();
  acked.acknowledged = kCreated + 1min;
  acked.last_status_update = kCreated + 10min;  // and updated within the cadence
  EXPECT_FALSE(Remind(acked, config, kCreated + 16min).has_value());
  core::Incident deleted = OpenSev1();
  deleted.deleted = true;
  EXPECT_FALSE(Remind(deleted, config, kCreated + 16min).has_value());
  core::Incident unknown = OpenSev1();
  unknown.severity = "SEV-9";
  EXPECT_FALSE(Remind(unknown, config, kCreated + 16min).has_value());
  core::Incident lowered = OpenSev1();
  lowered.severity = "SEV-4";
  EXPECT_FALSE(Remind(lowered, config, kCreated + 16min).has_value());
  core::Incident done = OpenSev1();
  done.response_sla_breached = true;
  done.last_reminder = kCreated + 15min;
  EXPECT_FALSE(Remind(done, config, kCreated + 16min).has_value());
}

}  // namespace
}  // namespace tocsin::engine
