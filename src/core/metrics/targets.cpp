#include "core/metrics/targets.hpp"

#include <algorithm>
#include <cstdio>

#include "core/metrics/metrics.hpp"

namespace tocsin::core::metrics {
namespace {

constexpr Micros kWeek = std::chrono::hours(24 * 7);

bool Counts(const Incident& i) { return !i.deleted && !i.is_test; }

std::string Number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Minutes(double seconds) { return Number(seconds / 60.0, 1) + " min"; }

TargetResult DurationTarget(const MetricTarget& t, const Summary& s) {
  TargetResult r{t.name, t.metric};
  r.count = s.count;
  std::optional<Micros> figure = t.statistic == "median" ? s.median : t.statistic == "p90" ? s.p90 : s.mean;
  if (!figure) {
    r.figure = "no incident with the timestamps (" + std::to_string(s.missing) + " without)";
    return r;
  }
  double seconds = static_cast<double>(figure->count()) / 1e6;
  r.value = seconds;
  r.figure = Minutes(seconds) + " (" + t.statistic + " of " + std::to_string(s.count) + " incident" +
             (s.count == 1 ? "" : "s") + (s.missing ? ", " + std::to_string(s.missing) + " without" : "") +
             "; target < " + Minutes(static_cast<double>(t.below->count())) + ")";
  r.status = seconds < static_cast<double>(t.below->count()) ? TargetStatus::kMet : TargetStatus::kMissed;
  return r;
}

TargetResult CompletionTarget(const MetricTarget& t, std::int64_t required, std::int64_t published) {
  TargetResult r{t.name, t.metric};
  r.count = required;
  if (required == 0) {
    r.figure = "no incident resolved in the period needed a post-mortem";
    return r;
  }
  double percent = 100.0 * static_cast<double>(published) / static_cast<double>(required);
  r.value = percent;
  r.figure = Number(percent, 0) + "% (" + std::to_string(published) + " of " + std::to_string(required) +
             " published; target " + Number(*t.at_least, 0) + "%)";
  r.status = percent + 1e-9 >= *t.at_least ? TargetStatus::kMet : TargetStatus::kMissed;
  return r;
}

TargetResult TrendTarget(int weeks, TargetResult r) {
  for (const auto& [severity, counts] : r.weekly_counts_by_severity) r.slope_by_severity[severity] = Slope(counts);
  double slope = Slope(r.weekly_counts);
  r.value = slope;
  std::string counts;
  for (auto c : r.weekly_counts) counts += (counts.empty() ? "" : ", ") + std::to_string(c);
  r.figure = (slope < 0 ? "down " : slope > 0 ? "up " : "flat ") + Number(slope, 2) + " incidents/week over " +
             std::to_string(weeks) + " weeks (" + counts + ")";
  if (r.count == 0) {
    r.figure = "no incidents in the last " + std::to_string(weeks) + " weeks";
    return r;
  }
  r.status = slope < 0 ? TargetStatus::kMet : TargetStatus::kMissed;
  return r;
}

}  // namespace

std::string_view TargetStatusName(TargetStatus s) {
  switch (s) {
    case TargetStatus::kMet: return "met";
    case TargetStatus::kMissed: return "missed";
    case TargetStatus::kNoData: return "no_data";
  }
  return "no_data";
}

double Slope(const std::vector<std::int64_t>& ys) {
  std::size_t n = ys.size();
  if (n < 2) return 0;
  double mean_x = static_cast<double>(n - 1) / 2.0, mean_y = 0;
  for (auto y : ys) mean_y += static_cast<double>(y);
  mean_y /= static_cast<double>(n);
  double num = 0, den = 0;
  for (std::size_t x = 0; x < n; ++x) {
    double dx = static_cast<double>(x) - mean_x;
    num += dx * (static_cast<double>(ys[x]) - mean_y);
    den += dx * dx;
  }
  return num / den;
}

TimePoint TargetsWindowStart(const MetricsConfig& config, TimePoint from, TimePoint to) {
  return std::min(from, to - kWeek * config.trend_weeks);
}

TargetsAccumulator::TargetsAccumulator(const MetricsConfig& config, TimePoint from, TimePoint to)
    : config_(config), from_(from), to_(to), trend_start_(to - kWeek * config.trend_weeks) {
  states_.resize(config.targets.size());
  for (std::size_t k = 0; k < states_.size(); ++k) {
    const MetricTarget& t = config.targets[k];
    State& st = states_[k];
    st.kind = t.metric == "incident_count"          ? Kind::kTrend
              : t.metric == "postmortem_completion" ? Kind::kCompletion
              : t.metric == "mttd"                  ? Kind::kDetect
              : t.metric == "mtta"                  ? Kind::kAcknowledge
                                                    : Kind::kResolve;
    st.mean_only = t.statistic != "median" && t.statistic != "p90";
    st.trend = TargetResult{t.name, t.metric};
    if (st.kind == Kind::kTrend) st.trend.weekly_counts.assign(static_cast<std::size_t>(config.trend_weeks), 0);
  }
}

void TargetsAccumulator::Add(const Incident& i) { Add(i, SampleOf(i)); }

void TargetsAccumulator::Add(const Incident& i, const Sample& sample) {
  if (!Counts(i)) return;
  Facts f;
  f.created = i.created;
  f.resolved_set = IsClosed(i.state) && i.resolved;
  if (f.resolved_set) f.resolved = *i.resolved;
  f.severity = &i.severity;
  f.published = i.postmortem && i.postmortem->state == PostmortemState::kPublished;
  Add(f, sample);
}

void TargetsAccumulator::Add(const Rows& rows, const Row& row) {
  Facts f;
  f.created = row.created;
  f.resolved_set = row.Has(Row::kResolved);
  f.resolved = row.resolved;
  f.severity = &rows.Severity(row);
  f.severity_id = row.severity;
  if (rows_ != &rows) {
    rows_ = &rows;
    row_memberships_.clear();
  }
  f.published = row.Has(Row::kPublished);
  Add(f, row.ToSample());
}

void TargetsAccumulator::Add(const Facts& f, const Sample& sample) {
  bool in_period = f.created >= from_ && f.created < to_;
  bool resolved_in_period = f.resolved_set && f.resolved >= from_ && f.resolved < to_;
  bool in_trend = f.created >= trend_start_ && f.created < to_;
  if (!in_period && !resolved_in_period && !in_trend) return;
  std::size_t membership = 0;
  if (f.severity_id >= 0) {
    auto id = static_cast<std::size_t>(f.severity_id);
    if (row_memberships_.size() <= id) row_memberships_.resize(id + 1, -1);
    if (row_memberships_[id] < 0) row_memberships_[id] = static_cast<int>(Memberships(*f.severity));
    membership = static_cast<std::size_t>(row_memberships_[id]);
  } else {
    membership = Memberships(*f.severity);
  }
  const std::vector<char>& in_severities = memberships_[membership].second;
  for (std::size_t k = 0; k < states_.size(); ++k) {
    State& st = states_[k];
    switch (st.kind) {
      case Kind::kDetect:
      case Kind::kAcknowledge:
      case Kind::kResolve: {
        if (!in_period || !in_severities[k]) break;
        const auto& d = st.kind == Kind::kDetect ? sample.ttd : st.kind == Kind::kAcknowledge ? sample.tta : sample.ttr;
        if (d && st.mean_only) {
          // A mean needs no values: the same long double sum Summarize makes, in the same order.
          ++st.count;
          st.sum += static_cast<long double>(d->count());
        } else if (d) {
          st.values.push_back(*d);
        } else {
          ++st.missing;
        }
        break;
      }
      case Kind::kCompletion:
        if (!resolved_in_period || !in_severities[k]) break;
        ++st.required;
        if (f.published) ++st.published;
        break;
      case Kind::kTrend: {
        if (!in_trend || !in_severities[k]) break;
        auto week = static_cast<std::size_t>((f.created - trend_start_) / kWeek);
        ++st.trend.weekly_counts[week];
        if (st.trend_by_severity.size() <= membership) st.trend_by_severity.resize(membership + 1);
        auto& by = st.trend_by_severity[membership];
        by.resize(st.trend.weekly_counts.size(), 0);
        ++by[week];
        ++st.trend.count;
        break;
      }
    }
  }
}

std::size_t TargetsAccumulator::Memberships(const std::string& severity) {
  for (std::size_t k = 0; k < memberships_.size(); ++k) {
    if (memberships_[k].first == severity) return k;
  }
  std::vector<char> in;
  for (const auto& t : config_.targets) {
    in.push_back(t.severities.empty() ||
                 std::find(t.severities.begin(), t.severities.end(), severity) != t.severities.end());
  }
  memberships_.emplace_back(severity, std::move(in));
  return memberships_.size() - 1;
}

std::vector<TargetResult> TargetsAccumulator::Done() {
  std::vector<TargetResult> out;
  for (std::size_t k = 0; k < states_.size(); ++k) {
    const MetricTarget& t = config_.targets[k];
    State& st = states_[k];
    switch (st.kind) {
      case Kind::kTrend:
        for (std::size_t m = 0; m < st.trend_by_severity.size(); ++m) {
          if (st.trend_by_severity[m].empty()) continue;  // no incident of that severity in the trend
          st.trend.weekly_counts_by_severity[memberships_[m].first] = std::move(st.trend_by_severity[m]);
        }
        out.push_back(TrendTarget(config_.trend_weeks, std::move(st.trend)));
        break;
      case Kind::kCompletion: out.push_back(CompletionTarget(t, st.required, st.published)); break;
      default: {
        Summary summary;
        if (st.mean_only) {
          summary.count = st.count;
          summary.missing = st.missing;
          if (st.count > 0) {
            summary.mean = Micros(static_cast<std::int64_t>(st.sum / static_cast<long double>(st.count) + 0.5L));
          }
        } else {
          summary = Summarize(std::move(st.values), st.missing);
        }
        out.push_back(DurationTarget(t, summary));
        break;
      }
    }
  }
  return out;
}

std::vector<TargetResult> EvaluateTargets(const MetricsConfig& config, const std::vector<Incident>& incidents,
                                          TimePoint from, TimePoint to) {
  TargetsAccumulator acc(config, from, to);
  for (const auto& i : incidents) acc.Add(i);
  return acc.Done();
}

}  // namespace tocsin::core::metrics
