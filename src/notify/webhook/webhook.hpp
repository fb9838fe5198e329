#pragma once
// Generic webhook (type "webhook"; settings `url`, optional `secret` and
// `headers` as "Name: value" pairs separated by ';'). The body carries the
// incident as Datadog's $INCIDENT_* webhook variables describe it; every
// request has an Idempotency-Key header (stable across retries) and, with a
// secret, X-Tocsin-Signature: sha256=<hex HMAC-SHA256 of the body>.

#include "notify/notifier.hpp"

namespace tocsin::notify::webhook {

HttpRequest Build(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                  const core::Delivery& delivery, const SendContext& ctx);

}  // namespace tocsin::notify::webhook
