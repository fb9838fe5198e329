// The render cache of list and search pages is bounded by the bytes it holds,
// not only by its number of entries: a few thousand large incidents must not
// pin gigabytes.

#include "api/v2/render_cache.hpp"

#include <gtest/gtest.h>

#include "api/v2/incident_json.hpp"

namespace tocsin::api::v2 {
namespace {

core::Incident Large(int n, std::size_t bytes) {
  core::Incident inc;
  inc.id = "00000000-0000-4000-8000-" + std::string(12 - std::to_string(n).size(), '0') + std::to_string(n);
  inc.public_id = n;
  inc.title = "large " + std::to_string(n);
  // Many fields, each within the API's limits, add up to a large rendering.
  for (std::size_t k = 0; k * 4000 < bytes; ++k) {
    inc.fields["f" + std::to_string(k)] = core::FieldValue{"textbox", false, std::string(4000, 'x'), std::nullopt};
  }
  return inc;
}

std::string Render(RenderCache& cache, const core::Incident& inc, std::uint64_t key) {
  std::string out;
  JsonWriter w(out);
  cache.Write(w, inc, key);
  return out;
}

TEST(RenderCache, StaysUnderItsByteBoundWithLargeRenderings) {
  RenderCache cache;  // the default bounds
  constexpr std::size_t kMiB = 1024 * 1024;
  const core::Incident first = Large(0, kMiB);
  std::string first_json = Render(cache, first, 1);
  for (int n = 1; n < 100; ++n) {
    Render(cache, Large(n, kMiB), 1);
    ASSERT_LE(cache.bytes(), 64 * kMiB) << "after " << n + 1 << " renderings of ~1 MiB";
  }
  EXPECT_GT(cache.size(), 0u);
  // Whatever was evicted renders the same again.
  EXPECT_EQ(Render(cache, first, 1), first_json);
}

TEST(RenderCache, AReplacedRenderingIsCountedOnce) {
  RenderCache cache;
  core::Incident inc = Large(1, 100000);
  Render(cache, inc, 1);
  std::size_t once = cache.bytes();
  EXPECT_GE(once, 100000u);
  for (std::uint64_t key = 2; key < 20; ++key) Render(cache, inc, key);  // changed each time
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), once);
}

}  // namespace
}  // namespace tocsin::api::v2
