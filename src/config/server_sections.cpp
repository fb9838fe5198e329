// server: and storage: — process settings.

#include <cctype>
#include <charconv>
#include <fstream>

#include "common/ip_network.hpp"
#include "config/sections.hpp"

namespace tocsin::config::detail {
namespace {

// HOST:PORT, with IPv6 hosts in brackets ("[::1]:8080"). Port 0 asks the OS for a free port.
bool IsListenAddress(const std::string& text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = std::string_view(text).substr(1, close - 1);
    port = std::string_view(text).substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = std::string_view(text).substr(0, colon);
    port = std::string_view(text).substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return false;  // bare IPv6 needs brackets
  }
  if (host.empty() || port.empty() || host.find(' ') != std::string_view::npos) return false;
  unsigned number = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  return ec == std::errc() && ptr == port.data() + port.size() && number <= 65535;
}

bool IsHttpUrl(const std::string& text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.size() > scheme.size() && text.compare(0, scheme.size(), scheme) == 0) return true;
  }
  return false;
}

constexpr std::int64_t kMaxBytes = std::int64_t{1} << 40;
constexpr std::int64_t kMaxThreads = 4096;
constexpr std::int64_t kMaxConnections = 1'000'000;

}  // namespace

void LoadServer(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  core::ServerConfig& server = state.config.server;
  auto fields = r.Map(value, {"listen", "max_body_bytes", "max_header_bytes", "read_timeout",
                              "idle_timeout", "max_connections", "io_threads", "worker_threads",
                              "log_format", "log_level", "public_url", "rate_limit", "session_lifetime",
                              "auth_proxy_header", "auth_proxy_addresses", "tls", "metrics_public"});
  if (!fields) return;

  if (const Value* v = fields->Get("listen")) {
    if (auto text = r.String(v)) {
      if (IsListenAddress(*text)) {
        server.listen = *text;
      } else {
        r.Report(*v,
                 "expected HOST:PORT such as 127.0.0.1:8080 or [::1]:8080, got '" + *text + "'");
      }
    }
  }
  if (auto n = r.Integer(fields->Get("max_body_bytes"), 1, kMaxBytes)) {
    server.max_body_bytes = static_cast<std::size_t>(*n);
  }
  if (auto n = r.Integer(fields->Get("max_header_bytes"), 1, kMaxBytes)) {
    server.max_header_bytes = static_cast<std::size_t>(*n);
  }
  if (auto d = r.Duration(fields->Get("read_timeout"))) server.read_timeout = *d;
  if (auto d = r.Duration(fields->Get("idle_timeout"))) server.idle_timeout = *d;
  if (auto n = r.Integer(fields->Get("max_connections"), 1, kMaxConnections)) {
    server.max_connections = static_cast<int>(*n);
  }
  if (auto n = r.Integer(fields->Get("io_threads"), 0, kMaxThreads)) {
    server.io_threads = static_cast<int>(*n);
  }
  if (auto n = r.Integer(fields->Get("worker_threads"), 1, kMaxThreads)) {
    server.worker_threads = static_cast<int>(*n);
  }
  if (auto s = r.OneOf(fields->Get("log_format"), {"text", "json"})) server.log_format = *s;
  if (auto s = r.OneOf(fields->Get("log_level"), {"trace", "debug", "info", "warn", "error"})) {
    server.log_level = *s;
  }
  if (const Value* v = fields->Get("public_url")) {
    if (auto text = r.String(v)) {
      if (IsHttpUrl(*text)) {
        server.public_url = *text;
      } else {
        r.Report(*v, "expected an http:// or https:// URL, got '" + *text + "'");
      }
    }
  }
  if (const Value* v = fields->Get("session_lifetime")) {
    if (auto d = r.Duration(v)) {
      if (*d > std::chrono::hours(24 * 30)) {
        r.Report(*v, "must be at most 30 days (720h)");
      } else {
        server.session_lifetime = *d;
      }
    }
  }
  if (const Value* v = fields->Get("auth_proxy_header")) {
    if (auto text = r.String(v)) {
      bool token = !text->empty() && text->size() <= 64;
      for (char c : *text) token = token && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
      if (token) {
        server.auth_proxy_header = *text;
      } else {
        r.Report(*v, "expected an HTTP header name such as X-Forwarded-User, got '" + *text + "'");
      }
    }
  }
  if (const Value* v = fields->Get("auth_proxy_addresses")) {
    if (auto items = r.StringList(v, Reader::ListForm::kListOrScalar)) {
      for (const auto& item : *items) {
        if (ParseIpNetwork(item.text)) {
          server.auth_proxy_addresses.push_back(item.text);
        } else {
          r.Report(item.mark, "server.auth_proxy_addresses: '" + item.text +
                                  "' is not an IP address or network (10.0.0.7, 10.0.0.0/8, ::1)");
        }
      }
    }
  }
  if (!server.auth_proxy_header.empty() && !fields->Get("auth_proxy_addresses")) {
    r.Report(*fields->Get("auth_proxy_header"),
             "needs server.auth_proxy_addresses (the proxy's addresses), or anyone could sign in as anyone by "
             "sending the header");
  }
  if (const Value* v = fields->Get("tls")) {
    if (auto tls = r.Map(*v, {"cert_file", "key_file"})) {
      const Value* cert = tls->Get("cert_file");
      const Value* key = tls->Get("key_file");
      if (!cert || !key) {
        r.Report(*v, "needs both cert_file and key_file (PEM files)");
      } else {
        auto readable = [&r](const Value* file, std::string& out) {
          auto text = r.String(file);
          if (!text) return;
          if (text->empty()) return r.Report(*file, "must not be empty");
          std::ifstream in(*text);
          if (!in) return r.Report(*file, "cannot read '" + *text + "'");
          out = *text;
        };
        readable(cert, server.tls_cert_file);
        readable(key, server.tls_key_file);
      }
    }
  }
  if (auto b = r.Bool(fields->Get("metrics_public"))) server.metrics_public = *b;
  if (const Value* v = fields->Get("rate_limit")) {
    if (auto limit = r.Map(*v, {"requests", "period"})) {
      if (auto n = r.Integer(limit->Get("requests"), 1, 1'000'000'000)) {
        server.rate_limit_requests = static_cast<int>(*n);
      }
      if (auto d = r.Duration(limit->Get("period"))) server.rate_limit_period = *d;
    }
  }
}

void LoadStorage(LoadState& state, const Value& value) {
  Reader& r = state.reader;
  core::StorageConfig& storage = state.config.storage;
  auto fields = r.Map(value, {"driver", "data_dir", "postgres_dsn", "url", "claim_lease", "allow_config_roll"});
  if (!fields) return;
  if (auto s = r.OneOf(fields->Get("driver"), {"sqlite", "memory", "postgres"})) {
    storage.driver = *s;
  }
  if (const Value* v = fields->Get("data_dir")) {
    if (auto s = r.String(v)) {
      if (s->empty()) {
        r.Report(*v, "must not be empty");
      } else {
        storage.data_dir = *s;
      }
    }
  }
  // `url` is another name for postgres_dsn (postgres://user@host/db or ${TOCSIN_DATABASE_URL}).
  const Value* dsn = fields->Get("postgres_dsn");
  if (const Value* url = fields->Get("url")) {
    if (dsn != nullptr) {
      r.Report(*url, "give either url or postgres_dsn, not both");
    } else {
      dsn = url;
    }
  }
  if (const Value* v = fields->Get("claim_lease")) {
    if (auto d = r.Duration(v)) {
      if (*d < std::chrono::seconds(1)) {
        r.Report(*v, "must be at least 1s");
      } else {
        storage.claim_lease = *d;
      }
    }
  }
  if (auto b = r.Bool(fields->Get("allow_config_roll"))) storage.allow_config_roll = *b;
  std::optional<std::string> dsn_text = r.String(dsn);
  if (dsn_text) storage.postgres_dsn = *dsn_text;
  // The driver can only be postgres here if the key was written, so Get("driver") is set.
  if (storage.driver == "postgres") {
    if (dsn == nullptr) {
      r.Report(*fields->Get("driver"), "postgres needs storage.url (or postgres_dsn)");
    } else if (dsn_text && dsn_text->empty()) {
      r.Report(*dsn, "must not be empty when storage.driver is postgres");
    }
  }
}

}  // namespace tocsin::config::detail
