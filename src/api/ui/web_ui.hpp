#pragma once
// The web UI's server side: pages (HTML shells from ui/, filled in by
// ui/app.js through the JSON API), the embedded assets, and sign-in/out.
// Pages need a session (otherwise: to /sign-in); the data they show comes
// from the same /api/v2 routes a key pair uses, with the session cookie.

#include <memory>

#include "api/v2/api.hpp"
#include "api/v2/router.hpp"
#include "api/v2/sessions.hpp"

namespace tocsin::ui {

class WebUi {
 public:
  WebUi(const api::v2::ApiContext& ctx, api::v2::Sessions& sessions);
  ~WebUi();
  void AddRoutes(api::v2::Router& router);
  // The HTML 404 page (for a browser asking for a page that does not exist).
  http::Response NotFoundPage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Adds the security headers every page and asset carries.
void AddSecurityHeaders(http::Response& response);

}  // namespace tocsin::ui
