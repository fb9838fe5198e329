#include "engine/outbox_worker.hpp"

#include <map>
#include <semaphore>

#include "common/log.hpp"
#include "core/notification/contact.hpp"

namespace tocsin::engine {
namespace {

const core::Channel* FindChannel(const core::Config& config, const std::string& name) {
  for (const auto& c : config.channels) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

OutboxWorker::OutboxWorker(core::Store& store, const core::Config& config, const Clock& clock, OutboxOptions options,
                           SendFn send)
    : store_(store), config_(config), clock_(clock), options_(options), send_(std::move(send)), rng_(std::random_device{}()) {}

OutboxWorker::~OutboxWorker() { Stop(); }

void OutboxWorker::Attempt(core::Delivery d, TimePoint now) {
  using Kind = core::AttemptOutcome::Kind;
  const core::Channel* channel = FindChannel(config_, d.channel);
  core::AttemptOutcome outcome;
  std::optional<core::Incident> incident;
  bool unreadable = false;  // the incident could not be read (which is not: it is gone)
  if (channel) {
    auto inc = store_.GetIncident(d.incident_id);
    if (inc) {
      incident = std::move(*inc);
    } else {
      unreadable = inc.error().code != ErrorCode::kNotFound;
    }
  }
  // A page to a person is not sent once the incident is acknowledged (or gone).
  std::optional<std::string> unwanted =
      channel && !unreadable ? core::WhyNotSend(d, incident ? &*incident : nullptr) : std::nullopt;
  if (!channel) {
    outcome = {Kind::kPermanent, std::nullopt, "channel '" + d.channel + "' is not configured", ""};
  } else if (unreadable && !d.to.empty()) {
    outcome = {Kind::kRetry, std::nullopt, "cannot read the incident to know whether the page is still wanted", ""};
  } else if (unwanted) {
    outcome = {Kind::kCancelled, std::nullopt, *unwanted, ""};
  } else {
    notify::SendContext ctx;
    ctx.config = &config_;
    ctx.public_url = config_.server.public_url;
    ctx.timeout = options_.send_timeout;
    if (incident) ctx.text = d.reason;
    if (channel->type == "slack_webapi" && d.to.empty()) {  // a DM is not part of the channel's thread
      if (auto ts = store_.FindThread(d.incident_id, d.channel)) ctx.thread_ts = *ts;
    }
    try {
      outcome = send_(*channel, d, incident ? &*incident : nullptr, ctx);
    } catch (const std::exception& e) {
      outcome = {Kind::kRetry, std::nullopt, std::string("send failed: ") + e.what(), ""};
    }
  }
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
  if (log::Enabled(log::Level::kDebug)) {
    log::Debug("notification attempt", {{"delivery", std::to_string(d.id)}, {"channel", d.channel}, {"kind", d.kind},
                                        {"recipient", d.to.user}, {"result", event.kind}, {"detail", outcome.detail}});
  }
  if (auto ok = store_.FinishAttempt(d, event); !ok) {
    // The send happened but its record did not: the row stays "sending" and is
    // requeued at the next start, retried with the same idempotency key.
    log::Error("cannot record a notification attempt", {{"delivery", std::to_string(d.id)}, {"error", ok.error().message}});
  }
}

int OutboxWorker::RunOnce(TimePoint now) {
  auto claimed = store_.ClaimDeliveries(now, options_.batch);
  if (!claimed) {
    log::Error("cannot claim deliveries", {{"error", claimed.error().message}});
    return 0;
  }
  if (claimed->empty()) return 0;
  // Per-channel concurrency: each channel's deliveries run on at most N
  // threads; different channels proceed independently, so one slow receiver
  // does not hold up the others.
  std::map<std::string, std::vector<core::Delivery>> by_channel;
  for (auto& d : *claimed) by_channel[d.channel].push_back(std::move(d));
  std::vector<std::vector<core::Delivery>> lanes;
  for (auto& [name, list] : by_channel) {
    int n = std::max(1, std::min(options_.per_channel_concurrency, static_cast<int>(list.size())));
    std::vector<std::vector<core::Delivery>> split(static_cast<std::size_t>(n));
    for (std::size_t k = 0; k < list.size(); ++k) split[k % static_cast<std::size_t>(n)].push_back(std::move(list[k]));
    for (auto& s : split) lanes.push_back(std::move(s));
  }
  std::atomic<std::size_t> next{0};
  auto run = [&] {
    for (std::size_t lane = next++; lane < lanes.size(); lane = next++) {
      for (auto& d : lanes[lane]) Attempt(std::move(d), now);
    }
  };
  std::vector<std::thread> threads;
  int n_threads = std::max(1, std::min(options_.threads, static_cast<int>(lanes.size())));
  for (int k = 1; k < n_threads; ++k) threads.emplace_back(run);
  run();
  for (auto& t : threads) t.join();
  return static_cast<int>(claimed->size());
}

void OutboxWorker::Start() {
  if (auto n = store_.RequeueInFlight(); n && *n > 0) {
    log::Warn("requeued deliveries interrupted by a previous stop", {{"count", std::to_string(*n)}});
  }
  thread_ = std::thread([this] {
    while (true) {
      int sent = RunOnce(clock_.Now());
      std::unique_lock lock(mu_);
      if (stop_) return;
      if (sent == 0) cv_.wait_for(lock, options_.idle_poll, [&] { return stop_ || woken_; });
      woken_ = false;
      if (stop_) return;
    }
  });
}

void OutboxWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

}  // namespace tocsin::engine
