#include "storage/sqlite/live_offset.hpp"

namespace tocsin::storage::sqlite {
namespace {

// Public ids outside [0, kIdCeiling) are left to OFFSET, so no sum below overflows.
constexpr std::int64_t kIdCeiling = std::int64_t{1} << 62;
// Deleted ids skipped beyond the offset before giving up: walking many more
// deleted entries than OFFSET would walk live ones is no gain.
constexpr std::int64_t kSkipSlack = 64;

}  // namespace

// Newest first, with ids dense in [lo, hi] and deleted ids d1 > d2 > ...: the
// walk keeps x = hi - offset - c, where c counts the deleted ids consumed, and
// consumes the next deleted id while it is >= x. Each consumed id was >= the x
// of its step, which is > the final x; the first id not consumed is < x. So
// the deleted ids above the final x are exactly the c consumed, and the live
// ids above x number (hi - x) - c = offset whenever x >= lo - 1. When x < lo - 1
// every deleted id was consumed and offset > (hi - lo + 1) - c = the live
// count, so OFFSET's page is empty, as is `public_id <= x`. Oldest first is the
// mirror image: x = lo + offset + c, consuming deleted ids <= x.
Result<std::optional<std::int64_t>> LiveOffsetBound(Connection& c, bool newest_first, std::int64_t offset) {
  if (offset < 0) return std::nullopt;
  std::int64_t rows = 0, lo = 0, hi = 0;
  {
    // Three single-row lookups: the kept count, and MIN and MAX of the rowid
    // (each its own subquery, so each is one b-tree descent).
    auto stats = c.Prepare(
        "SELECT (SELECT n FROM incident_count WHERE one = 1), (SELECT MIN(public_id) FROM incidents), "
        "(SELECT MAX(public_id) FROM incidents)");
    if (!stats) return tl::unexpected(stats.error());
    auto step = stats->Step();
    if (!step) return tl::unexpected(step.error());
    if (!*step || stats->IsNull(0) || stats->IsNull(1) || stats->IsNull(2)) return std::nullopt;
    rows = stats->Int(0);
    lo = stats->Int(1);
    hi = stats->Int(2);
  }
  if (lo < 0 || hi >= kIdCeiling || rows != hi - lo + 1) return std::nullopt;  // gaps: not provable
  if (offset >= rows) return newest_first ? lo - 1 : hi + 1;                   // past the end either way
  auto deleted = c.Prepare(newest_first ? "SELECT public_id FROM incidents WHERE deleted <> 0 ORDER BY public_id DESC"
                                        : "SELECT public_id FROM incidents WHERE deleted <> 0 ORDER BY public_id ASC");
  if (!deleted) return tl::unexpected(deleted.error());
  std::int64_t skipped = 0;
  std::int64_t x = newest_first ? hi - offset : lo + offset;
  while (true) {
    auto step = deleted->Step();
    if (!step) return tl::unexpected(step.error());
    if (!*step) break;
    std::int64_t d = deleted->Int(0);
    if (newest_first ? d < x : d > x) break;
    if (++skipped > offset + kSkipSlack) return std::nullopt;
    x = newest_first ? x - 1 : x + 1;
  }
  return x;
}

}  // namespace tocsin::storage::sqlite
