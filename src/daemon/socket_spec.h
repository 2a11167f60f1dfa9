// Listening socket specifications, as libmilter and Postfix's milter settings
// write them: "unix:/path" (or "local:/path"), "inet:port@host",
// "inet6:port@host". One parser for start-up and `milter -n`, so that the
// check refuses exactly what start-up would refuse.
#ifndef RCPTGUARD_DAEMON_SOCKET_SPEC_H_
#define RCPTGUARD_DAEMON_SOCKET_SPEC_H_

#include <string>
#include <string_view>

#include "rcptguard/result.h"

namespace rcptguard {

struct SocketSpec {
  enum class Family { kUnix, kInet, kInet6 };
  Family family = Family::kUnix;
  std::string path;  // kUnix: an absolute path
  int port = 0;      // kInet, kInet6: 1 to 65535
  std::string host;  // kInet, kInet6: an address or a host name
  std::string text;  // the spec as given, for log lines and libmilter
};

// Fails (kConfig, naming the spec) on: no family prefix ("bogus", which
// libmilter would take as a file name), an unknown family, a relative or
// over-long unix path, a port that is not a number from 1 to 65535, or an
// empty or malformed host.
Result<SocketSpec> ParseSocketSpec(std::string_view text);

}  // namespace rcptguard

#endif  // RCPTGUARD_DAEMON_SOCKET_SPEC_H_
