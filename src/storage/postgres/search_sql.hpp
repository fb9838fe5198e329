#pragma once
// Translates a core::Query into a PostgreSQL condition over `incidents i`
// (and the incident_terms side table) with $n parameters, and computes
// facets. Semantics must equal core::Matches; the conformance suite checks.

#include <string>
#include <vector>

#include "core/search/query.hpp"
#include "storage/postgres/pg_db.hpp"

namespace tocsin::storage::postgres {

// Appends the condition's parameters to `params` (numbered from its size).
std::string BuildWhere(const core::Query& query, std::vector<Param>& params);

// `only_severity_and_phase`: SearchRequest::Facets::kSeverityAndPhase.
Result<core::SearchFacets> QueryFacets(Connection& c, const std::string& where, const std::vector<Param>& params,
                                       bool only_severity_and_phase = false);

}  // namespace tocsin::storage::postgres
