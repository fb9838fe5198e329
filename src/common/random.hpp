#pragma once
// Identifiers and secrets. Random bytes come from OpenSSL's CSPRNG; name-based
// UUIDs (v5) give users a stable id derived from their handle.

#include <string>
#include <string_view>

namespace tocsin {

std::string RandomHex(std::size_t bytes);
std::string NewUuidV4();
// RFC 4122 version-5 UUID of `name` in Tocsin's namespace; same input, same id.
std::string NameUuid(std::string_view name);
bool IsUuid(std::string_view text);
std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace tocsin
