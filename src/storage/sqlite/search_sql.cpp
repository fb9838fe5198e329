#include "storage/sqlite/search_sql.hpp"

#include "storage/sql_text.hpp"

namespace tocsin::storage::sqlite {
namespace {

std::string Term(const core::Query& q, std::vector<Param>& params) {
  const std::string& f = q.facet;
  const std::string& v = q.value;
  bool any = v == "*";
  auto column = [&](const char* col) -> std::string {
    if (any) return "1";
    params.emplace_back(v);
    return std::string("i.") + col + " = ?";
  };
  if (f == "state") return column("state");
  if (f == "severity") return column("severity");
  if (f == "public_id") {
    if (any) return "1";
    params.emplace_back(v);
    return "CAST(i.public_id AS TEXT) = ?";
  }
  if (f == "title") {
    if (any) return "1";
    params.emplace_back(LikePattern(v));
    return "i.title LIKE ? ESCAPE '\\'";
  }
  if (f == "customer_impacted") {
    if (any) return "1";
    if (v != "true" && v != "false") return "0";
    params.emplace_back(static_cast<std::int64_t>(v == "true" ? 1 : 0));
    return "i.customer_impacted = ?";
  }
  if (f == "commander") {
    if (any) return "i.commander_uuid IS NOT NULL";
    params.emplace_back(!v.empty() && v[0] == '@' ? v.substr(1) : v);
    params.emplace_back(v);
    return "(IFNULL(i.commander_handle, '') = ? OR IFNULL(i.commander_uuid, '') = ?)";
  }
  params.emplace_back(f);
  if (any) return "EXISTS (SELECT 1 FROM incident_terms t WHERE t.facet = ? AND t.incident = i.public_id)";
  params.emplace_back(v);
  return "EXISTS (SELECT 1 FROM incident_terms t WHERE t.facet = ? AND t.value = ? AND t.incident = i.public_id)";
}

Result<std::vector<core::FacetCount>> Counts(Connection& c, const std::string& sql, const std::vector<Param>& params) {
  auto q = c.Prepare(sql, false);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(params);
  std::vector<core::FacetCount> out;
  while (true) {
    auto step = q->Step();
    if (!step) return tl::unexpected(step.error());
    if (!*step) break;
    out.push_back({q->Text(0), q->Int(1)});
  }
  return out;
}

}  // namespace

std::string BuildWhere(const core::Query& q, std::vector<Param>& params) {
  using Kind = core::Query::Kind;
  switch (q.kind) {
    case Kind::kAll: return "1";
    case Kind::kTerm: return Term(q, params);
    case Kind::kText:
      params.emplace_back(LikePattern(q.value));
      return "i.title LIKE ? ESCAPE '\\'";
    case Kind::kNot: return "NOT (" + BuildWhere(q.children[0], params) + ")";
    case Kind::kAnd:
    case Kind::kOr: {
      std::string out;
      for (const auto& child : q.children) {
        if (!out.empty()) out += q.kind == Kind::kAnd ? " AND " : " OR ";
        out += "(" + BuildWhere(child, params) + ")";
      }
      return out;
    }
  }
  return "0";
}

Result<core::SearchFacets> QueryFacets(Connection& c, const std::string& where, const std::vector<Param>& params,
                                       bool only_severity_and_phase) {
  core::SearchFacets f;
  std::string from = " FROM incidents i WHERE i.deleted = 0 AND (" + where + ")";
  if (!only_severity_and_phase) {
    auto state = Counts(c, "SELECT i.state, COUNT(*)" + from + " GROUP BY i.state", params);
    if (!state) return tl::unexpected(state.error());
    f.state = std::move(*state);
  }
  auto severity = Counts(c, "SELECT i.severity, COUNT(*)" + from + " GROUP BY i.severity", params);
  if (!severity) return tl::unexpected(severity.error());
  f.severity = std::move(*severity);
  if (!only_severity_and_phase) {
    auto commander = Counts(c,
                            "SELECT i.commander_handle, COUNT(*)" + from +
                                " AND i.commander_handle IS NOT NULL GROUP BY i.commander_handle",
                            params);
    if (!commander) return tl::unexpected(commander.error());
    f.commander = std::move(*commander);
  }
  // Term counts by severity too: the fields' counts are their sums, and the
  // phase's are kept per severity (one query either way).
  auto q = c.Prepare(
      "SELECT t.facet, t.value, i.severity, COUNT(*) FROM incident_terms t JOIN incidents i ON i.public_id = t.incident "
      "WHERE i.deleted = 0 AND (" + where + ")" + (only_severity_and_phase ? " AND t.facet = 'phase'" : "") +
          " GROUP BY t.facet, t.value, i.severity",
      false);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(params);
  while (true) {
    auto step = q->Step();
    if (!step) return tl::unexpected(step.error());
    if (!*step) break;
    core::AddTermCount(f, q->Text(0), q->Text(1), q->Text(2), q->Int(3));
  }
  core::NormalizeFacets(f);
  return f;
}

}  // namespace tocsin::storage::sqlite
