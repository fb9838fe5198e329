// OutboxWorker with a fake send step over the memory store: lanes (one
// incident on one channel) keep their order and run one send at a time,
// channels keep their concurrency limit, a Slack thread started by an outcome
// not yet recorded is used by the replies, a wake sends at once (no poll),
// and Stop records the outcomes of the sends in progress.

#include "engine/outbox_worker.hpp"

#include "common/server_metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/random.hpp"
#include "core/ports/forwarding_store.hpp"
#include "storage/memory/memory_store.hpp"

namespace tocsin::engine {
namespace {

using namespace std::chrono_literals;
using Kind = core::AttemptOutcome::Kind;

class OutboxWorkerTest : public ::testing::Test {
 protected:
  OutboxWorkerTest() : store_(storage::MakeMemoryStore()), clock_(*ParseRfc3339("2026-11-27T10:00:00Z")) {
    config_.channels.push_back({"hook", "webhook", {{"url", "http://127.0.0.1:9/hook"}}, {}});
    config_.channels.push_back({"other", "webhook", {{"url", "http://127.0.0.1:9/other"}}, {}});
    config_.channels.push_back({"bot", "slack_webapi", {{"token", "t"}, {"channel", "C1"}}, {}});
  }

  std::string NewIncident(const std::string& title) {
    core::Incident i;
    i.id = NewUuidV4();
    i.title = title;
    i.severity = "SEV-2";
    i.created = i.modified = clock_.Now();
    i.version = 1;
    auto r = store_->CreateIncident(i, {{clock_.Now(), {}, "incident_created", "declared", {}}});
    EXPECT_TRUE(r) << r.error().message;
    return r->id;
  }
  // Queues deliveries to `channel` whose reasons are `reasons`, in order.
  void Queue(const std::string& incident, const std::string& channel, const std::vector<std::string>& reasons) {
    auto r = store_->UpdateIncident(incident, [&](const core::Incident& cur) -> Result<core::Mutation> {
      core::Mutation m{cur, {}, {}};
      for (const auto& reason : reasons) m.notifications.push_back({channel, cur.id, "status_update", clock_.Now(), reason});
      return m;
    });
    ASSERT_TRUE(r) << r.error().message;
  }
  std::int64_t Count(core::DeliveryState state) { return *store_->CountDeliveries(state); }

  std::unique_ptr<core::Store> store_;
  FakeClock clock_;
  core::Config config_;
};

TEST_F(OutboxWorkerTest, LanesKeepTheirOrderAndChannelsTheirLimit) {
  constexpr int kIncidents = 6, kEach = 4, kLimit = 3;
  std::vector<std::string> incidents;
  for (int k = 0; k < kIncidents; ++k) {
    incidents.push_back(NewIncident("i" + std::to_string(k)));
    Queue(incidents.back(), "hook", {"0", "1", "2", "3"});
  }
  Queue(incidents[0], "other", {"0", "1"});

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> active, max_active;           // by channel, and by lane ("channel incident")
  std::map<std::string, std::vector<std::string>> order;   // by lane
  int started = 0;
  bool gate_open = false;
  OutboxOptions options;
  options.per_channel_concurrency = kLimit;
  options.threads = 8;
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, options,
                      [&](const core::Channel& ch, const core::Delivery& d, const core::Incident* inc,
                          const notify::SendContext&) {
                        EXPECT_NE(inc, nullptr);
                        std::string lane = ch.name + " " + d.incident_id;
                        std::unique_lock lock(mu);
                        for (const auto& key : {ch.name, lane}) max_active[key] = std::max(max_active[key], ++active[key]);
                        order[lane].push_back(d.reason);
                        ++started;
                        cv.notify_all();
                        // The first sends hold until the test has seen the channel's slots fill.
                        cv.wait(lock, [&] { return gate_open; });
                        --active[ch.name];
                        --active[lane];
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok", ""};
                      });
  std::thread run([&] { EXPECT_EQ(worker.RunOnce(clock_.Now()), kIncidents * kEach + 2); });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return started >= kLimit + 1; }));  // hook's 3 slots + other's lane
    gate_open = true;
  }
  cv.notify_all();
  run.join();

  EXPECT_EQ(max_active["hook"], kLimit);
  EXPECT_EQ(max_active["other"], 1);
  for (const auto& id : incidents) {
    EXPECT_EQ(max_active["hook " + id], 1) << "two sends at once in one lane";
    EXPECT_EQ(order["hook " + id], (std::vector<std::string>{"0", "1", "2", "3"}));
  }
  EXPECT_EQ(order["other " + incidents[0]], (std::vector<std::string>{"0", "1"}));
  // Every outcome is recorded when RunOnce returns, each with its timeline event.
  EXPECT_EQ(Count(core::DeliveryState::kDelivered), kIncidents * kEach + 2);
  EXPECT_EQ(Count(core::DeliveryState::kSending), 0);
  EXPECT_EQ(store_->Timeline(incidents[0], 0, 100)->size(), 1u + kEach + 2);
}

