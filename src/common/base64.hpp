#pragma once
// Base64 (RFC 4648, standard alphabet, padded) on OpenSSL's EVP coder.

#include <optional>
#include <string>
#include <string_view>

namespace tocsin {

std::string Base64Encode(std::string_view in);
// nullopt when `in` is not padded base64 (spaces, wrong length, other characters).
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace tocsin
