#pragma once
// RenderCache: renderings of incidents (the JSON:API incident object) by id,
// each with the content key it was made from. The object depends on the
// incident alone, so the same stored form always renders to the same bytes:
// list and search pages copy unchanged incidents from here.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/json_writer.hpp"
#include "core/incident/incident.hpp"

namespace tocsin::api::v2 {

class RenderCache {
 public:
  // Bounded both ways: by count (the index) and by bytes held, since one
  // incident's rendering may be large. Emptied when a rendering would not fit;
  // a rendering larger than a sixteenth of the bytes is not kept at all.
  static constexpr std::size_t kDefaultMaxEntries = 4096;
  static constexpr std::size_t kDefaultMaxBytes = 64 * 1024 * 1024;

  explicit RenderCache(std::size_t max_entries = kDefaultMaxEntries, std::size_t max_bytes = kDefaultMaxBytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // Writes the incident's object into `w`: from the cache when its key matches,
  // else rendered fresh (and kept).
  void Write(JsonWriter& w, const core::Incident& incident, std::uint64_t key);

  std::size_t size() const;
  // Bytes of the renderings held.
  std::size_t bytes() const;

 private:
  struct Entry {
    std::uint64_t key = 0;
    std::string json;
  };
  std::size_t max_entries_;
  std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::size_t bytes_ = 0;  // sum of the entries' json sizes
};

}  // namespace tocsin::api::v2
