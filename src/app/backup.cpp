#include "app/backup.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace tocsin::app {

namespace fs = std::filesystem;

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& data_dir) {
  const std::string path = (fs::path(data_dir) / "tocsin.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kUnavailable, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return MakeError(ErrorCode::kConflict, "a tocsin server is running on " + data_dir + " (it holds " + path + "); stop it first");
    }
    return MakeError(ErrorCode::kUnavailable, "cannot lock " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

std::string DatabasePath(const std::string& data_dir) { return (fs::path(data_dir) / "tocsin.db").string(); }

std::string DescribeBackup(const storage::BackupSummary& summary) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"incidents", "incidents"},       {"incident_events", "timeline events"}, {"alerts", "alerts"},
      {"outbox", "notifications"},      {"api_keys", "keys"},                   {"schedule_overrides", "overrides"}};
  std::string out;
  for (const auto& [table, name] : kNames) {
    auto it = summary.rows.find(table);
    if (it == summary.rows.end()) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(it->second) + " " + name;
  }
  out += " (schema " + std::to_string(summary.schema_version) + ", " + std::to_string(summary.bytes) + " bytes)";
  return out;
}

Result<storage::BackupSummary> BackupDataDir(const std::string& data_dir, const std::string& out) {
  return storage::BackupSqliteDatabase(DatabasePath(data_dir), out);
}

Result<RestoreOutcome> RestoreDataDir(const std::string& backup, const std::string& data_dir, TimePoint now) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot create data directory " + data_dir + ": " + ec.message());
  auto lock = DataDirLock::Acquire(data_dir);
  if (!lock) return tl::unexpected(lock.error());
  // The stamp names the replaced database: UTC, sortable, no colons.
  std::string stamp = FormatRfc3339(now);
  for (char& c : stamp) {
    if (c == ':') c = '-';
  }
  auto replaced = storage::InstallSqliteBackup(backup, DatabasePath(data_dir), stamp);
  if (!replaced) return tl::unexpected(replaced.error());
  auto restored = storage::InspectSqliteBackup(DatabasePath(data_dir));
  if (!restored) return tl::unexpected(restored.error());
  return RestoreOutcome{*restored, *replaced};
}

}  // namespace tocsin::app
