#include "engine/outbox_worker.hpp"

#include <algorithm>
#include <unordered_set>

#include "common/log.hpp"
#include "common/server_metrics.hpp"
#include "common/thread_name.hpp"
#include "core/notification/contact.hpp"
#include "notify/pagerduty/pagerduty.hpp"

namespace tocsin::engine {
namespace {

using Steady = std::chrono::steady_clock;

const core::Channel* FindChannel(const core::Config& config, const std::string& name) {
  for (const auto& c : config.channels) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// The lane of a delivery: one incident on one channel to one recipient.
std::string LaneKey(const core::Delivery& d) { return d.Lane(); }

// A PagerDuty trigger or acknowledge that would arrive after the incident's
// resolve (it was retried, or queued just before the resolution) would open
// or touch a PagerDuty incident that nobody closes: it is not sent; the
// resolve that follows it in the lane is.
std::optional<std::string> Superseded(const core::Channel& channel, const core::Delivery& d,
                                      const core::Incident* incident) {
  if (channel.type != "pagerduty" || !d.to.empty()) return std::nullopt;  // pages to people: core::WhyNotSend
  std::string action = notify::pagerduty::EventAction(d.kind);
  if (action != "trigger" && action != "acknowledge") return std::nullopt;
  if (!incident || incident->deleted) return "superseded: the incident no longer exists";
  if (core::IsClosed(incident->state)) {
    return "superseded: the incident is " + std::string(core::StateName(incident->state)) +
           ", so PagerDuty gets the resolve instead";
  }
  return std::nullopt;
}

}  // namespace

OutboxWorker::OutboxWorker(core::Store& store, core::ConfigSource config, const Clock& clock, OutboxOptions options,
                           SendFn send)
    : store_(store), config_(std::move(config)), clock_(clock), options_(options), send_(std::move(send)), rng_(std::random_device{}()) {}

OutboxWorker::~OutboxWorker() { Stop(); }

core::AttemptRecord OutboxWorker::Attempt(const Job& job) {
  using Kind = core::AttemptOutcome::Kind;
  core::Delivery d = job.delivery;
  const core::Channel* channel = job.channel;
  core::AttemptOutcome outcome;
  const core::Incident* incident = job.incident.get();
  // A page to a person is not sent once the incident is acknowledged (or gone).
  bool unreadable = job.unreadable;  // the incident could not be read (which is not: it is gone)
  std::optional<std::string> unwanted =
      channel && !unreadable ? core::WhyNotSend(d, incident) : std::nullopt;
  if (!unwanted && channel && !unreadable) unwanted = Superseded(*channel, d, incident);
  if (!channel) {
    outcome = {Kind::kPermanent, std::nullopt, "channel '" + d.channel + "' is not configured", ""};
  } else if (unreadable && !d.to.empty()) {
    outcome = {Kind::kRetry, std::nullopt, "cannot read the incident to know whether the page is still wanted", ""};
  } else if (unwanted) {
    outcome = {Kind::kCancelled, std::nullopt, *unwanted, ""};
  } else {
    notify::SendContext ctx;
    ctx.config = job.config.get();
    ctx.public_url = job.config->server.public_url;
    ctx.timeout = options_.send_timeout;
    if (job.incident) ctx.text = d.reason;
    // A DM is not part of the channel's thread, and a notice has no thread.
    bool threaded = channel->type == "slack_webapi" && d.to.empty() && d.notice_key.empty();
    if (threaded) {
      // The thread may have been started by an outcome not recorded yet;
      // the lane runs one send at a time, so that outcome is known here.
      {
        std::lock_guard lock(mu_);
        if (auto it = threads_started_.find(LaneKey(d)); it != threads_started_.end()) ctx.thread_ts = it->second;
      }
      if (ctx.thread_ts.empty()) {
        if (auto ts = store_.FindThread(d.incident_id, d.channel)) ctx.thread_ts = *ts;
      }
    }
    try {
      outcome = send_(*channel, d, job.incident.get(), ctx);
    } catch (const std::exception& e) {
      // A throw while building or sending (a message that cannot be
      // serialised, say) would throw again at every retry: fail it for good,
      // visibly, instead of retrying it for give_up_after.
      outcome = {Kind::kPermanent, std::nullopt, std::string("cannot send: ") + e.what(), ""};
    }
    if (threaded && ctx.thread_ts.empty() && outcome.kind == Kind::kDelivered && !outcome.thread_ts.empty()) {
      std::lock_guard lock(mu_);
      threads_started_.emplace(LaneKey(d), outcome.thread_ts);
    }
  }
  TimePoint now = job.now ? *job.now : clock_.Now();
  if (outcome.kind != Kind::kCancelled) ++d.attempts;
  d.last_error.clear();
  core::NewEvent event{now, core::Actor{"", "tocsin-notify"}, "", "", {}};
  std::string what = core::DescribeDelivery(d) + " (attempt " + std::to_string(d.attempts) + ")";
  switch (outcome.kind) {
    case Kind::kCancelled:
      d.state = core::DeliveryState::kCancelled;
      event.kind = "notification_cancelled";
      event.message = "Not sent: " + core::DescribeDelivery(d) + ": " + outcome.detail;
      break;
    case Kind::kDelivered:
      d.state = core::DeliveryState::kDelivered;
      d.delivered_at = now;
      if (!outcome.thread_ts.empty()) d.thread_ts = outcome.thread_ts;
      event.kind = "notification_delivered";
      event.message = "Delivered " + what + ": " + outcome.detail;
      break;
    case Kind::kPermanent:
      d.state = core::DeliveryState::kFailed;
      d.last_error = outcome.detail;
      event.kind = "notification_failed";
      event.message = "Failed for good: " + what + ": " + outcome.detail;
      log::Error("notification failed permanently",
                 {{"channel", d.channel}, {"delivery", std::to_string(d.id)}, {"error", outcome.detail}});
      break;
    case Kind::kRetry: {
      d.last_error = outcome.detail;
      if (core::ShouldGiveUp(options_.retry, d.created, now)) {
        d.state = core::DeliveryState::kGaveUp;
        event.kind = "notification_gave_up";
        event.message = "Gave up on " + what + " after " + std::to_string(d.attempts) + " attempts: " + outcome.detail;
        log::Error("notification given up",
                   {{"channel", d.channel}, {"delivery", std::to_string(d.id)}, {"error", outcome.detail}});
      } else {
        double jitter;
        {
          std::lock_guard lock(rng_mu_);
          jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
        }
        d.state = core::DeliveryState::kQueued;
        d.next_attempt_at = core::NextAttemptAt(options_.retry, d.attempts, outcome.retry_after, now, jitter);
        event.kind = "notification_retry";
        event.message = "Will retry " + what + " at " + FormatRfc3339(d.next_attempt_at) + ": " + outcome.detail;
      }
      break;
    }
  }
  server_metrics::DeliveryAttempt(channel ? channel->type : "unconfigured", event.kind.substr(event.kind.find('_') + 1),
                                  outcome.kind == Kind::kDelivered ? std::optional<Micros>(now - d.created) : std::nullopt);
  if (outcome.kind == Kind::kDelivered) {
    server_metrics::Delivered(d.kind, channel ? channel->type : "unconfigured", !d.notice_key.empty());
  }
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("notification attempt", {{"delivery", std::to_string(d.id)}, {"channel", d.channel}, {"kind", d.kind},
                                        {"recipient", d.to.user}, {"result", event.kind}, {"detail", outcome.detail}});
  }
  return core::AttemptRecord{std::move(d), std::move(event)};
}

void OutboxWorker::Record(std::vector<core::AttemptRecord> records) {
  if (records.empty()) return;
  std::vector<bool> recorded(records.size(), true);
  if (auto ok = store_.FinishAttempts(records); !ok) {
    log::Warn("cannot record notification attempts together; recording them one by one",
              {{"count", std::to_string(records.size())}, {"error", ok.error().message}});
    for (std::size_t k = 0; k < records.size(); ++k) {
      if (auto one = store_.FinishAttempt(records[k].delivery, records[k].event); !one) {
        recorded[k] = false;
        log::Error("cannot record a notification attempt",
                   {{"delivery", std::to_string(records[k].delivery.id)}, {"error", one.error().message}});
      }
    }
  }
  std::vector<std::int64_t> release;  // claims to end: held-back deliveries, unrecordable attempts
  std::vector<core::AttemptRecord> again;
  {
    std::lock_guard lock(mu_);
    std::int64_t done = 0;
    for (std::size_t k = 0; k < records.size(); ++k) {
      const core::Delivery& d = records[k].delivery;
      if (!recorded[k]) {
        // The send happened but its record did not: try recording it again
        // (after record_max_delay) rather than leave the delivery claimed
        // until a restart; after kRecordTries, end its claim so that it is
        // sent again, with the same idempotency key (at least once).
        if (++record_failures_[d.id] < kRecordTries) {
          again.push_back(std::move(records[k]));
          continue;
        }
        release.push_back(d.id);
        log::Error("giving up recording a notification attempt; it will be sent again",
                   {{"delivery", std::to_string(d.id)}});
      } else if (!d.thread_ts.empty()) {
        // Committed: FindThread answers from now on.
        auto it = threads_started_.find(LaneKey(d));
        if (it != threads_started_.end() && it->second == d.thread_ts) threads_started_.erase(it);
      }
      record_failures_.erase(d.id);
      ++done;
      if (recorded[k] && d.state == core::DeliveryState::kQueued &&
          (!next_retry_ || d.next_attempt_at < *next_retry_)) {
        next_retry_ = d.next_attempt_at;
      }
      // A retry recorded (or given up): the deliveries of its lane held back
      // meanwhile go back to the store, which claims them after the retry.
      if (auto it = held_.find(LaneKey(d)); it != held_.end() && it->second.blocker == d.id) {
        release.insert(release.end(), it->second.ids.begin(), it->second.ids.end());
        done += static_cast<std::int64_t>(it->second.ids.size());
        held_.erase(it);
      }
    }
    in_flight_ -= done;
    if (!again.empty()) {
      outcomes_.insert(outcomes_.begin(), std::make_move_iterator(again.begin()), std::make_move_iterator(again.end()));
      first_outcome_at_ = Steady::now();
      record_not_before_ = Steady::now() + options_.record_max_delay;
    }
  }
  if (!release.empty()) {
    if (auto ok = store_.ReleaseClaims(release); !ok) {
      log::Error("cannot release held-back deliveries", {{"error", ok.error().message}});
    }
  }
  if (!again.empty()) record_cv_.notify_one();
  dispatch_cv_.notify_all();
}

void OutboxWorker::Enqueue(std::vector<core::Delivery> claimed, std::optional<TimePoint> now) {
  // Each incident is read once per claim (not once per delivery); it is at
  // least as new as the commit that queued its deliveries.
  struct IncidentRead {
    std::shared_ptr<const core::Incident> incident;
    bool unreadable = false;
  };
  std::unordered_map<std::string, IncidentRead> incidents;
  // One config snapshot for the claim; each job keeps it alive until sent.
  std::shared_ptr<const core::Config> config = config_();
  for (const auto& d : claimed) {
    if (incidents.count(d.incident_id)) continue;
    IncidentRead read;
    // A notice belongs to no incident (its attempts are recorded on the
    // delivery only: the store has no timeline to add them to).
    if (!d.incident_id.empty() && FindChannel(*config, d.channel)) {
      if (auto inc = store_.GetIncident(d.incident_id)) {
        read.incident = std::make_shared<const core::Incident>(std::move(*inc));
      } else {
        read.unreadable = inc.error().code != ErrorCode::kNotFound;
      }
    }
    incidents.emplace(d.incident_id, std::move(read));
  }
  {
    std::lock_guard lock(mu_);
    for (auto& d : claimed) {
      std::string key = LaneKey(d);
      ++in_flight_;
      if (auto held = held_.find(key); held != held_.end()) {
        // An earlier delivery of this lane is to be retried: this one waits
        // for it (its claim ends once that retry is recorded).
        held->second.ids.push_back(d.id);
        continue;
      }
      auto [ch, added] = channel_index_.try_emplace(d.channel, channels_.size());
      if (added) channels_.push_back(ChannelQueue{std::max(1, options_.per_channel_concurrency), 0, {}});
      Lane& lane = lanes_[key];
      if (!lane.active && lane.jobs.empty()) channels_[ch->second].ready.push_back(key);
      Job job;
      job.config = config;
      job.channel = FindChannel(*config, d.channel);
      const IncidentRead& read = incidents[d.incident_id];
      job.incident = read.incident;
      job.unreadable = read.unreadable;
      job.now = now;
      job.delivery = std::move(d);
      lane.jobs.push_back(std::move(job));
      ++queued_;
    }
  }
  work_cv_.notify_all();
}

bool OutboxWorker::PickLane(std::size_t& channel) {
  for (std::size_t k = 0; k < channels_.size(); ++k) {
    std::size_t c = (next_channel_ + k) % channels_.size();
    if (channels_[c].active < channels_[c].limit && !channels_[c].ready.empty()) {
      channel = c;
      next_channel_ = c + 1;
      return true;
    }
  }
  return false;
}

void OutboxWorker::SenderLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    std::size_t c = 0;
    work_cv_.wait(lock, [&] { return stop_senders_ || PickLane(c); });
    if (stop_senders_) return;
    std::string key = std::move(channels_[c].ready.front());
    channels_[c].ready.pop_front();
    ++channels_[c].active;
    lanes_[key].active = true;
    // The lane stays on this thread (and its keep-alive connection) while it
    // has jobs and no other lane of its channel is waiting for a slot.
    while (true) {
      Lane& lane = lanes_[key];
      Job job = std::move(lane.jobs.front());
      lane.jobs.pop_front();
      --queued_;
      ++sending_;
      lock.unlock();
      core::AttemptRecord record = Attempt(job);
      lock.lock();
      if (record.delivery.state == core::DeliveryState::kQueued) {
        // To be retried: the rest of the lane must not overtake it. Its jobs
        // are held (not sent) until the retry is recorded, then released.
        Held& held = held_[key];
        held.blocker = record.delivery.id;
        for (auto& later : lanes_[key].jobs) held.ids.push_back(later.delivery.id);
        queued_ -= lanes_[key].jobs.size();
        lanes_[key].jobs.clear();
      }
      if (outcomes_.empty()) first_outcome_at_ = Steady::now();
      outcomes_.push_back(std::move(record));
      --sending_;
      if (outcomes_.size() == 1 || outcomes_.size() >= options_.record_batch) record_cv_.notify_one();
      Lane& after = lanes_[key];
      if (!stop_senders_ && !after.jobs.empty() && channels_[c].ready.empty()) continue;
      after.active = false;
      --channels_[c].active;
      if (after.jobs.empty()) {
        lanes_.erase(key);
      } else {
        channels_[c].ready.push_back(key);
      }
      break;
    }
    // This thread takes the slot or lane it freed when it loops; nobody else
    // needs waking for it. RunOnce waits for the last send.
    if (queued_ == 0 && sending_ == 0) done_cv_.notify_all();
  }
}

