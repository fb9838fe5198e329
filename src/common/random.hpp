#pragma once
// Identifiers and secrets. Random bytes come from OpenSSL's CSPRNG; name-based
// UUIDs (v5) give users a stable id derived from their handle.

#include <cstdint>
#include <string>
#include <string_view>

namespace tocsin {

std::string RandomHex(std::size_t bytes);
std::string NewUuidV4();
// RFC 9562 version-7 UUID: the 48-bit Unix time in milliseconds, then random
// bits. Ids made later sort later, so a table's unique index on them grows at
// its end instead of at random pages (fewer pages rewritten per commit).
std::string NewUuidV7(std::int64_t unix_millis);
// RFC 4122 version-5 UUID of `name` in Tocsin's namespace; same input, same id.
std::string NameUuid(std::string_view name);
bool IsUuid(std::string_view text);
std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace tocsin