TEST_F(OutboxWorkerTest, RepliesUseTheThreadOfAFirstMessageNotRecordedYet) {
  std::string id = NewIncident("threaded");
  Queue(id, "bot", {"opened", "update 1", "update 2"});
  std::vector<std::pair<std::string, std::string>> sent;  // reason, thread_ts
  std::mutex mu;
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, {},
                      [&](const core::Channel&, const core::Delivery& d, const core::Incident*,
                          const notify::SendContext& ctx) {
                        std::lock_guard lock(mu);
                        sent.emplace_back(d.reason, ctx.thread_ts);
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok",
                                                    "1700000000.00010" + std::to_string(sent.size())};
                      });
  // One claim: the outcomes are recorded only after all three are sent.
  EXPECT_EQ(worker.RunOnce(clock_.Now()), 3);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0], (std::pair<std::string, std::string>{"opened", ""}));
  EXPECT_EQ(sent[1], (std::pair<std::string, std::string>{"update 1", "1700000000.000101"}));
  EXPECT_EQ(sent[2], (std::pair<std::string, std::string>{"update 2", "1700000000.000101"}));
  EXPECT_EQ(*store_->FindThread(id, "bot"), "1700000000.000101");
  // Later replies find the thread in the store.
  Queue(id, "bot", {"update 3"});
  EXPECT_EQ(worker.RunOnce(clock_.Now()), 1);
  EXPECT_EQ(sent.back(), (std::pair<std::string, std::string>{"update 3", "1700000000.000101"}));
}

TEST_F(OutboxWorkerTest, RetriesAndFailuresAreRecordedWithTheirEvents) {
  std::string id = NewIncident("flaky");
  Queue(id, "hook", {"a"});
  Queue(id, "other", {"b"});
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, {},
                      [&](const core::Channel& ch, const core::Delivery&, const core::Incident*, const notify::SendContext&) {
                        if (ch.name == "hook") return core::AttemptOutcome{Kind::kRetry, 120s, "HTTP 429", ""};
                        return core::AttemptOutcome{Kind::kPermanent, std::nullopt, "HTTP 400", ""};
                      });
  EXPECT_EQ(worker.RunOnce(clock_.Now()), 2);
  EXPECT_EQ(Count(core::DeliveryState::kQueued), 1);
  EXPECT_EQ(Count(core::DeliveryState::kFailed), 1);
  EXPECT_EQ(worker.RunOnce(clock_.Now() + 119s), 0);  // Retry-After is respected
  EXPECT_EQ(worker.RunOnce(clock_.Now() + 121s), 1);
  std::vector<std::string> kinds;
  auto timeline = *store_->Timeline(id, 0, 100);
  for (const auto& e : timeline) kinds.push_back(e.kind);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "notification_retry"), 2);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "notification_failed"), 1);
}

// A notice (no incident) is sent like any delivery, retried, and recorded on
// the delivery only; a Slack Web API notice starts no thread.
TEST_F(OutboxWorkerTest, ANoticeIsSentWithItsBodyAndRetriedLikeAnyDelivery) {
  ASSERT_TRUE(*store_->EnqueueNotice(
      {"weekly-report:2026-W48:bot", "bot", "weekly_report", "Weekly review", "*3 incidents*", clock_.Now(), std::nullopt}));
  ASSERT_TRUE(*store_->EnqueueNotice(
      {"weekly-report:2026-W49:bot", "bot", "weekly_report", "Weekly review", "*4 incidents*", clock_.Now(), std::nullopt}));
  std::vector<std::string> sent;
  int calls = 0;
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, {},
                      [&](const core::Channel&, const core::Delivery& d, const core::Incident* inc,
                          const notify::SendContext& ctx) {
                        EXPECT_EQ(inc, nullptr);
                        EXPECT_EQ(ctx.thread_ts, "");  // a notice is never a reply
                        if (++calls == 1) return core::AttemptOutcome{Kind::kRetry, 60s, "HTTP 503", ""};
                        sent.push_back(d.body);
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok", "1700000000.1"};
                      });
  auto& notices_sent = server_metrics::Get().notices_sent.CounterWith({"weekly_report", "slack_webapi"});
  std::uint64_t sent_before = notices_sent.Value();
  worker.RunOnce(clock_.Now());
  EXPECT_EQ(calls, 1);  // the second waits behind the first's retry (one lane: the channel)
  EXPECT_EQ(Count(core::DeliveryState::kQueued), 2);
  worker.RunOnce(clock_.Now() + 61s);
  EXPECT_EQ(sent, (std::vector<std::string>{"*3 incidents*", "*4 incidents*"}));
  EXPECT_EQ(Count(core::DeliveryState::kDelivered), 2);
  if (server_metrics::Enabled()) {
    EXPECT_EQ(notices_sent.Value() - sent_before, 2u);  // /metrics counts them
  }
  core::DeliveryFilter f;
  auto all = *store_->ListDeliveries(f);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].attempts, 2);
  EXPECT_EQ(all[1].last_error, "");
  EXPECT_EQ(all[1].notice_key, "weekly-report:2026-W48:bot");
}

