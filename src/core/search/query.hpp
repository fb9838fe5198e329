#pragma once
// Incident search queries in Datadog's syntax:
//   state:active AND severity:(SEV-1 OR SEV-2) AND NOT team:payments "checkout down"
// facet:value terms, AND (also implicit between terms), OR, NOT / leading '-',
// parentheses, quoted values and bare words (free text on the title).
// Parse produces a small tree; Matches evaluates it against one incident (the
// memory backend), and the SQL backends translate the same tree.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::core {

struct Query {
  enum class Kind { kAll, kTerm, kText, kAnd, kOr, kNot };
  Kind kind = Kind::kAll;
  std::string facet;  // canonical facet for kTerm (see CanonicalFacet)
  std::string value;  // term value or free text
  std::vector<Query> children;
};

// Maps the names users type to the facet Tocsin stores: "team" -> "teams",
// "service" -> "services", "status" -> "state"; others pass through
// ("severity", "commander", "customer_impacted", "title", any custom field).
std::string CanonicalFacet(std::string_view facet);

// kInvalidArgument naming the position and problem for an unparseable query.
Result<Query> ParseQuery(std::string_view text);

// True when `incident` satisfies `query`. Text and title terms match a
// case-insensitive substring of the title; commander matches handle with or
// without '@', or the user's uuid; `*` as a value matches any set value.
bool Matches(const Query& query, const Incident& incident);

// Facet counts for a search answer.
struct FacetCount {
  std::string name;
  std::int64_t count = 0;
  bool operator==(const FacetCount&) const = default;
};
struct SearchFacets {
  std::vector<FacetCount> state;
  std::vector<FacetCount> severity;
  std::vector<FacetCount> commander;  // by handle
  std::vector<std::pair<std::string, std::vector<FacetCount>>> fields;  // teams, services, ...
  // The "phase" term crossed with the severity: per severity, the counts by
  // workflow phase (for /metrics; from the same query as `fields`).
  std::vector<std::pair<std::string, std::vector<FacetCount>>> phase_by_severity;
  bool operator==(const SearchFacets&) const = default;
};

// Sorts each facet list by count (descending) then name, for stable answers.
void NormalizeFacets(SearchFacets& facets);
// Adds `count` incidents of `severity` with the term facet=value to `fields`
// (and to `phase_by_severity` for the phase), for the backends' term counts.
void AddTermCount(SearchFacets& facets, const std::string& facet, const std::string& value, const std::string& severity,
                  std::int64_t count);

}  // namespace tocsin::core
