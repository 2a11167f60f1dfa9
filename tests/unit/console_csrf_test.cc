// CSRF checking for the review console: a form's token is valid only with the
// cookie it was made for, and a cross-site Origin is refused.
#include <gtest/gtest.h>

#include <string>

#include "serve/console/csrf.h"
#include "store/review_store.h"

namespace rcptguard {
namespace {

TEST(ConsoleCsrf, TokenIsValidForItsOwnSecret) {
  std::string secret = NewSessionId();
  std::string token = CsrfTokenFor(secret);
  EXPECT_EQ(token.size(), 43u) << "32 bytes, URL-safe base64 without padding";
  EXPECT_TRUE(CsrfTokenValid(secret, token));
  EXPECT_EQ(CsrfTokenFor(secret), token) << "deterministic: no server state";
}

TEST(ConsoleCsrf, RefusedCases) {
  std::string secret = NewSessionId();
  std::string token = CsrfTokenFor(secret);
  std::string flipped = token;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  struct Case {
    const char* name;
    std::string secret;
    std::string presented;
  };
  const Case cases[] = {
      {"missing token", secret, ""},
      {"missing cookie", "", token},
      {"another session's token", secret, CsrfTokenFor(NewSessionId())},
      {"one character changed", secret, flipped},
      {"truncated", secret, token.substr(0, 42)},
      {"longer", secret, token + "A"},
      {"the session id itself", secret, secret},
      {"the stored hash of the session id", secret, SessionIdHash(secret)},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(CsrfTokenValid(c.secret, c.presented)) << "case: " << c.name;
  }
}

TEST(ConsoleCsrf, SameOriginCases) {
  struct Case {
    const char* name;
    std::string origin;
    std::string host;
    bool want;
  };
  const Case cases[] = {
      {"no Origin header: the token decides", "", "127.0.0.1:9025", true},
      {"same host and port", "http://127.0.0.1:9025", "127.0.0.1:9025", true},
      {"host case differs", "https://Console.Example.org", "console.example.org", true},
      {"another port", "http://127.0.0.1:8080", "127.0.0.1:9025", false},
      {"another site", "https://evil.example", "127.0.0.1:9025", false},
      {"suffix trick", "http://127.0.0.1:9025.evil.example", "127.0.0.1:9025", false},
      {"opaque origin", "null", "127.0.0.1:9025", false},
      {"origin with a path", "http://127.0.0.1:9025/x", "127.0.0.1:9025", false},
      {"no Host", "http://127.0.0.1:9025", "", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SameOrigin(c.origin, c.host), c.want)
        << "case: " << c.name << " (origin '" << c.origin << "', host '" << c.host << "')";
  }
}

}  // namespace
}  // namespace rcptguard
