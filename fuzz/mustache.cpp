// Notification templates (notify/message.hpp RenderTemplate): an operator's
// `template` setting is any text; it renders or is refused, never a crash.
// The first byte picks plain text or Slack's mrkdwn escaping.
#include <cstdlib>

#include "fuzz_support.hpp"
#include "notify/message.hpp"
#include "notify/text.hpp"

namespace {

const tocsin::core::Incident& SampleIncident() {
  static const tocsin::core::Incident incident = [] {
    tocsin::core::Incident i;
    i.id = "00000000-0000-4000-8000-000000000001";
    i.public_id = 12;
    i.title = "Checkout <down> & *degraded* {{title}}";
    i.severity = "SEV-1";
    i.created = i.modified = tocsin::fuzz::FixedNow();
    i.commander_handle = "@payments-oncall";
    return i;
  }();
  return incident;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  tocsin::notify::MessageInput input;
  input.incident = (data[0] & 2) ? nullptr : &SampleIncident();
  input.kind = (data[0] & 4) ? "incident_resolved" : "incident_opened";
  input.text = "status {{#is_alert}} text";
  input.channel = "fuzz";
  input.public_url = "https://tocsin.example.com";
  input.config = &tocsin::fuzz::ExampleConfig();
  tocsin::notify::Escape escape = (data[0] & 1) ? &tocsin::notify::EscapeMrkdwn : nullptr;
  std::string tmpl(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto out = tocsin::notify::RenderTemplate(tmpl, input, escape);
  if (!out && out.error().message.empty()) std::abort();
  (void)tocsin::notify::RenderMessage(input, tmpl, escape);
  return 0;
}
