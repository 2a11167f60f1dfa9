// The socket-spec parser (see socket_spec.h).
#include "daemon/socket_spec.h"

#include <sys/un.h>

#include "rcptguard/ascii.h"
#include "rcptguard/session.h"

namespace rcptguard {
namespace {

Failure Refuse(std::string_view text, const std::string& why) {
  return MakeError(ErrorCode::kConfig, "invalid socket '" + SanitizeForLine(text, 200, true) +
                                           "': " + why +
                                           " (want unix:/path, inet:port@host or inet6:port@host)");
}

bool IsHostCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == ':' || c == '_' || c == '[' || c == ']' || c == '%';
}

}  // namespace

Result<SocketSpec> ParseSocketSpec(std::string_view text) {
  SocketSpec spec;
  spec.text = std::string(text);
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return Refuse(text, "no family (unix:, inet: or inet6:)");
  std::string_view family = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (EqualsIgnoreCase(family, "unix") || EqualsIgnoreCase(family, "local")) {
    spec.family = SocketSpec::Family::kUnix;
    if (rest.empty() || rest.front() != '/') {
      return Refuse(text, "a unix socket needs an absolute path");
    }
    if (rest.size() >= sizeof(sockaddr_un{}.sun_path)) {
      return Refuse(text, "the path is longer than " +
                              std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
    }
    if (rest.find('\0') != std::string_view::npos) return Refuse(text, "the path holds a NUL");
    spec.path = std::string(rest);
    return spec;
  }
  if (EqualsIgnoreCase(family, "inet")) {
    spec.family = SocketSpec::Family::kInet;
  } else if (EqualsIgnoreCase(family, "inet6")) {
    spec.family = SocketSpec::Family::kInet6;
  } else {
    return Refuse(text, "unknown family '" + SanitizeForLine(family, 40, true) + "'");
  }
  size_t at = rest.find('@');
  std::string_view port = rest.substr(0, at);
  if (port.empty() || port.size() > 5) return Refuse(text, "the port must be 1 to 65535");
  for (char c : port) {
    if (c < '0' || c > '9') return Refuse(text, "the port must be 1 to 65535");
  }
  spec.port = std::stoi(std::string(port));
  if (spec.port < 1 || spec.port > 65535) return Refuse(text, "the port must be 1 to 65535");
  if (at == std::string_view::npos) return Refuse(text, "no host (inet:port@host)");
  std::string_view host = rest.substr(at + 1);
  if (host.empty() || host.size() > 253)
    return Refuse(text, "the host must be 1 to 253 characters");
  for (char c : host) {
    if (!IsHostCharacter(c)) return Refuse(text, "the host holds a character no host name has");
  }
  spec.host = std::string(host);
  return spec;
}

}  // namespace rcptguard
