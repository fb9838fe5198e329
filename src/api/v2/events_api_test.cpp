// Live updates: the store decorator tells the feed about committed changes
// only, and the event stream endpoint turns them into Server-Sent Events,
// within its cap on open streams.

#include "api/v2/events_api.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "storage/memory/memory_store.hpp"
#include "usecases/change_feed.hpp"

namespace tocsin::api::v2 {
namespace {

using usecases::Change;

struct Recorder {
  std::vector<Change> seen;
  void operator()(const Change& c) { seen.push_back(c); }
};

core::Incident Draft(const std::string& id) {
  core::Incident i;
  i.id = id;
  i.title = "disk full";
  i.severity = "SEV-2";
  return i;
}

TEST(ChangeFeedStore, PublishesCommittedChangesOnly) {
  auto feed = std::make_shared<usecases::ChangeFeed>();
  usecases::ChangeFeedStore store(storage::MakeMemoryStore(), feed);
  std::vector<Change> seen;
  auto sub = feed->Subscribe([&seen](const Change& c) { seen.push_back(c); });

  auto created = store.CreateIncident(Draft("0190a0a0-0000-7000-8000-000000000001"), {});
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Change::Kind::kIncident);
  EXPECT_EQ(seen[0].incident_id, created->id);
  EXPECT_TRUE(seen[0].created);

  auto updated = store.UpdateIncident(created->id, [](const core::Incident& cur) -> Result<core::Mutation> {
    core::Mutation m;
    m.incident = cur;
    m.incident.title = "disk full on db-1";
    return m;
  });
  ASSERT_TRUE(updated);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].incident_id, created->id);
  EXPECT_FALSE(seen[1].created);

  // A write that fails (unknown incident, a refused mutation) tells nobody.
  auto refused = store.UpdateIncident(created->id, [](const core::Incident&) -> Result<core::Mutation> {
    return InvalidArgument("no");
  });
  EXPECT_FALSE(refused);
  EXPECT_FALSE(store.UpdateIncident("0190a0a0-0000-7000-8000-0000000000ff",
                                    [](const core::Incident& cur) -> Result<core::Mutation> {
                                      return core::Mutation{cur, {}, {}};
                                    }));
  EXPECT_EQ(seen.size(), 2u);

  feed->Unsubscribe(sub);
  ASSERT_TRUE(store.CreateIncident(Draft("0190a0a0-0000-7000-8000-000000000002"), {}));
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(feed->subscribers(), 0u);
}

// A writer that records what it was given.
class FakeWriter : public http::StreamWriter {
 public:
  bool Send(std::string bytes) override {
    std::lock_guard lock(mu);
    sent.push_back(std::move(bytes));
    return true;
  }
  bool Closed() const override { return false; }
  std::mutex mu;
  std::vector<std::string> sent;
};

TEST(EventsApi, StreamsChangesAndCapsOpenStreams) {
  ApiContext ctx;
  ctx.changes = std::make_shared<usecases::ChangeFeed>();
  ctx.max_event_streams = 1;
  EventsApi events(ctx);
  http::Request req;
  req.method = "GET";

  auto first = events.Stream(req);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.content_type, "text/event-stream; charset=utf-8");
  ASSERT_TRUE(first.stream);
  auto writer = std::make_shared<FakeWriter>();
  first.stream->open(writer);
  EXPECT_EQ(ctx.changes->subscribers(), 1u);
  ctx.changes->Publish(Change{Change::Kind::kIncident, "abc", true});
  ctx.changes->Publish(Change{Change::Kind::kOnCall, "", false});
  ASSERT_EQ(writer->sent.size(), 3u);
  EXPECT_EQ(writer->sent[0].rfind("retry: 3000\n", 0), 0u);
  EXPECT_EQ(writer->sent[1], "data: {\"created\":true,\"incident_id\":\"abc\",\"kind\":\"incident\"}\n\n");
  EXPECT_EQ(writer->sent[2], "data: {\"kind\":\"oncall\"}\n\n");

  // At the cap: refused with a reason and when to retry.
  auto second = events.Stream(req);
  EXPECT_EQ(second.status, 503);
  EXPECT_FALSE(second.stream);
  EXPECT_NE(second.body.find("too many event streams open (at most 1)"), std::string::npos) << second.body;

  // The first one ends (also when it never opened, a slot comes back).
  first.stream->closed();
  EXPECT_EQ(ctx.changes->subscribers(), 0u);
  auto third = events.Stream(req);
  ASSERT_EQ(third.status, 200);
  third.stream->closed();
  EXPECT_EQ(events.Stream(req).status, 200);
}

}  // namespace
}  // namespace tocsin::api::v2
