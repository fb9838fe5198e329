#include "api/ui/web_ui.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <map>

#include "api/ui/embedded.hpp"
#include "api/v2/errors.hpp"
#include "common/html.hpp"
#include "common/password.hpp"
#include "common/random.hpp"
#include "common/time.hpp"

namespace tocsin::ui {
namespace {

using nlohmann::json;
using api::v2::Access;
using api::v2::RouteParams;

struct Asset {
  std::string body;
  std::string content_type;
  std::string etag;
};

std::string ContentTypeOf(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

http::Response JsonAnswer(int status, const json& body) { return http::Response::Json(status, body.dump()); }

// "IR-42" (any case) -> 42.
std::optional<std::int64_t> PublicIdOf(std::string_view raw) {
  if (raw.size() < 4 || raw.size() > 21 || std::toupper(static_cast<unsigned char>(raw[0])) != 'I' ||
      std::toupper(static_cast<unsigned char>(raw[1])) != 'R' || raw[2] != '-') {
    return std::nullopt;
  }
  std::int64_t n = 0;
  for (char c : raw.substr(3)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string PercentEncode(std::string_view in) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

void AddSecurityHeaders(http::Response& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                         "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

struct WebUi::Impl {
  const api::v2::ApiContext& ctx;
  api::v2::Sessions& sessions;
  std::map<std::string, Asset, std::less<>> assets;

  Impl(const api::v2::ApiContext& c, api::v2::Sessions& s) : ctx(c), sessions(s) {
    // Files named _NAME.html are fragments the pages share: "{{>NAME}}" in a
    // page is replaced by the fragment once, here, so pages are served as
    // whole files (and fragments are never served: /assets/ refuses .html).
    std::map<std::string, std::string> fragments;
    for (const auto& f : EmbeddedFiles()) {
      std::string_view name = f.name;
      if (name.size() > 6 && name.front() == '_' && name.substr(name.size() - 5) == ".html") {
        fragments["{{>" + std::string(name.substr(1, name.size() - 6)) + "}}\n"] = std::string(f.text());
      }
    }
    for (const auto& f : EmbeddedFiles()) {
      std::string body(f.text());
      for (const auto& [mark, text] : fragments) {
        for (std::size_t pos = body.find(mark); pos != std::string::npos; pos = body.find(mark, pos + text.size())) {
          body.replace(pos, mark.size(), text);
        }
      }
      assets[f.name] = Asset{body, ContentTypeOf(f.name), "\"" + Sha256Hex(body).substr(0, 20) + "\""};
    }
  }

  const Asset* Find(std::string_view name) const {
    auto it = assets.find(name);
    return it == assets.end() ? nullptr : &it->second;
  }

  http::Response Page(int status, std::string_view name, const std::map<std::string, std::string>& values = {}) const {
    const Asset* a = Find(name);
    http::Response r;
    r.status = a ? status : 500;
    r.content_type = "text/html; charset=utf-8";
    r.body = a ? a->body : "web UI page missing from this build";
    // {{name}} placeholders take HTML-escaped values.
    for (const auto& [key, value] : values) {
      std::string mark = "{{" + key + "}}";
      for (std::size_t pos = r.body.find(mark); pos != std::string::npos; pos = r.body.find(mark, pos)) {
        std::string escaped = HtmlEscape(value);
        r.body.replace(pos, mark.size(), escaped);
        pos += escaped.size();
      }
    }
    r.headers.emplace_back("Cache-Control", "no-store");
    AddSecurityHeaders(r);
    return r;
  }

  // The configured people, for the forms that pick one (commander, override).
  std::string UsersJson() const {
    json users = json::array();
    for (const auto& u : ctx.config->users) users.push_back({{"handle", u.handle}, {"name", u.name}});
    return users.dump();
  }

  static http::Response Redirect(const std::string& location) {
    http::Response r;
    r.status = 303;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Location", location);
    r.headers.emplace_back("Cache-Control", "no-store");
    AddSecurityHeaders(r);
    return r;
  }

  // The signed-in person, or a redirect to the sign-in page that comes back here.
  std::optional<http::Response> NeedSession(const http::Request& req) {
    auto s = sessions.Find(req);
    if (!s) return api::v2::ErrorResponse(s.error());
    if (*s) return std::nullopt;
    // Behind a trusted proxy that names the user: a session, then here again.
    auto proxied = sessions.ProxyUser(req);
    if (!proxied) return api::v2::ErrorResponse(403, proxied.error().message);
    if (*proxied) {
      auto opened = sessions.Open(**proxied);
      if (!opened) return api::v2::ErrorResponse(opened.error());
      http::Response r = Redirect(req.target);
      r.headers.emplace_back("Set-Cookie", sessions.SetCookie(*opened));
      return r;
    }
    return Redirect("/sign-in?next=" + PercentEncode(req.path));
  }

  http::Response AssetAnswer(const http::Request& req, const std::string& name) const {
    const Asset* a = Find(name);
    if (!a || name.find(".html") != std::string::npos) return Page(404, "not-found.html");
    http::Response r;
    r.content_type = a->content_type;
    r.headers.emplace_back("ETag", a->etag);
    r.headers.emplace_back("Cache-Control", "no-cache");
    AddSecurityHeaders(r);
    if (const std::string* inm = req.Header("if-none-match"); inm && *inm == a->etag) {
      r.status = 304;
      return r;
    }
    r.body = a->body;
    return r;
  }

  // The incident a page URL names (UUID or public id), or empty.
  Result<std::optional<core::Incident>> ResolveIncident(const std::string& raw) {
    if (IsUuid(raw)) {
      std::string id = raw;
      for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto inc = ctx.store->GetIncident(id);
      if (!inc) {
        if (inc.error().code == ErrorCode::kNotFound) return std::optional<core::Incident>();
        return tl::unexpected(inc.error());
      }
      return std::optional<core::Incident>(*inc);
    }
    auto n = PublicIdOf(raw);
    if (!n) return std::optional<core::Incident>();
    core::SearchRequest search;
    auto query = core::ParseQuery("public_id:" + std::to_string(*n));
    if (!query) return tl::unexpected(query.error());
    search.query = std::move(*query);
    search.limit = 1;
    search.with_total = false;
    auto page = ctx.store->SearchIncidents(search);
    if (!page) return tl::unexpected(page.error());
    if (page->incidents.empty()) return std::optional<core::Incident>();
    return std::optional<core::Incident>(page->incidents.front());
  }

  http::Response SignIn(const http::Request& req) {
    // Another site's form must not sign a visitor in under its own account.
    const std::string* origin = req.Header("origin");
    const std::string* host = req.Header("host");
    auto same = [&](const std::string& o) {
      std::string public_url = ctx.config->server.public_url;
      while (!public_url.empty() && public_url.back() == '/') public_url.pop_back();
      return (host && (o == "http://" + *host || o == "https://" + *host)) || o == public_url;
    };
    if (origin && !same(*origin)) {
      return api::v2::ErrorResponse(403, "Origin: '" + *origin + "' is not this server");
    }
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::exception&) {
      return api::v2::ErrorResponse(400, "body: not valid JSON; expected {\"handle\": \"...\", \"password\": \"...\"}");
    }
    for (const char* field : {"handle", "password"}) {
      if (!body.is_object() || !body.contains(field) || !body[field].is_string() || body[field].get<std::string>().empty()) {
        return api::v2::ErrorResponse(400, std::string(field) + ": is required (a non-empty string)");
      }
    }
    auto s = sessions.SignIn(body["handle"], body["password"], req.remote_address);
    if (!s) {
      int status = s.error().code == ErrorCode::kPermissionDenied ? 401 : api::v2::HttpStatus(s.error().code);
      auto r = api::v2::ErrorResponse(status, s.error().message);
      if (status == 429) r.headers.emplace_back("Retry-After", "900");
      return r;
    }
    auto r = JsonAnswer(200, {{"handle", s->handle}, {"csrf_token", s->csrf_token}, {"expires", FormatRfc3339(s->expires)}});
    r.headers.emplace_back("Set-Cookie", sessions.SetCookie(*s));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  http::Response Session(const http::Request& req) {
    auto s = sessions.Find(req);
    if (!s) return api::v2::ErrorResponse(s.error());
    if (!*s && req.method == "GET") {
      // Behind a trusted proxy that names the user: open a session for them.
      auto proxied = sessions.ProxyUser(req);
      if (!proxied) return api::v2::ErrorResponse(403, proxied.error().message);
      if (*proxied) {
        auto opened = sessions.Open(**proxied);
        if (!opened) return api::v2::ErrorResponse(opened.error());
        auto r = JsonAnswer(200, {{"handle", opened->handle}, {"csrf_token", opened->csrf_token}});
        r.headers.emplace_back("Set-Cookie", sessions.SetCookie(*opened));
        r.headers.emplace_back("Cache-Control", "no-store");
        return r;
      }
    }
    if (!*s) return api::v2::ErrorResponse(401, "not signed in");
    if (req.method == "GET") {
      auto r = JsonAnswer(200, {{"handle", (*s)->actor.handle}, {"csrf_token", (*s)->csrf_token}});
      r.headers.emplace_back("Cache-Control", "no-store");
      return r;
    }
    // DELETE: sign out (a state change: the CSRF token is required).
    const std::string* csrf = req.Header(api::v2::kCsrfHeader);
    if (!csrf || !SecretsEqual(*csrf, (*s)->csrf_token)) {
      return api::v2::ErrorResponse(403, "X-CSRF-Token: missing or not this session's token");
    }
    if (auto ok = sessions.SignOut((*s)->token_hash); !ok) return api::v2::ErrorResponse(ok.error());
    http::Response r;
    r.status = 204;
    r.headers.emplace_back("Set-Cookie", sessions.ClearCookie());
    return r;
  }
};

WebUi::WebUi(const api::v2::ApiContext& ctx, api::v2::Sessions& sessions)
    : impl_(std::make_unique<Impl>(ctx, sessions)) {}
WebUi::~WebUi() = default;

http::Response WebUi::NotFoundPage() const { return impl_->Page(404, "not-found.html"); }

void WebUi::AddRoutes(api::v2::Router& router) {
  Impl* d = impl_.get();
  auto list = [d](const http::Request& req, const RouteParams&, const core::Actor&) {
    if (auto redirect = d->NeedSession(req)) return *redirect;
    return d->Page(200, "incidents.html");
  };
  router.Add("GET", "/", Access::kSession, list);
  router.Add("GET", "/incidents", Access::kSession, list);
  router.Add("GET", "/incidents/{incident}", Access::kSession,
             [d](const http::Request& req, const RouteParams& p, const core::Actor&) {
               if (auto redirect = d->NeedSession(req)) return *redirect;
               auto inc = d->ResolveIncident(p["incident"]);
               if (!inc) return api::v2::ErrorResponse(inc.error());
               if (!*inc) return d->Page(404, "not-found.html");
               // The configured levels, for the severity control and the acknowledgement deadline.
               json severities = json::array();
               for (const auto& level : d->ctx.config->severities) {
                 severities.push_back({{"name", level.name}, {"label", level.label},
                                       {"response_seconds", level.response_time.count()}});
               }
               return d->Page(200, "incident.html",
                              {{"incident_id", (*inc)->id},
                               {"public_id", "IR-" + std::to_string((*inc)->public_id)},
                               {"severities", severities.dump()},
                               {"users", d->UsersJson()}});
             });
  // Pages whose data all comes from the API; `users` feeds the on-call
  // page's override form.
  for (const char* page : {"on-call", "alerts", "notifications"}) {
    std::string file = std::string(page) + ".html";
    router.Add("GET", std::string("/") + page, Access::kSession,
               [d, file](const http::Request& req, const RouteParams&, const core::Actor&) {
                 if (auto redirect = d->NeedSession(req)) return *redirect;
                 return d->Page(200, file, {{"users", d->UsersJson()}});
               });
  }
  router.Add("GET", "/sign-in", Access::kPublic, [d](const http::Request&, const RouteParams&, const core::Actor&) {
    return d->Page(200, "sign-in.html");
  });
  router.Add("GET", "/assets/{name}", Access::kPublic,
             [d](const http::Request& req, const RouteParams& p, const core::Actor&) {
               return d->AssetAnswer(req, p["name"]);
             });
  router.Add("POST", "/ui/session", Access::kPublic,
             [d](const http::Request& req, const RouteParams&, const core::Actor&) { return d->SignIn(req); });
  router.Add("GET", "/ui/session", Access::kSession,
             [d](const http::Request& req, const RouteParams&, const core::Actor&) { return d->Session(req); });
  router.Add("DELETE", "/ui/session", Access::kSession,
             [d](const http::Request& req, const RouteParams&, const core::Actor&) { return d->Session(req); });
}

}  // namespace tocsin::ui
