#pragma once
// Clock: the only source of "now". Production code holds a SystemClock; tests
// hold a FakeClock they advance by hand. Both are thread-safe.

#include <atomic>
#include <chrono>

#include "common/time.hpp"

namespace tocsin {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
  }
};

// The system clock shifted by a fixed offset: a process started "at" another
// time that then runs in real time (used by process-level tests of timers).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(Micros offset) : offset_(offset) {}
  TimePoint Now() const override { return SystemClock().Now() + offset_; }

 private:
  Micros offset_;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_us_(ToUnixMicros(start)) {}
  TimePoint Now() const override { return FromUnixMicros(now_us_.load()); }
  void Set(TimePoint t) { now_us_.store(ToUnixMicros(t)); }
  void Advance(Micros d) { now_us_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> now_us_;
};

}  // namespace tocsin
