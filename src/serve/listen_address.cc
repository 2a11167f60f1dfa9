// ParseListenAddress: HOST:PORT into a host, a port and whether it is loopback.
#include "serve/listen_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace rcptguard {
namespace {

bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return MakeError(ErrorCode::kConfig, "listen address '" + std::string(text.substr(0, 200)) +
                                             "': " + std::string(why) +
                                             " (want HOST:PORT or [IPv6]:PORT)");
  };
  ListenAddress address;
  address.text = std::string(text);
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail("an IPv6 address needs [ADDRESS]:PORT");
    }
    address.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("no port");
    address.host = std::string(text.substr(0, colon));
    if (address.host.find(':') != std::string::npos)
      return fail("write an IPv6 address in brackets");
    port = text.substr(colon + 1);
  }
  if (address.host.empty()) return fail("no host");
  int value = -1;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || value < 0 || value > 65535) {
    return fail("the port must be a number from 1 to 65535");
  }
  address.port = value;
  address.loopback = IsLoopback(address.host);
  return address;
}

}  // namespace rcptguard