TEST_F(OutboxWorkerTest, AWakeSendsAtOnceWithoutWaitingForThePoll) {
  std::mutex mu;
  std::condition_variable cv;
  int sends = 0;
  OutboxOptions options;
  options.idle_poll = std::chrono::hours(1);  // only a wake can explain a prompt send
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, options,
                      [&](const core::Channel&, const core::Delivery&, const core::Incident*, const notify::SendContext&) {
                        std::lock_guard lock(mu);
                        ++sends;
                        cv.notify_all();
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok", ""};
                      });
  worker.Start();
  std::string id = NewIncident("woken");
  for (int k = 1; k <= 3; ++k) {
    Queue(id, "hook", {"n" + std::to_string(k)});
    worker.Wake();
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return sends == k; })) << "not sent after wake " << k;
  }
  worker.Stop();  // records what was sent
  EXPECT_EQ(Count(core::DeliveryState::kDelivered), 3);
  EXPECT_EQ(Count(core::DeliveryState::kSending), 0);
}

TEST_F(OutboxWorkerTest, StopRecordsTheSendsInProgress) {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, release = false;
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, {},
                      [&](const core::Channel&, const core::Delivery&, const core::Incident*, const notify::SendContext&) {
                        std::unique_lock lock(mu);
                        started = true;
                        cv.notify_all();
                        cv.wait(lock, [&] { return release; });
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok", ""};
                      });
  worker.Start();
  std::string id = NewIncident("stopping");
  Queue(id, "hook", {"x"});
  worker.Wake();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return started; }));
  }
  std::thread stopper([&] { worker.Stop(); });
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  EXPECT_EQ(Count(core::DeliveryState::kDelivered), 1);
  int delivered_events = 0;
  auto timeline = *store_->Timeline(id, 0, 100);
  for (const auto& e : timeline) delivered_events += e.kind == "notification_delivered";
  EXPECT_EQ(delivered_events, 1);
}

// A lane stops at a delivery to be retried: the ones queued behind it are
// held back (never sent before it), then go after it, in order.
TEST_F(OutboxWorkerTest, ARetryHoldsBackTheRestOfItsLane) {
  std::string a = NewIncident("a");
  Queue(a, "hook", {"0", "1", "2"});
  Queue(a, "other", {"x"});
  std::mutex mu;
  std::vector<std::string> sent;
  int failures = 1;
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, {},
                      [&](const core::Channel& ch, const core::Delivery& d, const core::Incident*,
                          const notify::SendContext&) {
                        std::lock_guard lock(mu);
                        sent.push_back(ch.name + ":" + d.reason);
                        if (ch.name == "hook" && failures > 0) {
                          --failures;
                          return core::AttemptOutcome{Kind::kRetry, 10s, "HTTP 503", ""};
                        }
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok", ""};
                      });
  // Lanes are sent in parallel: order is promised within a lane only.
  auto lane = [&](const std::string& channel) {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& s : sent) {
      if (s.rfind(channel + ":", 0) == 0) out.push_back(s);
    }
    return out;
  };
  worker.RunOnce(clock_.Now());
  EXPECT_EQ(lane("hook"), (std::vector<std::string>{"hook:0"}));
  EXPECT_EQ(lane("other"), (std::vector<std::string>{"other:x"}));
  EXPECT_EQ(Count(core::DeliveryState::kQueued), 3);  // the retry and the two held behind it
  EXPECT_EQ(Count(core::DeliveryState::kSending), 0);  // held ones are not left claimed
  EXPECT_EQ(worker.RunOnce(clock_.Now() + 5s), 0);    // the retry is not due: nothing of the lane goes
  worker.RunOnce(clock_.Now() + 11s);
  EXPECT_EQ(lane("hook"), (std::vector<std::string>{"hook:0", "hook:0", "hook:1", "hook:2"}));
  EXPECT_EQ(lane("other"), (std::vector<std::string>{"other:x"}));
  EXPECT_EQ(Count(core::DeliveryState::kDelivered), 4);
}

