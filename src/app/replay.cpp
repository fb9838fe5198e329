#include "app/replay.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>

#include "app/reload.hpp"
#include "notify/transport.hpp"
#include "usecases/replay.hpp"

namespace tocsin::app {

Result<std::string> ReplayCandidate(const core::Config& in_force, core::Store& store, const std::string& candidate_yaml,
                                    const std::string& name, const std::string& since, const std::string& format,
                                    TimePoint now) {
  // The cheap checks first: a bad request never costs a config load.
  if (auto ok = usecases::CheckReplayFormat(format); !ok) return tl::unexpected(ok.error());
  if (auto from = usecases::ReplayStart(since, now); !from) return tl::unexpected(from.error());
  CheckedConfig checked = CheckConfigText(candidate_yaml, name);
  if (!checked.problems.empty()) {
    std::string message = "candidate config is invalid; nothing was replayed:";
    for (const auto& p : checked.problems) message += "\n  " + p;
    return InvalidArgument(message);
  }
  return usecases::Replay(store, in_force, checked.config, since, format, now);
}

Result<std::string> RequestReplay(const Remote& remote, const std::string& candidate_yaml, const std::string& since,
                                  const std::string& format) {
  std::string query = "?format=" + format + "&since=";
  for (char c : since) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') {
      query += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      query += hex;
    }
  }
  notify::HttpRequest req{remote.url + "/api/v2/config/replay" + query,
                          {{"DD-API-KEY", remote.api_key}, {"DD-APPLICATION-KEY", remote.app_key},
                           {"Content-Type", "application/yaml"}},
                          candidate_yaml};
  auto a = notify::Post(req, std::chrono::seconds(120));
  if (a.status == 200) return a.body;
  if (a.status == 0) return MakeError(ErrorCode::kUnavailable, "replay: " + a.transport_error);
  std::string detail = a.body;
  auto body = nlohmann::json::parse(a.body, nullptr, false);
  if (body.is_object() && body["errors"].is_array() && !body["errors"].empty() && body["errors"][0].is_string()) {
    detail = body["errors"][0].get<std::string>();
  }
  return InvalidArgument("replay: HTTP " + std::to_string(a.status) + ": " + detail);
}

}  // namespace tocsin::app
