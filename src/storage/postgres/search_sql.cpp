#include "storage/postgres/search_sql.hpp"

#include "storage/sql_text.hpp"

namespace tocsin::storage::postgres {
namespace {

// Adds a parameter and returns its placeholder.
std::string Bind(std::vector<Param>& params, Param p) {
  params.push_back(std::move(p));
  return "$" + std::to_string(params.size());
}

// core::Matches compares titles without ASCII case: lower() of both sides.
std::string TitleContains(const std::string& v, std::vector<Param>& params) {
  return "lower(i.title) LIKE lower(" + Bind(params, LikePattern(v)) + ") ESCAPE '\\'";
}

std::string Term(const core::Query& q, std::vector<Param>& params) {
  const std::string& f = q.facet;
  const std::string& v = q.value;
  bool any = v == "*";
  if (f == "state" || f == "severity") return any ? "TRUE" : "i." + f + " = " + Bind(params, v);
  if (f == "public_id") return any ? "TRUE" : "i.public_id::text = " + Bind(params, v);
  if (f == "title") return any ? "TRUE" : TitleContains(v, params);
  if (f == "customer_impacted") {
    if (any) return "TRUE";
    if (v != "true" && v != "false") return "FALSE";
    return "i.customer_impacted = " + Bind(params, v == "true" ? 1 : 0);
  }
  if (f == "commander") {
    if (any) return "i.commander_uuid IS NOT NULL";
    std::string handle = Bind(params, !v.empty() && v[0] == '@' ? v.substr(1) : v);
    std::string uuid = Bind(params, v);
    return "(COALESCE(i.commander_handle, '') = " + handle + " OR COALESCE(i.commander_uuid, '') = " + uuid + ")";
  }
  std::string facet = Bind(params, f);
  if (any) return "EXISTS (SELECT 1 FROM incident_terms t WHERE t.facet = " + facet + " AND t.incident = i.public_id)";
  return "EXISTS (SELECT 1 FROM incident_terms t WHERE t.facet = " + facet + " AND t.value = " + Bind(params, v) +
         " AND t.incident = i.public_id)";
}

}  // namespace

std::string BuildWhere(const core::Query& q, std::vector<Param>& params) {
  using Kind = core::Query::Kind;
  switch (q.kind) {
    case Kind::kAll: return "TRUE";
    case Kind::kTerm: return Term(q, params);
    case Kind::kText: return TitleContains(q.value, params);
    case Kind::kNot: return "NOT (" + BuildWhere(q.children[0], params) + ")";
    case Kind::kAnd:
    case Kind::kOr: {
      std::string out;
      for (const auto& child : q.children) {
        if (!out.empty()) out += q.kind == Kind::kAnd ? " AND " : " OR ";
        out += "(" + BuildWhere(child, params) + ")";
      }
      return out.empty() ? (q.kind == Kind::kAnd ? "TRUE" : "FALSE") : out;
    }
  }
  return "FALSE";
}

Result<core::SearchFacets> QueryFacets(Connection& c, const std::string& where, const std::vector<Param>& params,
                                       bool only_severity_and_phase) {
  core::SearchFacets f;
  std::string from = " FROM incidents i WHERE i.deleted = 0 AND (" + where + ")";
  auto counts = [&](const std::string& sql, std::vector<core::FacetCount>& out) -> Result<void> {
    auto rows = c.Exec(sql, params, false);
    if (!rows) return tl::unexpected(rows.error());
    for (int r = 0; r < rows->size(); ++r) out.push_back({rows->Text(r, 0), rows->Int(r, 1)});
    return {};
  };
  if (auto ok = only_severity_and_phase ? Result<void>{} : counts("SELECT i.state, COUNT(*)" + from + " GROUP BY i.state", f.state);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = counts("SELECT i.severity, COUNT(*)" + from + " GROUP BY i.severity", f.severity); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = only_severity_and_phase
                    ? Result<void>{}
                    : counts("SELECT i.commander_handle, COUNT(*)" + from +
                                 " AND i.commander_handle IS NOT NULL GROUP BY i.commander_handle",
                             f.commander);
      !ok) {
    return tl::unexpected(ok.error());
  }
  // Term counts by severity too: the fields' counts are their sums, and the
  // phase's are kept per severity (one query either way).
  auto rows = c.Exec(
      "SELECT t.facet, t.value, i.severity, COUNT(*) FROM incident_terms t JOIN incidents i ON i.public_id = t.incident "
      "WHERE i.deleted = 0 AND (" + where + ")" + (only_severity_and_phase ? " AND t.facet = 'phase'" : "") +
          " GROUP BY t.facet, t.value, i.severity",
      params, false);
  if (!rows) return tl::unexpected(rows.error());
  for (int r = 0; r < rows->size(); ++r) {
    core::AddTermCount(f, rows->Text(r, 0), rows->Text(r, 1), rows->Text(r, 2), rows->Int(r, 3));
  }
  core::NormalizeFacets(f);
  return f;
}

}  // namespace tocsin::storage::postgres