// A send that throws (a message that cannot be serialised) would throw at
// every retry: it fails for good at once, visibly, instead of retrying for a day.
TEST_F(OutboxWorkerTest, ASendThatThrowsFailsForGood) {
  std::string a = NewIncident("a");
  Queue(a, "hook", {"0"});
  OutboxWorker worker(*store_, core::FixedConfig(config_), clock_, {},
                      [&](const core::Channel&, const core::Delivery&, const core::Incident*,
                          const notify::SendContext&) -> core::AttemptOutcome {
                        throw std::runtime_error("invalid UTF-8 byte at index 1023");
                      });
  worker.RunOnce(clock_.Now());
  EXPECT_EQ(Count(core::DeliveryState::kFailed), 1);
  EXPECT_EQ(Count(core::DeliveryState::kQueued), 0);
  auto d = store_->ListDeliveries({});
  ASSERT_TRUE(d && d->size() == 1u);
  EXPECT_NE((*d)[0].last_error.find("invalid UTF-8"), std::string::npos) << (*d)[0].last_error;
}

// Forwards to a store, failing FinishAttempt(s) while `fail_records` > 0.
class FlakyRecords final : public core::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::atomic<int> fail_records{0};

  Result<void> FinishAttempt(const core::Delivery& d, const core::NewEvent& e) override {
    if (fail_records > 0) return Fail();
    return ForwardingStore::FinishAttempt(d, e);
  }
  Result<void> FinishAttempts(const std::vector<core::AttemptRecord>& r) override {
    if (fail_records > 0) return Fail();
    return ForwardingStore::FinishAttempts(r);
  }

 private:
  Result<void> Fail() {
    --fail_records;
    return MakeError(ErrorCode::kUnavailable, "disk I/O error");
  }
};

// An outcome whose record fails is recorded again later, without a restart
// (it used to stay claimed, "sending", until the next start), and is not
// sent twice.
TEST_F(OutboxWorkerTest, AFailedRecordIsRecordedAgainWithoutARestart) {
  std::string a = NewIncident("a");
  Queue(a, "hook", {"0"});
  FlakyRecords flaky(*store_);
  flaky.fail_records = 2;  // the batch, then the one-by-one record
  std::atomic<int> sends{0};
  OutboxWorker worker(flaky, core::FixedConfig(config_), clock_, {},
                      [&](const core::Channel&, const core::Delivery&, const core::Incident*,
                          const notify::SendContext&) {
                        ++sends;
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok", ""};
                      });
  worker.RunOnce(clock_.Now());
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(Count(core::DeliveryState::kSending), 1);  // sent, its record pending
  worker.RunOnce(clock_.Now());                         // nothing new to send; the record is made
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(Count(core::DeliveryState::kDelivered), 1);
  EXPECT_EQ(Count(core::DeliveryState::kSending), 0);
}

// The background recorder tries again on its own, after record_max_delay.
TEST_F(OutboxWorkerTest, TheRecorderRecordsAFailedOutcomeAgain) {
  std::string a = NewIncident("a");
  Queue(a, "hook", {"0"});
  FlakyRecords flaky(*store_);
  flaky.fail_records = 2;
  OutboxOptions options;
  options.record_max_delay = 1ms;
  options.record_quiet = 0ms;
  std::atomic<int> sends{0};
  OutboxWorker worker(flaky, core::FixedConfig(config_), clock_, options,
                      [&](const core::Channel&, const core::Delivery&, const core::Incident*,
                          const notify::SendContext&) {
                        ++sends;
                        return core::AttemptOutcome{Kind::kDelivered, std::nullopt, "ok", ""};
                      });
  worker.Start();
  worker.Wake();
  // Bounded wait for the outcome to be recorded (no fixed sleep).
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (Count(core::DeliveryState::kDelivered) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  worker.Stop();
  EXPECT_EQ(Count(core::DeliveryState::kDelivered), 1);
  EXPECT_EQ(sends, 1);
}

}  // namespace
}  // namespace tocsin::engine
