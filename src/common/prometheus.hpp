#pragma once
// A small metrics registry printed in the Prometheus text exposition format
// (version 0.0.4). Counters, gauges and histograms live in families: one
// metric name, fixed label names, one child per tuple of label values.
// Updating a child is one or a few relaxed atomic additions (no lock); finding
// a child by its label values takes a shared lock on the family (children are
// created on first use and never removed, so callers on hot paths may keep
// the reference). Label values must come from bounded sets (sources,
// severities, route patterns, status codes): never ids or free text.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace tocsin::prom {

class Counter {
 public:
  void Inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative buckets with upper bounds in seconds (+Inf implied), count and sum.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double seconds);
  const std::vector<double>& bounds() const { return bounds_; }
  std::uint64_t BucketCount(std::size_t k) const { return buckets_[k].load(std::memory_order_relaxed); }
  std::uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  double Sum() const { return static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // not cumulative; summed when printed
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_nanos_{0};
};

enum class Kind { kCounter, kGauge, kHistogram };

// One metric name with its label names and children.
class Family {
 public:
  Family(std::string name, std::string help, Kind kind, std::vector<std::string> labels, std::vector<double> bounds);

  // The child for these label values (as many as label names), created on first use.
  Counter& CounterWith(const std::vector<std::string>& values);
  Gauge& GaugeWith(const std::vector<std::string>& values);
  Histogram& HistogramWith(const std::vector<std::string>& values);

  void Render(std::string& out) const;
  const std::string& name() const { return name_; }

 private:
  struct Child {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Child& Find(const std::vector<std::string>& values);

  std::string name_, help_;
  Kind kind_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, Child> children_;
};

class Registry {
 public:
  Family& Add(std::string name, std::string help, Kind kind, std::vector<std::string> labels = {},
              std::vector<double> bounds = {});
  // Text appended at scrape time (gauges read from elsewhere), after the families.
  void AddCollector(std::function<void(std::string&)> collect);
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::function<void(std::string&)>> collectors_;
};

// Appends one exposition block for a gauge or counter computed at scrape time:
// "# HELP", "# TYPE" and one sample per (labels, value).
void AppendSamples(std::string& out, const std::string& name, const std::string& help, Kind kind,
                   const std::vector<std::pair<std::string, double>>& samples);
// `k="v",...` with the value escaped as the format asks (\\, \", \n).
std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values);
std::string FormatValue(double v);

}  // namespace tocsin::prom
