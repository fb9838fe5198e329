#pragma once
// Deliveries and channels:
//   GET  /api/v2/notifications  (filter[state], filter[channel], filter[incident], page[size], page[offset])
//   GET  /api/v2/channels       (names and types; never secrets)
//   POST /api/v2/channels/{name}/test  (sends a test message now and says how it went)

#include "api/v2/api.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

http::Response ListNotifications(const ApiContext& ctx, const http::Request& request);
http::Response ListChannels(const ApiContext& ctx);
http::Response TestChannel(const ApiContext& ctx, const std::string& name);

}  // namespace tocsin::api::v2
