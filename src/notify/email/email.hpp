#pragma once
// Email over SMTP through libcurl (type "email"; settings `smtp_url`
// (smtp://host:port or smtps://host:port), `from`, `to` (comma-separated),
// optional `username`, `password`, `starttls: true`).

#include "notify/notifier.hpp"

namespace tocsin::notify::email {

SmtpMessage Build(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                  const core::Delivery& delivery, const SendContext& ctx);

}  // namespace tocsin::notify::email
