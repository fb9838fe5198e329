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

// The engine only looks at incidents whose due time has come, so the due time
// must never be later than the moment a reminder or a tier becomes due.
TEST(Reminders, EngineDueAtIsExactlyWhenSomethingBecomesDue) {
  auto levels = DefaultSeverities();
  TimePoint t0 = *ParseRfc3339("2026-01-01T00:00:00Z");
  int checked = 0;
  for (std::size_t lv = 0; lv < levels.size(); ++lv) {
    for (int variant = 0; variant < 64; ++variant) {
      Incident i;
      i.severity = levels[lv].name;
      i.created = t0;
      i.state = (variant & 1) ? IncidentState::kStable : IncidentState::kActive;
      if (variant & 2) i.acknowledged = t0 + 2min;
      if (variant & 4) i.response_sla_breached = true;
      if (variant & 8) i.last_status_update = t0 + 7min;
      if (variant & 16) i.last_reminder = t0 + 20min;
      if (variant & 32) {
        i.escalation_team = "sre";
        i.escalation_next_due = t0 + 3min;
      }
      auto due = EngineDueAt(i, &levels[lv]);
      auto anything = [&](TimePoint now) {
        auto c = CheckReminders(i, &levels[lv], now);
        bool tier = !i.escalation_team.empty() && !i.acknowledged && i.escalation_next_due && *i.escalation_next_due <= now;
        return c.response_time_exceeded || c.status_update_due || tier;
      };
      for (Micros step = 0s; step <= 6h; step += 30s) {
        TimePoint now = t0 + step;
        if (!due || now < *due) {
          EXPECT_FALSE(anything(now)) << "variant " << variant << " level " << lv << " at +" << step.count();
        }
      }
      if (due) {
        EXPECT_TRUE(anything(*due)) << "variant " << variant << " level " << lv;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
  Incident closed;
  closed.created = t0;
  closed.state = IncidentState::kResolved;
  EXPECT_FALSE(EngineDueAt(closed, &levels[0]));
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
