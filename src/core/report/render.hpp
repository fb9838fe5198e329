#pragma once
// The weekly review as Markdown (chat, the CLI), HTML with inline SVG charts
// (email: no script, no external resource, well-formed XML) and JSON (the
// API). Markdown and HTML are laid out from one document model, so they say
// the same things; times are shown in the report's time zone.

#include <string>

#include "common/json_writer.hpp"
#include "core/report/weekly.hpp"

namespace tocsin::core::report {

std::string RenderMarkdown(const WeeklyReport& report);
std::string RenderHtml(const WeeklyReport& report);
// Compact JSON: {"week": "2026-W48", "time_zone": ..., "targets": [...], ...}
// (docs/metrics.md shows the shape).
std::string RenderJson(const WeeklyReport& report);
// One error budget as a JSON object (also the analytics endpoint's items).
void ErrorBudgetJson(JsonWriter& w, const metrics::ErrorBudget& budget);

}  // namespace tocsin::core::report
