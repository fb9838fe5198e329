#include "core/notification/reminders.hpp"

#include <gtest/gtest.h>

namespace tocsin::core {
namespace {

using namespace std::chrono_literals;

TEST(Reminders, ResponseTimeExceededOnceUnlessAcknowledged) {
  auto levels = DefaultSeverities();
  Incident i;
  i.severity = "SEV-1";
  i.created = *ParseRfc3339("2026-01-01T00:00:00Z");
  EXPECT_FALSE(CheckReminders(i, &levels[0], i.created + 4min).response_time_exceeded);
  EXPECT_TRUE(CheckReminders(i, &levels[0], i.created + 5min).response_time_exceeded);
  i.response_sla_breached = true;
  EXPECT_FALSE(CheckReminders(i, &levels[0], i.created + 6min).response_time_exceeded);
  i.response_sla_breached = false;
  i.acknowledged = i.created + 1min;
  EXPECT_FALSE(CheckReminders(i, &levels[0], i.created + 6min).response_time_exceeded);
}

TEST(Reminders, CadencePerSeverity) {
  auto levels = DefaultSeverities();
  Incident i;
  i.created = *ParseRfc3339("2026-01-01T00:00:00Z");
  EXPECT_FALSE(CheckReminders(i, &levels[0], i.created + 14min).status_update_due);
  EXPECT_TRUE(CheckReminders(i, &levels[0], i.created + 15min).status_update_due);
  EXPECT_FALSE(CheckReminders(i, &levels[1], i.created + 15min).status_update_due);   // SEV-2: 30 min
  EXPECT_TRUE(CheckReminders(i, &levels[1], i.created + 30min).status_update_due);
  EXPECT_FALSE(CheckReminders(i, &levels[2], i.created + 5h).status_update_due);      // SEV-3: no cadence
  i.last_status_update = i.created + 10min;
  EXPECT_FALSE(CheckReminders(i, &levels[0], i.created + 24min).status_update_due);
  EXPECT_TRUE(CheckReminders(i, &levels[0], i.created + 25min).status_update_due);
  i.last_reminder = i.created + 25min;
  EXPECT_FALSE(CheckReminders(i, &levels[0], i.created + 30min).status_update_due);
  i.state = IncidentState::kResolved;
  EXPECT_FALSE(CheckReminders(i, &levels[0], i.created + 2h).status_update_due);
}

}  // namespace
}  // namespace tocsin::core
