#pragma once
// The numbered, forward-only schema migrations of the PostgreSQL backend.
// They are its own (the SQLite history is not replayed): version 1 is the
// whole schema as SQLite has it after its migration 13.

#include <vector>

namespace tocsin::storage::postgres {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& Migrations();

}  // namespace tocsin::storage::postgres
