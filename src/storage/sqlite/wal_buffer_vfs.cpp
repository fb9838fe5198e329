#include "storage/sqlite/wal_buffer_vfs.hpp"

#include <sqlite3.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace tocsin::storage::sqlite {
namespace {

constexpr sqlite3_int64 kFlushAt = 1 << 20;  // gathered bytes that trigger a write

// SQLite allocates szOsFile bytes per open file and never runs constructors:
// this is plain data, the real file's object right after it.
struct File {
  sqlite3_file base;   // pMethods = &kMethods
  sqlite3_file* real;  // the default VFS's file, in the same allocation
  bool is_wal;
  char* buf;  // gathered WAL bytes for [start, start + len)
  sqlite3_int64 start;
  sqlite3_int64 len;
  sqlite3_int64 cap;
  const char* name;  // a main database's name (its key in g_mains)
  File* wal;         // a main database's WAL, while both are open
  File* main;        // a WAL's main database, while both are open
};

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;

// Open main databases by the name SQLite gave them, so that a WAL opened
// later finds its database (sqlite3_filename_database returns that name).
std::mutex g_links_mu;
std::unordered_map<const char*, File*> g_mains;

File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

// The default VFS writes at most 0x1ffff bytes per call and reports a write
// whose length is a multiple of 128 KiB as a full disk (it masks the length),
// so the gathered bytes go down in pieces below that.
constexpr sqlite3_int64 kPiece = 0x1f000;

int Flush(File* f) {
  int rc = SQLITE_OK;
  for (sqlite3_int64 done = 0; done < f->len && rc == SQLITE_OK; done += kPiece) {
    sqlite3_int64 n = f->len - done < kPiece ? f->len - done : kPiece;
    rc = f->real->pMethods->xWrite(f->real, f->buf + done, static_cast<int>(n), f->start + done);
  }
  f->len = 0;
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  {
    std::lock_guard lock(g_links_mu);
    if (f->wal) f->wal->main = nullptr;
    if (f->main) f->main->wal = nullptr;
    if (f->name) g_mains.erase(f->name);
  }
  int rc = Flush(f);
  int rc2 = f->real->pMethods->xClose(f->real);
  std::free(f->buf);
  f->buf = nullptr;
  return rc != SQLITE_OK ? rc : rc2;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (!f->is_wal) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  if (f->len > 0 && (offset != f->start + f->len || f->len + amount > kFlushAt)) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (amount >= kPiece) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  if (f->len + amount > f->cap) {
    sqlite3_int64 cap = f->cap ? f->cap : 64 * 1024;
    while (cap < f->len + amount) cap *= 2;
    char* grown = static_cast<char*>(std::realloc(f->buf, static_cast<std::size_t>(cap)));
    if (!grown) {
      if (int rc = Flush(f); rc != SQLITE_OK) return rc;
      return f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    f->buf = grown;
    f->cap = cap;
  }
  if (f->len == 0) f->start = offset;
  std::memcpy(f->buf + f->len, data, static_cast<std::size_t>(amount));
  f->len += amount;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  if (!f->is_wal) return f->real->pMethods->xSync(f->real, flags);
  return Flush(f);  // the syncer's fdatasync makes it durable (see the header)
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int Lock(sqlite3_file* file, int level) { return Of(file)->real->pMethods->xLock(Of(file)->real, level); }
int Unlock(sqlite3_file* file, int level) { return Of(file)->real->pMethods->xUnlock(Of(file)->real, level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Of(file)->real->pMethods->xCheckReservedLock(Of(file)->real, out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int SectorSize(sqlite3_file* file) { return Of(file)->real->pMethods->xSectorSize(Of(file)->real); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Of(file)->real->pMethods->xDeviceCharacteristics(Of(file)->real);
}
int ShmMap(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  return Of(file)->real->pMethods->xShmMap(Of(file)->real, page, size, extend, out);
}
// A transaction that spilled frames and then rolled back leaves them
// gathered; once the write lock is released another connection may write at
// those offsets, so they go down before any exclusive lock is released.
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = Of(file);
  if ((flags & SQLITE_SHM_UNLOCK) && (flags & SQLITE_SHM_EXCLUSIVE) && f->wal) {
    if (int rc = Flush(f->wal); rc != SQLITE_OK) return rc;
  }
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Of(file)->real->pMethods->xShmBarrier(Of(file)->real); }
int ShmUnmap(sqlite3_file* file, int remove) { return Of(file)->real->pMethods->xShmUnmap(Of(file)->real, remove); }
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  File* f = Of(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Of(file)->real->pMethods->xUnfetch(Of(file)->real, offset, page);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = Of(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->buf = nullptr;
  f->start = f->len = f->cap = 0;
  f->name = nullptr;
  f->wal = f->main = nullptr;
  int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  // Only a file the default VFS opened has methods; without them SQLite
  // must not call ours either (it would close a file that is not open).
  f->base.pMethods = (rc == SQLITE_OK && f->real->pMethods) ? &kMethods : nullptr;
  if (!f->base.pMethods || !name) return rc;
  std::lock_guard lock(g_links_mu);
  if (flags & SQLITE_OPEN_MAIN_DB) {
    f->name = name;
    g_mains[name] = f;
  } else if (f->is_wal) {
    auto it = g_mains.find(sqlite3_filename_database(name));
    if (it != g_mains.end()) {
      f->main = it->second;
      it->second->wal = f;
    }
  }
  return rc;
}

// Everything but xOpen is the default VFS's own: those take no file.
void Register() {
  g_real = sqlite3_vfs_find(nullptr);
  g_vfs = *g_real;
  g_vfs.iVersion = g_real->iVersion;
  g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
  g_vfs.pNext = nullptr;
  g_vfs.zName = "tocsin-walbuffer";
  g_vfs.xOpen = Open;
  sqlite3_vfs_register(&g_vfs, 0);
}

}  // namespace

const char* WalBufferVfsName() {
  static std::once_flag once;
  std::call_once(once, Register);
  return g_vfs.zName;
}

}  // namespace tocsin::storage::sqlite