void OutboxWorker::StartSenders() {
  std::lock_guard lock(mu_);
  if (!senders_.empty()) return;
  stop_senders_ = false;
  for (int k = 0; k < std::max(1, options_.threads); ++k) senders_.emplace_back([this] { SenderLoop(); });
}

int OutboxWorker::RunOnce(TimePoint now) {
  // Claims until nothing more is due (up to `batch`): a delivery held back
  // behind a retry is claimable once that retry is claimed.
  int n = 0;
  while (n < options_.batch) {
    auto claimed = store_.ClaimDeliveries(now, options_.batch - n);
    if (!claimed) {
      log::Error("cannot claim deliveries", {{"error", claimed.error().message}});
      break;
    }
    if (claimed->empty()) break;
    n += static_cast<int>(claimed->size());
    StartSenders();
    Enqueue(std::move(*claimed), now);
  }
  if (n == 0) {
    // Outcomes whose record failed earlier are recorded again now.
    std::vector<core::AttemptRecord> pending;
    {
      std::lock_guard lock(mu_);
      pending.swap(outcomes_);
    }
    Record(std::move(pending));
    return 0;
  }
  std::vector<core::AttemptRecord> outcomes;
  {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return queued_ == 0 && sending_ == 0; });
    outcomes.swap(outcomes_);
  }
  Record(std::move(outcomes));
  return n;
}

