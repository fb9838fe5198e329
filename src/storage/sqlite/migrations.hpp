#pragma once
// The numbered, forward-only schema migrations of the SQLite backend.

#include <vector>

#include "storage/sql_text.hpp"

namespace tocsin::storage::sqlite {

using storage::Migration;

const std::vector<Migration>& Migrations();

}  // namespace tocsin::storage::sqlite
