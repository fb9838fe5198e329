#include "api/v2/router.hpp"

#include <algorithm>

namespace tocsin::api::v2 {
namespace {

// The number of literal segments when `pattern` matches `path`, else -1.
int Match(const std::vector<std::string>& pattern, const std::vector<std::string>& path, RouteParams& params) {
  int literals = 0;
  for (std::size_t k = 0; k < pattern.size(); ++k) {
    const std::string& seg = pattern[k];
    if (seg == "*") {
      if (k >= path.size()) return -1;
      std::string rest;
      for (std::size_t j = k; j < path.size(); ++j) rest += (rest.empty() ? "" : "/") + path[j];
      params.values["*"] = rest;
      return literals;
    }
    if (k >= path.size()) return -1;
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      params.values[seg.substr(1, seg.size() - 2)] = path[k];
    } else if (seg == path[k]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return pattern.size() == path.size() ? literals : -1;
}

}  // namespace

const std::string& RouteParams::operator[](std::string_view name) const {
  static const std::string kEmpty;
  auto it = values.find(name);
  return it == values.end() ? kEmpty : it->second;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = path.empty() || path.front() != '/' ? 0 : 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::vector<std::string_view> QueryList(const http::Request& req, const std::string& name) {
  std::vector<std::string_view> out;
  auto range = req.query.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view v = it->second;
    std::size_t start = 0;
    while (start <= v.size()) {
      std::size_t end = std::min(v.find(',', start), v.size());
      if (end > start) out.push_back(v.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Access access, RouteHandler handler, Scope write_scope) {
  segments_.push_back(SplitPath(pattern));
  routes_.push_back(Route{std::move(method), std::move(pattern), access, std::move(handler), write_scope});
}

const char* ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kRead: return "read";
    case Scope::kWrite: return "write";
    case Scope::kAdmin: return "admin";
  }
  return "read";
}

std::optional<Scope> ParseScope(std::string_view name) {
  if (name == "read") return Scope::kRead;
  if (name == "write") return Scope::kWrite;
  if (name == "admin") return Scope::kAdmin;
  return std::nullopt;
}

Scope RequiredScope(const Route& route, std::string_view method) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return Scope::kRead;
  return route.write_scope;
}

Router::Found Router::Find(const std::string& method, const std::string& path) const {
  auto parts = SplitPath(path);
  Found found;
  int best = -1;
  int best_any = -1;  // best match for the path with any method
  std::vector<const Route*> others;
  for (std::size_t k = 0; k < routes_.size(); ++k) {
    RouteParams params;
    int score = Match(segments_[k], parts, params);
    if (score < 0) continue;
    const Route& r = routes_[k];
    if (score > best_any) {
      best_any = score;
      others.clear();
    }
    if (score == best_any) others.push_back(&r);
    if ((r.method == method || r.method == "*") && score > best) {
      best = score;
      found.route = &r;
      found.params = std::move(params);
    }
  }
  // A more specific pattern that only takes other methods answers 405 rather
  // than letting a looser one take the request.
  if (found.route && best < best_any) found.route = nullptr;
  if (!found.route) {
    for (const Route* r : others) {
      if (r->method == "*") continue;
      if (found.allow.find(r->method) == std::string::npos) found.allow += (found.allow.empty() ? "" : ", ") + r->method;
    }
  }
  return found;
}

}  // namespace tocsin::api::v2
