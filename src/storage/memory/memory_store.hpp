#pragma once
// MemoryStore: a Store that keeps everything in process memory. For tests and
// for `storage.driver: memory`; nothing survives a restart. Thread-safe (one
// mutex); passes the same conformance suite as the durable backends.

#include <memory>

#include "core/ports/store.hpp"

namespace tocsin::storage {

std::unique_ptr<core::Store> MakeMemoryStore();

}  // namespace tocsin::storage
