#pragma once
// `tocsin migrate-storage --from sqlite:DIR --to postgres://...` (and back):
// copies a whole database between backends with nothing serving from either
// side, then verifies it (storage/transfer, ADR 0016).

#include <string>

#include "common/result.hpp"
#include "storage/transfer/transfer.hpp"

namespace tocsin::app {

// Parses both arguments, takes the data directory lock of each SQLite side
// (refused while a server holds it) and copies.
Result<storage::TransferReport> MigrateStorageBetween(const std::string& from, const std::string& to);

}  // namespace tocsin::app
