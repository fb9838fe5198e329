#include "core/notification/contact.hpp"

#include <gtest/gtest.h>

namespace tocsin::core {
namespace {

using namespace std::chrono_literals;

User Olu() {
  User u;
  u.handle = "olu";
  ContactMethod dm{"slack_dm", "U01SEC0003", "", "slack-bot", 0s, {}};
  ContactMethod mail{"email", "olu@example.com", "", "email-pages", 2min, {}};
  ContactMethod pd{"pagerduty", "", "ROUTING", "pagerduty-people", 5min, {}};
  u.contact_methods = {dm, mail, pd};
  return u;
}

TEST(ContactPages, OneDeliveryPerMethodAtPageTimePlusItsDelay) {
  TimePoint now = *ParseRfc3339("2026-11-27T10:00:00Z");
  auto pages = ContactPages(Olu(), "inc-1", "@olu paged: tier 2", now);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].channel, "slack-bot");
  EXPECT_EQ(pages[0].kind, "page");
  EXPECT_EQ(pages[0].created, now);
  EXPECT_EQ(pages[0].due, now);
  EXPECT_EQ(pages[0].to, (ContactTarget{"olu", 1, "slack_dm", "U01SEC0003"}));
  EXPECT_EQ(pages[1].due, now + 2min);
  EXPECT_EQ(pages[1].to, (ContactTarget{"olu", 2, "email", "olu@example.com"}));
  EXPECT_EQ(pages[2].due, now + 5min);
  // The routing key is a secret: it never goes into the outbox.
  EXPECT_EQ(pages[2].to, (ContactTarget{"olu", 3, "pagerduty", ""}));
  EXPECT_TRUE(ContactPages(User{}, "inc-1", "", now).empty());
  EXPECT_EQ(DescribeContactPlan(Olu()), "Slack DM now, email after 2m, PagerDuty after 5m");
}

TEST(ContactPages, PagerDutyFollowUpsOnlyForPagesDueByTheAcknowledgement) {
  TimePoint t0 = *ParseRfc3339("2026-11-27T10:00:00Z");
  Incident inc;
  inc.id = "inc-1";
  User u = Olu();
  u.contact_methods.push_back({"pagerduty", "", "OTHER", "pagerduty-people", 1min, {}});
  RememberPagerDutyContacts(inc, ContactPages(u, inc.id, "", t0));
  // A second round pages again: still one entry per person and method, the earliest.
  RememberPagerDutyContacts(inc, ContactPages(u, inc.id, "", t0 + 15min));
  ASSERT_EQ(inc.pagerduty_contacts.size(), 2u);
  EXPECT_EQ(inc.pagerduty_contacts[0], (PagedContact{"olu", 3, "pagerduty-people", t0 + 5min}));
  EXPECT_EQ(inc.pagerduty_contacts[1], (PagedContact{"olu", 4, "pagerduty-people", t0 + 1min}));

  inc.acknowledged = t0 + 2min;  // method 4 went out at 1 min; method 3 (5 min) never will
  auto acks = PagerDutyFollowUps(inc, "acknowledged", "acknowledged by @samira", t0 + 2min);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].kind, "acknowledged");
  EXPECT_EQ(acks[0].channel, "pagerduty-people");
  EXPECT_EQ(acks[0].to, (ContactTarget{"olu", 4, "pagerduty", ""}));
  // Resolved later: still only the page that went out before the acknowledgement.
  EXPECT_EQ(PagerDutyFollowUps(inc, "incident_resolved", "", t0 + 1h).size(), 1u);
  inc.acknowledged.reset();  // resolved without an acknowledgement: every page due by then
  EXPECT_EQ(PagerDutyFollowUps(inc, "incident_resolved", "", t0 + 1h).size(), 2u);
}

TEST(ContactPages, APageToAPersonStopsOnceAcknowledgedResolvedOrGone) {
  Delivery d;
  d.kind = "page";
  d.channel = "email-pages";
  d.to = ContactTarget{"olu", 2, "email", "olu@example.com"};
  Incident inc;
  EXPECT_FALSE(WhyNotSend(d, &inc));
  EXPECT_EQ(WhyNotSend(d, nullptr), "the incident no longer exists");
  inc.acknowledged = *ParseRfc3339("2026-11-27T10:01:00Z");
  inc.acknowledged_by = Actor{"u-1", "samira"};
  EXPECT_EQ(WhyNotSend(d, &inc), "the incident was acknowledged by @samira at 2026-11-27T10:01:00.000000+00:00");
  inc.acknowledged.reset();
  inc.state = IncidentState::kResolved;
  EXPECT_EQ(WhyNotSend(d, &inc), "the incident is resolved");
  // Channel notifications, and the acknowledge/resolve follow-ups, always go out.
  Delivery follow = d;
  follow.kind = "acknowledged";
  EXPECT_FALSE(WhyNotSend(follow, &inc));
  Delivery team = d;
  team.to = {};
  EXPECT_FALSE(WhyNotSend(team, &inc));
  EXPECT_EQ(DescribeDelivery(team), "page to email-pages");
  EXPECT_EQ(DescribeDelivery(d), "page to @olu by email (contact method 2, via email-pages)");
}

}  // namespace
}  // namespace tocsin::core
