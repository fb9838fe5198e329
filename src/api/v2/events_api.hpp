#pragma once
// Live updates: GET /api/v2/events/stream, a Server-Sent Events stream that
// says what changed as soon as the store committed it, one event per change:
//   data: {"kind":"incident","incident_id":"…","created":true}
// (kind: incident, alert, delivery or oncall; incident_id when there is one).
// It carries no incident data: a client refetches through the normal API, so
// what it shows went through the same authorization and rendering. Bounded:
// at most `max_streams` at once (then 503 with Retry-After), a comment every
// 15 s while quiet, and a client that stops reading is dropped.

#include <atomic>
#include <memory>

#include "api/v2/api.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

class EventsApi {
 public:
  explicit EventsApi(const ApiContext& ctx);
  http::Response Stream(const http::Request& request);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tocsin::api::v2
