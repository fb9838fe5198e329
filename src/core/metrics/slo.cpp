#include "core/metrics/slo.hpp"

#include <algorithm>
#include <cmath>

namespace tocsin::core::metrics {
namespace {

constexpr Micros kDay = std::chrono::hours(24);

bool OfService(const Incident& i, const std::string& service) {
  auto it = i.fields.find("services");
  if (it == i.fields.end()) return false;
  auto values = it->second.Values();
  return std::find(values.begin(), values.end(), service) != values.end();
}

Micros Fraction(Micros d, double percent) {
  return Micros(std::llround(static_cast<double>(d.count()) * percent / 100.0));
}

}  // namespace

std::vector<Span> ImpactSpans(const Incident& i, TimePoint now) {
  std::vector<Span> out;
  TimePoint open_end = IsClosed(i.state) && i.resolved ? *i.resolved : now;
  if (i.customer_impact_start) {
    out.push_back({*i.customer_impact_start, i.customer_impact_end.value_or(open_end)});
  }
  for (const auto& impact : i.impacts) out.push_back({impact.start, impact.end.value_or(open_end)});
  return out;
}

Micros UnionLength(std::vector<Span> spans, TimePoint from, TimePoint to) {
  for (auto& s : spans) {
    s.start = std::max(s.start, from);
    s.end = std::min(s.end, to);
  }
  spans.erase(std::remove_if(spans.begin(), spans.end(), [](const Span& s) { return s.end <= s.start; }), spans.end());
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  Micros total{0};
  TimePoint covered = from;
  for (const auto& s : spans) {
    TimePoint start = std::max(s.start, covered);
    if (s.end > start) total += s.end - start;
    covered = std::max(covered, s.end);
  }
  return total;
}

ErrorBudget ComputeErrorBudget(const Slo& slo, const std::vector<Incident>& incidents, TimePoint now) {
  ErrorBudget b;
  b.service = slo.service;
  b.objective = slo.objective;
  b.window = std::chrono::duration_cast<Micros>(slo.window);
  b.to = now;
  b.from = now - b.window;
  b.budget = Fraction(b.window, 100.0 - slo.objective);
  std::vector<Span> spans;
  for (const auto& i : incidents) {
    if (i.deleted || i.is_test || !OfService(i, slo.service)) continue;
    auto mine = ImpactSpans(i, now);
    if (UnionLength(mine, b.from, b.to).count() > 0) ++b.incidents;
    spans.insert(spans.end(), mine.begin(), mine.end());
  }
  b.consumed = UnionLength(spans, b.from, b.to);
  b.left = b.budget - b.consumed;
  if (b.budget.count() > 0) {
    b.consumed_percent = 100.0 * static_cast<double>(b.consumed.count()) / static_cast<double>(b.budget.count());
    Micros day_budget = Fraction(kDay, 100.0 - slo.objective);
    Micros last_day = UnionLength(spans, now - kDay, now);
    if (day_budget.count() > 0) {
      b.burn_rate_24h = static_cast<double>(last_day.count()) / static_cast<double>(day_budget.count());
    }
  }
  return b;
}

}  // namespace tocsin::core::metrics