void OutboxWorker::DispatchLoop() {
  NameThisThread("tocsin-outbox");
  bool more = true;  // the first pass claims at once
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (!more && !woken_) {
        auto deadline = Steady::now() + options_.idle_poll;
        if (next_retry_) {
          auto wait = std::max(Micros(0), std::chrono::duration_cast<Micros>(*next_retry_ - clock_.Now()));
          deadline = std::min(deadline, Steady::now() + wait);
        }
        dispatch_cv_.wait_until(lock, deadline, [&] { return stop_ || woken_; });
      }
      // Claimed deliveries stay in memory until recorded: wait for room.
      dispatch_cv_.wait(lock, [&] { return stop_ || in_flight_ + options_.batch <= options_.max_in_flight; });
      if (stop_) return;
      woken_ = false;
    }
    TimePoint now = clock_.Now();
    auto claimed = store_.ClaimDeliveries(now, options_.batch);
    if (!claimed) {
      log::Error("cannot claim deliveries", {{"error", claimed.error().message}});
      more = false;
      continue;
    }
    // Anything claimed: claim again at once (deliveries held back behind a
    // retry claimed just now are claimable now; a full batch may have more).
    more = !claimed->empty();
    {
      std::lock_guard lock(mu_);
      if (next_retry_ && *next_retry_ <= now) next_retry_.reset();
    }
    if (!claimed->empty()) Enqueue(std::move(*claimed), std::nullopt);
  }
}

