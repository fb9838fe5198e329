#include "common/prometheus.hpp"

#include <cmath>
#include <cstdio>

namespace tocsin::prom {
namespace {

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kCounter: return "counter";
    case Kind::kGauge: return "gauge";
    case Kind::kHistogram: return "histogram";
  }
  return "untyped";
}

void Header(std::string& out, const std::string& name, const std::string& help, Kind kind) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + KindName(kind) + "\n";
}

std::string Braced(const std::string& labels) { return labels.empty() ? "" : "{" + labels + "}"; }

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t k = 0; k < names.size() && k < values.size(); ++k) {
    if (k) out += ',';
    out += names[k] + "=\"";
    for (char c : values[k]) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  return out;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t k = 0; k <= bounds_.size(); ++k) buckets_[k].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double seconds) {
  std::size_t k = 0;
  while (k < bounds_.size() && seconds > bounds_[k]) ++k;
  buckets_[k].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (seconds > 0) sum_nanos_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

Family::Family(std::string name, std::string help, Kind kind, std::vector<std::string> labels,
               std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), kind_(kind), labels_(std::move(labels)), bounds_(std::move(bounds)) {}

Family::Child& Family::Find(const std::vector<std::string>& values) {
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(values);
    if (it != children_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  Child& c = children_[values];
  if (!c.counter && !c.gauge && !c.histogram) {
    switch (kind_) {
      case Kind::kCounter: c.counter = std::make_unique<Counter>(); break;
      case Kind::kGauge: c.gauge = std::make_unique<Gauge>(); break;
      case Kind::kHistogram: c.histogram = std::make_unique<Histogram>(bounds_); break;
    }
  }
  return c;
}

Counter& Family::CounterWith(const std::vector<std::string>& values) { return *Find(values).counter; }
Gauge& Family::GaugeWith(const std::vector<std::string>& values) { return *Find(values).gauge; }
Histogram& Family::HistogramWith(const std::vector<std::string>& values) { return *Find(values).histogram; }

void Family::Render(std::string& out) const {
  Header(out, name_, help_, kind_);
  std::shared_lock lock(mu_);
  for (const auto& [values, child] : children_) {
    std::string labels = Labels(labels_, values);
    if (child.counter) {
      out += name_ + Braced(labels) + " " + std::to_string(child.counter->Value()) + "\n";
    } else if (child.gauge) {
      out += name_ + Braced(labels) + " " + FormatValue(child.gauge->Value()) + "\n";
    } else if (child.histogram) {
      const Histogram& h = *child.histogram;
      std::string prefix = labels.empty() ? "" : labels + ",";
      std::uint64_t cumulative = 0;
      for (std::size_t k = 0; k < h.bounds().size(); ++k) {
        cumulative += h.BucketCount(k);
        out += name_ + "_bucket{" + prefix + "le=\"" + FormatValue(h.bounds()[k]) + "\"} " +
               std::to_string(cumulative) + "\n";
      }
      cumulative += h.BucketCount(h.bounds().size());
      out += name_ + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
      out += name_ + "_sum" + Braced(labels) + " " + FormatValue(h.Sum()) + "\n";
      out += name_ + "_count" + Braced(labels) + " " + std::to_string(cumulative) + "\n";
    }
  }
}

Family& Registry::Add(std::string name, std::string help, Kind kind, std::vector<std::string> labels,
                      std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  families_.push_back(
      std::make_unique<Family>(std::move(name), std::move(help), kind, std::move(labels), std::move(bounds)));
  return *families_.back();
}

void Registry::AddCollector(std::function<void(std::string&)> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::Render() const {
  std::string out;
  out.reserve(8192);
  std::vector<std::function<void(std::string&)>> collectors;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) f->Render(out);
    collectors = collectors_;
  }
  for (const auto& c : collectors) c(out);
  return out;
}

void AppendSamples(std::string& out, const std::string& name, const std::string& help, Kind kind,
                   const std::vector<std::pair<std::string, double>>& samples) {
  Header(out, name, help, kind);
  for (const auto& [labels, v] : samples) out += name + Braced(labels) + " " + FormatValue(v) + "\n";
}

}  // namespace tocsin::prom
