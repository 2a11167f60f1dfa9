// Which mail is outbound: SMTP AUTH, the Postfix service, client networks,
// sender domains and local submission, as [outbound] configures them.
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "rcptguard/session.h"

namespace rcptguard {
namespace {

bool ParseIp(std::string_view text, bool* v6, std::array<uint8_t, 16>* bytes) {
  char buffer[64];
  if (text.empty() || text.size() >= sizeof(buffer)) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  bytes->fill(0);
  if (inet_pton(AF_INET, buffer, bytes->data()) == 1) {
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, buffer, bytes->data()) == 1) {
    // An IPv4-mapped address (::ffff:192.0.2.1) is matched as IPv4.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes->data(), kMapped, sizeof(kMapped)) == 0) {
      std::memmove(bytes->data(), bytes->data() + 12, 4);
      std::fill(bytes->begin() + 4, bytes->end(), 0);
      *v6 = false;
    } else {
      *v6 = true;
    }
    return true;
  }
  return false;
}

}  // namespace

Result<OutboundRules> OutboundRules::Compile(const OutboundSpec& spec) {
  OutboundRules rules;
  rules.authenticated_ = spec.authenticated;
  rules.local_clients_ = spec.local_clients;
  for (const std::string& text : spec.networks) {
    std::string_view address = text;
    int prefix = -1;
    if (size_t slash = address.find('/'); slash != std::string_view::npos) {
      std::string_view bits = address.substr(slash + 1);
      address = address.substr(0, slash);
      prefix = 0;
      for (char c : bits) {
        if (c < '0' || c > '9' || prefix > 128) {
          prefix = 999;
          break;
        }
        prefix = prefix * 10 + (c - '0');
      }
      if (bits.empty()) prefix = 999;
    }
    Network network;
    if (!ParseIp(address, &network.v6, &network.bytes)) {
      return MakeError(ErrorCode::kConfig, "'" + text + "' is not an IP address or network");
    }
    int max_prefix = network.v6 ? 128 : 32;
    network.prefix = prefix < 0 ? max_prefix : prefix;
    if (network.prefix > max_prefix) {
      return MakeError(ErrorCode::kConfig, "'" + text + "': the prefix length must be 0 to " +
                                               std::to_string(max_prefix));
    }
    rules.networks_.push_back(network);
  }
  for (const std::string& text : spec.sender_domains) {
    auto domain = NormalizeDomain(text);
    if (!domain) {
      return MakeError(ErrorCode::kConfig,
                       "'" + text + "' is not a domain: " + domain.error().message);
    }
    rules.sender_domains_.push_back(domain->ascii);
  }
  rules.daemon_names_ = spec.daemon_names;
  return rules;
}

bool OutboundRules::InNetworks(std::string_view address) const {
  bool v6 = false;
  std::array<uint8_t, 16> bytes;
  if (!ParseIp(address, &v6, &bytes)) return false;
  for (const Network& network : networks_) {
    if (network.v6 != v6) continue;
    int full = network.prefix / 8;
    int rest = network.prefix % 8;
    if (std::memcmp(bytes.data(), network.bytes.data(), full) != 0) continue;
    if (rest != 0) {
      auto mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((bytes[full] & mask) != (network.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

bool OutboundRules::IsOutbound(const ConnectionFacts& facts, const Address* sender) const {
  if (authenticated_ && !facts.auth_user.empty()) return true;
  if (local_clients_ && facts.local) return true;
  if (!facts.daemon_name.empty() && std::find(daemon_names_.begin(), daemon_names_.end(),
                                              facts.daemon_name) != daemon_names_.end()) {
    return true;
  }
  if (InNetworks(facts.client_address)) return true;
  if (sender != nullptr) {
    for (const std::string& domain : sender_domains_) {
      if (IsInDomain(sender->domain.ascii, domain)) return true;
    }
  }
  return false;
}

}  // namespace rcptguard
