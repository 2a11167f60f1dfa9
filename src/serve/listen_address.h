// Where `rcptguard serve` listens: HOST:PORT or [IPv6]:PORT, and whether that
// is a loopback address (plain HTTP is allowed only there).
#ifndef RCPTGUARD_SERVE_LISTEN_ADDRESS_H_
#define RCPTGUARD_SERVE_LISTEN_ADDRESS_H_

#include <string>
#include <string_view>

#include "rcptguard/result.h"

namespace rcptguard {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "localhost" (no brackets)
  int port = 0;      // 1 to 65535; 0 only in tests: any free port
  bool loopback = false;
  std::string text;  // as given, for log lines
};

// Parses "HOST:PORT" or "[IPv6]:PORT". Fails (kConfig) on a missing or bad
// port or an empty host, naming the text. `loopback` is true for 127.0.0.0/8,
// ::1 and "localhost"; a name other than localhost counts as not loopback
// (it could resolve anywhere).
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_LISTEN_ADDRESS_H_
