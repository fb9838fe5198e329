#pragma once
// Routes as data: each route is a method, a path pattern, the credentials it
// needs and its handler. The API's router, and later its route-table test and
// OpenAPI document, read the same table.
//
// Patterns are '/'-separated segments: a literal ("incidents"), a parameter
// ("{incident_id}", one segment, captured by name) or, last, "*" (one or more
// further segments, captured as "*"). When several patterns match a path, the
// one with more literal segments wins, so "/api/v2/incidents/search" beats
// "/api/v2/incidents/{incident_id}" whatever the order of registration.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident/incident.hpp"
#include "http/message.hpp"

namespace tocsin::api::v2 {

// Who may call a route.
enum class Access {
  kPublic,  // anyone (health checks, metrics)
  kIngest,  // the handler checks an ingestion key itself (alert senders)
  kApiKey,  // a DD-API-KEY + DD-APPLICATION-KEY pair, or a signed-in person's session
            // cookie (+ X-CSRF-Token on writes); the actor is its user
  kSession, // web UI pages and the session itself: the handler checks the session
            // (a page without one redirects to sign-in)
  kScrape,  // /metrics: an API key pair as for kApiKey, also as HTTP basic auth
            // (user = API key, password = application key, what Prometheus
            // sends); anyone when server.metrics_public is true
};

// What an API key pair must be allowed to do (core::KeyRecord::scope), in
// increasing power. A route's reads (GET, HEAD, OPTIONS) need kRead; its other
// methods need the route's write_scope (kWrite unless registered otherwise).
enum class Scope { kRead = 0, kWrite = 1, kAdmin = 2 };
const char* ScopeName(Scope scope);
// "read", "write" or "admin"; anything else is nullopt.
std::optional<Scope> ParseScope(std::string_view name);

struct RouteParams {
  std::map<std::string, std::string, std::less<>> values;
  const std::string& operator[](std::string_view name) const;
};

using RouteHandler = std::function<http::Response(const http::Request&, const RouteParams&, const core::Actor&)>;

struct Route {
  std::string method;  // "GET", "POST", ...; "*" for any (the handler answers 405 itself)
  std::string pattern;
  Access access = Access::kApiKey;
  RouteHandler handler;
  Scope write_scope = Scope::kWrite;
};

// The scope a request with `method` needs on `route`.
Scope RequiredScope(const Route& route, std::string_view method);

class Router {
 public:
  void Add(std::string method, std::string pattern, Access access, RouteHandler handler,
           Scope write_scope = Scope::kWrite);
  const std::vector<Route>& routes() const { return routes_; }

  struct Found {
    const Route* route = nullptr;  // null: no route for this method (see allow)
    RouteParams params;
    std::string allow;  // the path matched other methods only: "GET, POST"
  };
  // The best route for the request's method and path. An empty `allow` with
  // no route means no pattern matched the path at all (404).
  Found Find(const std::string& method, const std::string& path) const;

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> segments_;  // routes_[k]'s pattern, split
};

std::vector<std::string> SplitPath(std::string_view path);

// The items of a comma-separated query parameter over all its occurrences
// ("include=a,b&include=c" -> a, b, c), empty items left out. The views point
// into `req`.
std::vector<std::string_view> QueryList(const http::Request& req, const std::string& name);

}  // namespace tocsin::api::v2
