#pragma once
// Commands that work on a running server through its API (the same requests
// any Datadog client makes), with the key pair from DD_API_KEY and DD_APP_KEY.

#include <string>

#include "common/result.hpp"

namespace tocsin::app {

struct Remote {
  std::string url = "http://127.0.0.1:8080";  // server base URL
  std::string api_key;
  std::string app_key;
};

// `tocsin postmortem INCIDENT`: the incident's post-mortem as Markdown or as
// the API's JSON. INCIDENT is its id (UUID) or its public id (IR-42 or 42).
// Errors name what went wrong (no such incident, no post-mortem, HTTP status).
Result<std::string> FetchPostmortem(const Remote& remote, const std::string& incident, const std::string& format);

// `tocsin reload`: asks the server to reload its config file (POST /-/reload).
// On success, a report of what changed; on a refused file, an error listing
// its problems (the server keeps its running config).
Result<std::string> RequestReload(const Remote& remote);

// `tocsin report weekly [--week W] [--format F]`: the weekly review of an ISO
// week ("2026-W48"; empty = the last full week) as markdown, html or json.
Result<std::string> FetchWeeklyReport(const Remote& remote, const std::string& week, const std::string& format);

}  // namespace tocsin::app
