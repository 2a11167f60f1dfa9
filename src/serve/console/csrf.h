// CSRF tokens for the console's forms. A token is derived from a secret the
// browser holds only in an HttpOnly, SameSite=Strict cookie (the session id,
// or before log-in a random pre-session value), with a keyed BLAKE2b
// (libsodium crypto_generichash): another site can neither read the cookie
// nor compute the token, and the server keeps no token state.
#ifndef RCPTGUARD_SERVE_CONSOLE_CSRF_H_
#define RCPTGUARD_SERVE_CONSOLE_CSRF_H_

#include <string>
#include <string_view>

namespace rcptguard {

// The token for the forms of the holder of `cookie_secret` (URL-safe base64,
// 43 characters). Deterministic: the same secret gives the same token.
std::string CsrfTokenFor(std::string_view cookie_secret);

// Returns true iff `presented` is the token for `cookie_secret` (compared in
// constant time). An empty secret or token is never valid.
bool CsrfTokenValid(std::string_view cookie_secret, std::string_view presented);

// Returns true iff a state-changing request may go on as far as its origin
// says: no Origin header (an old browser or a script without one: the token
// decides), or an Origin whose host:port is `host` (the Host header). A
// cross-site form post from a modern browser carries another Origin.
bool SameOrigin(std::string_view origin_header, std::string_view host_header);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CONSOLE_CSRF_H_
