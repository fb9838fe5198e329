#include "common/base64.hpp"

#include <openssl/evp.h>

namespace tocsin {

std::string Base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  // EVP_DecodeBlock skips leading and trailing blanks; this is stricter.
  for (char c : in) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              c == '=';
    if (!ok) return std::nullopt;
  }
  std::size_t pad = 0;
  while (pad < in.size() && pad < 2 && in[in.size() - 1 - pad] == '=') ++pad;
  if (in.substr(0, in.size() - pad).find('=') != std::string_view::npos) return std::nullopt;
  std::string out(3 * (in.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);  // the block decoder counts padding as zero bytes
  return out;
}

}  // namespace tocsin
