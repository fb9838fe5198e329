#include "app/migrate_storage.hpp"

#include <filesystem>
#include <memory>
#include <vector>

#include "app/backup.hpp"

namespace tocsin::app {

Result<storage::TransferReport> MigrateStorageBetween(const std::string& from, const std::string& to) {
  auto source = storage::ParseStorageEndpoint(from, "--from");
  if (!source) return tl::unexpected(source.error());
  auto target = storage::ParseStorageEndpoint(to, "--to");
  if (!target) return tl::unexpected(target.error());
  if (source->kind == target->kind && source->location == target->location) {
    return InvalidArgument("--to: the same storage as --from (" + source->Display() + ")");
  }
  // A server on either SQLite side would write behind the copy's back.
  std::vector<std::unique_ptr<DataDirLock>> locks;
  for (const auto* side : {&*source, &*target}) {
    if (side->kind != storage::StorageEndpoint::Kind::kSqlite) continue;
    std::error_code ec;
    if (side == &*source && !std::filesystem::is_directory(side->location, ec)) {
      return InvalidArgument("--from: " + side->Display() + ": no such directory");
    }
    if (side == &*target) std::filesystem::create_directories(side->location, ec);
    auto lock = DataDirLock::Acquire(side->location);
    if (!lock) return tl::unexpected(lock.error());
    locks.push_back(std::move(*lock));
  }
  return storage::TransferStorage(*source, *target);
}

}  // namespace tocsin::app
