#include "app/try_notify.hpp"

#include "notify/notifier.hpp"

namespace tocsin::app {

Result<std::vector<ContactTry>> TryContactMethods(const core::Config& config, const std::string& handle, TimePoint now) {
  std::string name = !handle.empty() && handle[0] == '@' ? handle.substr(1) : handle;
  const core::User* user = config.FindUser(name);
  if (!user) return NotFound("no user with handle '" + name + "'");
  if (user->contact_methods.empty()) {
    return InvalidArgument("@" + name + " has no contact_methods: pages go to the team's PagerDuty channel");
  }
  std::vector<ContactTry> out;
  for (std::size_t k = 0; k < user->contact_methods.size(); ++k) {
    const core::ContactMethod& m = user->contact_methods[k];
    core::Delivery d;
    d.kind = "test";
    d.channel = m.channel;
    d.created = d.next_attempt_at = now;
    d.to = core::ContactTarget{user->handle, static_cast<int>(k + 1), m.type, m.type == "pagerduty" ? "" : m.address};
    std::string what = "@" + user->handle + " by " + core::ContactTypeLabel(m.type) + " (contact method " +
                       std::to_string(k + 1) + ", via " + m.channel + ")";
    const core::Channel* channel = config.FindChannel(m.channel);
    if (!channel) {
      out.push_back({what, {core::AttemptOutcome::Kind::kPermanent, std::nullopt, "channel is not configured", ""}});
      continue;
    }
    notify::SendContext ctx;
    ctx.config = &config;
    ctx.public_url = config.server.public_url;
    out.push_back({what, notify::Send(*channel, d, nullptr, ctx)});
  }
  return out;
}

}  // namespace tocsin::app
