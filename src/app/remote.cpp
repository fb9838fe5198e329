#include "app/remote.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>

#include "notify/transport.hpp"

namespace tocsin::app {
namespace {

constexpr std::chrono::seconds kTimeout{10};

notify::HttpAnswer Get(const Remote& r, const std::string& path, const std::string& accept) {
  notify::HttpRequest req{r.url + path, {{"DD-API-KEY", r.api_key}, {"DD-APPLICATION-KEY", r.app_key}, {"Accept", accept}}, ""};
  return notify::Get(req, kTimeout);
}

Error AnswerError(const notify::HttpAnswer& a, const std::string& what) {
  if (a.status == 0) return Error{ErrorCode::kUnavailable, what + ": " + a.transport_error};
  std::string detail = a.body;
  auto body = nlohmann::json::parse(a.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() && !body["errors"].empty() &&
      body["errors"][0].is_string()) {
    detail = body["errors"][0].get<std::string>();
  }
  ErrorCode code = a.status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument;
  return Error{code, what + ": HTTP " + std::to_string(a.status) + ": " + detail};
}

// "IR-42" or "42" -> the incident's UUID, by searching public_id:42.
Result<std::string> ResolveIncident(const Remote& r, const std::string& incident) {
  std::string digits = incident;
  if (digits.size() > 3 && (digits.rfind("IR-", 0) == 0 || digits.rfind("ir-", 0) == 0)) digits = digits.substr(3);
  bool numeric = !digits.empty() && digits.size() <= 18;
  for (char c : digits) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
  if (!numeric) return incident;  // a UUID: the server checks it
  auto a = Get(r, "/api/v2/incidents/search?query=public_id:" + digits, "application/json");
  if (a.status != 200) return tl::unexpected(AnswerError(a, "finding IR-" + digits));
  auto body = nlohmann::json::parse(a.body, nullptr, false);
  auto& found = body["data"]["attributes"]["incidents"];
  if (!found.is_array() || found.empty()) return NotFound("no incident IR-" + digits);
  return found[0]["data"]["id"].get<std::string>();
}

}  // namespace

Result<std::string> FetchPostmortem(const Remote& remote, const std::string& incident, const std::string& format) {
  if (format != "markdown" && format != "json") {
    return InvalidArgument("--format: '" + format + "' is not markdown or json");
  }
  auto id = ResolveIncident(remote, incident);
  if (!id) return tl::unexpected(id.error());
  auto a = Get(remote, "/api/v2/incidents/" + *id + "/postmortem",
               format == "markdown" ? "text/markdown" : "application/json");
  if (a.status != 200) return tl::unexpected(AnswerError(a, "post-mortem of " + incident));
  if (format == "json") return nlohmann::json::parse(a.body, nullptr, false).dump(2) + "\n";
  return a.body;
}

Result<std::string> RequestReload(const Remote& remote) {
  notify::HttpRequest req{remote.url + "/-/reload",
                          {{"DD-API-KEY", remote.api_key}, {"DD-APPLICATION-KEY", remote.app_key},
                           {"Content-Type", "application/json"}},
                          ""};
  auto a = notify::Post(req, kTimeout);
  auto body = nlohmann::json::parse(a.body, nullptr, false);
  if (a.status == 200 && body.is_object()) {
    std::string out = "reloaded: config " + body.value("config_hash", std::string()).substr(0, 12) + " (was " +
                      body.value("previous_config_hash", std::string()).substr(0, 12) + ")\n";
    for (const auto& c : body["changes"]) out += "  " + c.get<std::string>() + "\n";
    if (body["changes"].empty()) out += "  no change\n";
    for (const auto& r : body["needs_restart"]) out += "  needs restart: " + r.get<std::string>() + "\n";
    return out;
  }
  if (a.status == 400 && body.is_object() && body["errors"].is_array()) {
    std::string out = "the server refused the configuration and keeps running the old one:";
    for (const auto& e : body["errors"]) out += "\n  " + (e.is_string() ? e.get<std::string>() : e.dump());
    return InvalidArgument(out);
  }
  return tl::unexpected(AnswerError(a, "reload"));
}

Result<std::string> FetchWeeklyReport(const Remote& remote, const std::string& week, const std::string& format) {
  std::string accept = format == "markdown" ? "text/markdown" : format == "html" ? "text/html" : "application/json";
  if (format != "markdown" && format != "html" && format != "json") {
    return InvalidArgument("--format: '" + format + "' is not markdown, html or json");
  }
  std::string path = "/api/v2/reports/weekly";
  if (!week.empty()) {
    // An ISO week is letters, digits and '-' only; anything else the server refuses by name.
    std::string encoded;
    for (char c : week) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
        encoded += c;
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        encoded += hex;
      }
    }
    path += "?week=" + encoded;
  }
  auto a = Get(remote, path, accept);
  if (a.status != 200) return tl::unexpected(AnswerError(a, "weekly report"));
  if (format == "json") return nlohmann::json::parse(a.body, nullptr, false).dump(2) + "\n";
  return a.body;
}

}  // namespace tocsin::app
