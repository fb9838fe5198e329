#pragma once
// ReadCombiner: concurrent point reads by key (API keys by their hash) run
// as one statement by whichever caller leads (ADR 0019), as IngestCombiner
// does for writes. A caller finding fewer than `max_leaders` reads in flight
// leads at once with every key queued (up to `max_keys`); an idle server
// adds no wait. Each read still starts after its call did, so it sees every
// write committed before the call (a key revoked by another process is
// refused at once).

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "storage/postgres/leader_queue.hpp"

namespace tocsin::storage::postgres {

template <typename V>
class ReadCombiner {
 public:
  // Reads the values of `keys` (distinct); a key without one is absent.
  using BatchFn = std::function<Result<std::unordered_map<std::string, V>>(const std::vector<std::string>& keys)>;

  ReadCombiner(BatchFn read, int max_leaders, std::size_t max_keys)
      : read_(std::move(read)), max_keys_(std::max<std::size_t>(1, max_keys)), turns_(max_leaders) {}

  Result<std::optional<V>> Get(const std::string& key) {
    Call me{key};
    turns_.Join(
        &me,
        [&](std::deque<Call*>& queue) {
          std::vector<Call*> calls;
          while (!queue.empty() && calls.size() < max_keys_) {
            calls.push_back(queue.front());
            queue.pop_front();
          }
          return calls;
        },
        [&](const std::vector<Call*>& calls) { Read(calls); });
    return std::move(me.result);
  }

  // Calls waiting for a leader (for tests).
  std::size_t queued() { return turns_.queued(); }

 private:
  struct Call {
    std::string key;
    Result<std::optional<V>> result = std::optional<V>();
    bool done = false;
  };

  void Read(const std::vector<Call*>& calls) {
    std::vector<std::string> keys;
    for (Call* c : calls) {
      if (std::find(keys.begin(), keys.end(), c->key) == keys.end()) keys.push_back(c->key);
    }
    auto found = read_(keys);
    for (Call* c : calls) {
      if (!found) {
        c->result = tl::unexpected(found.error());
      } else if (auto it = found->find(c->key); it != found->end()) {
        c->result = std::optional<V>(it->second);
      }
    }
  }

  const BatchFn read_;
  const std::size_t max_keys_;
  LeaderQueue<Call> turns_;
};

}  // namespace tocsin::storage::postgres
