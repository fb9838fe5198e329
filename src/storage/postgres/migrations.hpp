#pragma once
// The numbered, forward-only schema migrations of the PostgreSQL backend.
// They are its own (the SQLite history is not replayed): version 1 is the
// whole schema as SQLite has it after its migration 13.

#include <vector>

#include "storage/sql_text.hpp"

namespace tocsin::storage::postgres {

using storage::Migration;

const std::vector<Migration>& Migrations();

}  // namespace tocsin::storage::postgres