void OutboxWorker::RecorderLoop() {
  NameThisThread("tocsin-recorder");
  std::unique_lock lock(mu_);
  while (true) {
    record_cv_.wait(lock, [&] { return stop_recorder_ || !outcomes_.empty(); });
    if (outcomes_.empty()) return;  // stopping, nothing left
    // After a failed record, the store gets a moment before the next try.
    while (!stop_recorder_ && Steady::now() < record_not_before_) record_cv_.wait_until(lock, record_not_before_);
    // Outcomes wait for a quiet moment (no delivery queued for record_quiet),
    // so that their commit does not delay the commit of an incoming alert,
    // but never longer than record_max_delay, and not when a batch is full.
    while (!stop_recorder_ && outcomes_.size() < options_.record_batch) {
      auto now = Steady::now();
      auto latest = first_outcome_at_ + options_.record_max_delay;
      auto quiet = last_wake_at_ + options_.record_quiet;
      if (now >= latest || now >= quiet) break;
      record_cv_.wait_until(lock, std::min(latest, quiet));
    }
    std::vector<core::AttemptRecord> batch;
    batch.swap(outcomes_);
    lock.unlock();
    Record(std::move(batch));
    lock.lock();
  }
}

void OutboxWorker::Start() {
  if (auto n = store_.RequeueInFlight(); n && *n > 0) {
    log::Warn("requeued deliveries interrupted by a previous stop", {{"count", std::to_string(*n)}});
  }
  {
    std::lock_guard lock(mu_);
    stop_ = false;
    stop_recorder_ = false;
  }
  StartSenders();
  recorder_ = std::thread([this] { RecorderLoop(); });
  dispatcher_ = std::thread([this] { DispatchLoop(); });
}

void OutboxWorker::Stop() {
  // 1. No more claims. 2. The sends in progress finish (queued jobs stay
  // claimed in memory only: the store forgets them, so they are sent after
  // the next start). 3. Every outcome known is recorded.
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  dispatch_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  {
    std::lock_guard lock(mu_);
    stop_senders_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : senders_) t.join();
  {
    std::lock_guard lock(mu_);
    senders_.clear();
    stop_recorder_ = true;
  }
  record_cv_.notify_all();
  if (recorder_.joinable()) recorder_.join();
  std::vector<core::AttemptRecord> left;
  {
    std::lock_guard lock(mu_);
    left.swap(outcomes_);
    lanes_.clear();
    held_.clear();
    for (auto& c : channels_) c.ready.clear();
    queued_ = 0;
  }
  Record(std::move(left));
  std::lock_guard lock(mu_);
  in_flight_ = 0;
}

void OutboxWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
    last_wake_at_ = Steady::now();
  }
  dispatch_cv_.notify_all();
}

}  // namespace tocsin::engine
