// CSRF tokens (see csrf.h).
#include "serve/console/csrf.h"

#include <sodium.h>

namespace rcptguard {
namespace {

// A fixed context string: the token is never the same bytes as anything
// else derived from the session id (the store keeps SessionIdHash of it).
constexpr std::string_view kContext = "rcptguard console csrf v1";

}  // namespace

std::string CsrfTokenFor(std::string_view cookie_secret) {
  unsigned char mac[32];
  // The secret is the key; crypto_generichash takes keys of 16 to 64 bytes,
  // so a longer or shorter one is hashed down first.
  unsigned char key[32];
  crypto_generichash(key, sizeof key, reinterpret_cast<const unsigned char*>(cookie_secret.data()),
                     cookie_secret.size(), nullptr, 0);
  crypto_generichash(mac, sizeof mac, reinterpret_cast<const unsigned char*>(kContext.data()),
                     kContext.size(), key, sizeof key);
  sodium_memzero(key, sizeof key);
  std::string out(sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), mac, sizeof mac,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool CsrfTokenValid(std::string_view cookie_secret, std::string_view presented) {
  if (cookie_secret.empty() || presented.empty()) return false;
  std::string want = CsrfTokenFor(cookie_secret);
  if (presented.size() != want.size()) return false;
  return sodium_memcmp(want.data(), presented.data(), want.size()) == 0;
}

bool SameOrigin(std::string_view origin_header, std::string_view host_header) {
  if (origin_header.empty()) return true;
  if (origin_header == "null" || host_header.empty()) return false;
  size_t scheme = origin_header.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view host = origin_header.substr(scheme + 3);
  if (host.find('/') != std::string_view::npos) return false;  // an origin has no path
  if (host.size() != host_header.size()) return false;
  for (size_t i = 0; i < host.size(); ++i) {
    char a = host[i], b = host_header[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

}  // namespace rcptguard
