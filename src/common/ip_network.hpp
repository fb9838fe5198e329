#pragma once
// IP networks written as an address ("10.0.0.7", "::1") or in CIDR form
// ("10.0.0.0/8", "fd00::/8"), and whether a peer address is inside one. Used
// to trust a reverse proxy's user header only from the proxy's addresses.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin {

struct IpNetwork {
  bool v6 = false;
  std::array<unsigned char, 16> bytes{};
  int prefix = 0;  // leading bits that must match
};

// nullopt when `text` is not an address or address/prefix.
std::optional<IpNetwork> ParseIpNetwork(std::string_view text);
// `address` may carry the port as the server writes a peer ("10.0.0.7:51234",
// "::1:51234"); an IPv4-mapped IPv6 peer (::ffff:10.0.0.7) counts as IPv4.
bool InAnyNetwork(const std::vector<IpNetwork>& networks, std::string_view address, bool with_port);

}  // namespace tocsin
