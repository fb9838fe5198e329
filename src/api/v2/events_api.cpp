#include "api/v2/events_api.hpp"

#include "api/v2/errors.hpp"
#include <nlohmann/json.hpp>

namespace tocsin::api::v2 {

struct EventsApi::State {
  std::shared_ptr<usecases::ChangeFeed> feed;
  std::size_t max_streams = 0;
  std::chrono::milliseconds heartbeat_every{15000};
  std::atomic<std::size_t> open{0};
};

namespace {

std::string EventOf(const usecases::Change& c) {
  nlohmann::json data = {{"kind", usecases::KindName(c.kind)}};
  if (!c.incident_id.empty()) data["incident_id"] = c.incident_id;
  if (c.created) data["created"] = true;
  return "data: " + data.dump() + "\n\n";
}

}  // namespace

EventsApi::EventsApi(const ApiContext& ctx) : state_(std::make_shared<State>()) {
  state_->feed = ctx.changes;
  state_->max_streams = ctx.max_event_streams;
  state_->heartbeat_every = ctx.event_heartbeat;
}

http::Response EventsApi::Stream(const http::Request&) {
  auto st = state_;
  if (!st->feed) return ErrorResponse(503, "live updates are not available in this process");
  if (st->open.fetch_add(1) >= st->max_streams) {
    st->open.fetch_sub(1);
    auto r = ErrorResponse(503, "too many event streams open (at most " + std::to_string(st->max_streams) +
                                    "); retry later");
    r.headers.emplace_back("Retry-After", "10");
    return r;
  }
  http::Response r;
  r.status = 200;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events on at once
  r.stream = std::make_shared<http::ResponseStream>();
  auto subscription = std::make_shared<std::atomic<std::uint64_t>>(0);
  r.stream->heartbeat = ": keep-alive\n\n";
  r.stream->heartbeat_every = st->heartbeat_every;
  r.stream->open = [st, subscription](std::shared_ptr<http::StreamWriter> writer) {
    // The client reconnects after 3 s when the connection drops.
    writer->Send("retry: 3000\n: connected\n\n");
    // Until `closed` unsubscribes it (the writer only names its connection).
    subscription->store(st->feed->Subscribe([writer](const usecases::Change& c) { writer->Send(EventOf(c)); }));
  };
  r.stream->closed = [st, subscription] {
    if (auto id = subscription->load()) st->feed->Unsubscribe(id);
    st->open.fetch_sub(1);
  };
  return r;
}

}  // namespace tocsin::api::v2
