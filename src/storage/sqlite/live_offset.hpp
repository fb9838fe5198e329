#pragma once
// Deep offsets of the unfiltered incident listing without stepping through
// them. `SELECT ... WHERE deleted = 0 ORDER BY public_id LIMIT ? OFFSET k`
// makes SQLite visit k index entries; LiveOffsetBound instead finds a public
// id `bound` such that exactly k live incidents come before it in the order,
// so the same page is `WHERE deleted = 0 AND public_id <= bound ORDER BY
// public_id DESC LIMIT ?` (newest first) or `... public_id >= bound ... ASC`
// (oldest first).
//
// It relies on two facts it checks, not assumes: the public ids present are
// gap-free (the row count kept by migration 9's triggers equals MAX - MIN + 1),
// and the deleted ones are few (read from their partial index). Call it inside
// the read transaction that runs the page query, so both see one snapshot.

#include <cstdint>
#include <optional>

#include "storage/sqlite/sqlite_db.hpp"

namespace tocsin::storage::sqlite {

// The bound for `offset` live incidents in the given order, or nullopt when it
// cannot be proved (ids with gaps, a negative offset, an empty table) or would
// not pay (many more deleted incidents to skip than the offset): then use OFFSET. A bound
// past either end is returned as is and selects an empty page. Errors are
// SQLite's.
Result<std::optional<std::int64_t>> LiveOffsetBound(Connection& c, bool newest_first, std::int64_t offset);

}  // namespace tocsin::storage::sqlite
