#include "core/metrics/slo.hpp"

#include <algorithm>
#include <cmath>

namespace tocsin::core::metrics {
namespace {

constexpr Micros kDay = std::chrono::hours(24);

bool OfService(const Incident& i, const std::string& service) {
  auto it = i.fields.find("services");
  if (it == i.fields.end()) return false;
  const FieldValue& v = it->second;
  if (!v.is_list) return v.text && *v.text == service;
  return v.list && std::find(v.list->begin(), v.list->end(), service) != v.list->end();
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

ErrorBudgetAccumulator::ErrorBudgetAccumulator(const Slo& slo, TimePoint now) : now_(now) {
  b_.service = slo.service;
  b_.objective = slo.objective;
  b_.window = std::chrono::duration_cast<Micros>(slo.window);
  b_.to = now;
  b_.from = now - b_.window;
  b_.budget = Fraction(b_.window, 100.0 - slo.objective);
}

void ErrorBudgetAccumulator::Add(const Incident& i) {
  if (i.deleted || i.is_test || !OfService(i, b_.service)) return;
  auto mine = ImpactSpans(i, now_);
  if (UnionLength(mine, b_.from, b_.to).count() > 0) ++b_.incidents;
  spans_.insert(spans_.end(), mine.begin(), mine.end());
}

ErrorBudget ErrorBudgetAccumulator::Done() {
  ErrorBudget b = b_;
  b.consumed = UnionLength(spans_, b.from, b.to);
  b.left = b.budget - b.consumed;
  if (b.budget.count() > 0) {
    b.consumed_percent = 100.0 * static_cast<double>(b.consumed.count()) / static_cast<double>(b.budget.count());
    Micros day_budget = Fraction(kDay, 100.0 - b.objective);
    Micros last_day = UnionLength(spans_, now_ - kDay, now_);
    if (day_budget.count() > 0) {
      b.burn_rate_24h = static_cast<double>(last_day.count()) / static_cast<double>(day_budget.count());
    }
  }
  return b;
}

ErrorBudget ComputeErrorBudget(const Slo& slo, const std::vector<Incident>& incidents, TimePoint now) {
  ErrorBudgetAccumulator acc(slo, now);
  for (const auto& i : incidents) acc.Add(i);
  return acc.Done();
}

}  // namespace tocsin::core::metrics
