#pragma once
// The numbered, forward-only schema migrations of the SQLite backend.

#include <vector>

namespace tocsin::storage::sqlite {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& Migrations();

}  // namespace tocsin::storage::sqlite
