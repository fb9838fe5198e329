#include "notify/email/email.hpp"

#include "notify/message.hpp"

namespace tocsin::notify::email {

SmtpMessage Build(const core::Channel& channel, const std::string& message, const core::Incident* incident,
                  const core::Delivery& delivery, const SendContext& ctx) {
  SmtpMessage m;
  m.url = Setting(channel, "smtp_url", "smtp://127.0.0.1:25");
  m.from = Setting(channel, "from", "tocsin@localhost");
  std::string to = Setting(channel, "to");
  std::size_t start = 0;
  while (start < to.size()) {
    std::size_t end = to.find(',', start);
    if (end == std::string::npos) end = to.size();
    std::string addr = to.substr(start, end - start);
    addr.erase(0, addr.find_first_not_of(' '));
    addr.erase(addr.find_last_not_of(' ') + 1);
    if (!addr.empty()) m.to.push_back(addr);
    start = end + 1;
  }
  m.username = Setting(channel, "username");
  m.password = Setting(channel, "password");
  m.starttls = Setting(channel, "starttls") == "true";
  std::string subject = incident ? "[" + incident->severity + "] " + incident->title + " (" + IncidentLabel(*incident) + ")"
                                 : "Tocsin test notification";
  std::string data;
  data += "From: " + m.from + "\r\n";
  data += "To: " + to + "\r\n";
  data += "Subject: " + subject + "\r\n";
  data += "Message-ID: <" + delivery.IdempotencyKey() + "@tocsin>\r\n";
  data += "X-Tocsin-Event: " + delivery.kind + "\r\n";
  data += "Content-Type: text/plain; charset=utf-8\r\n";
  data += "\r\n";
  data += message + "\r\n";
  if (incident) data += "\r\n" + IncidentUrl(ctx.public_url, *incident) + "\r\n";
  m.data = std::move(data);
  return m;
}

}  // namespace tocsin::notify::email
