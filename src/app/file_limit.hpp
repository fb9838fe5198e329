#pragma once
// The process's open-file limit. Each client connection is a descriptor; the
// soft limit is often 1,024 while the hard limit is far higher, so the server
// raises the soft limit at start and lets server.max_connections decide.

#include <cstdint>

namespace tocsin::app {

// Raises RLIMIT_NOFILE's soft limit to the hard limit (or, when the hard limit
// is unlimited, to the most the kernel allows). Returns the soft limit now in
// force; never lowers it.
std::uint64_t RaiseOpenFileLimit();

}  // namespace tocsin::app
