#pragma once
// A SQLite VFS for the writer connection of the pipelined commit (ADR 0006,
// ADR 0008): it passes everything to the default VFS except two things about
// the write-ahead log.
//
// 1. SQLite writes each WAL frame as two pwrite calls (a 24-byte header, then
//    the page): a group commit of a few hundred pages made a thousand system
//    calls. Here contiguous WAL writes are gathered in memory and written with
//    one call when the commit asks for its sync (or earlier: before any other
//    operation on the file, when the gathered bytes reach 1 MiB, or when a
//    write is not contiguous).
// 2. That sync does not wait for the disk: the store's syncer thread runs
//    fdatasync on the WAL before anyone whose commit it covers is answered.
//    The writer therefore runs with synchronous=FULL, so SQLite asks for the
//    WAL sync at every commit, after the frames and before it publishes them
//    in the wal-index: the gathered frames reach the operating system before
//    any reader can look for them.
//
// The main database file and every other file pass straight through, so a
// checkpoint's sync of the database is real. Whoever checkpoints through a
// connection on this VFS must fdatasync the WAL first (SqliteStore::Close
// does), since the checkpoint's own WAL sync is only a write here.

namespace tocsin::storage::sqlite {

// The VFS's name, registered (once, thread-safe) by the first call.
const char* WalBufferVfsName();

}  // namespace tocsin::storage::sqlite
