// Parsing and redacting storage URLs. PostgreSQL URLs are not parsed here
// beyond the scheme: libpq understands them fully (hosts lists, sslmode, ...),
// and a second parser would only disagree with it.
#include "store/store_url.h"

#include <cctype>
#include <string>

#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Failure UrlError(std::string_view url, std::string_view problem) {
  return MakeError(ErrorCode::kConfig, "storage URL \"" + RedactStoreUrl(url) +
                                           "\": " + std::string(problem) +
                                           " (expected sqlite:///path, postgresql://... or "
                                           "memory:)");
}

}  // namespace

Result<StoreUrl> ParseStoreUrl(std::string_view url) {
  size_t colon = url.find(':');
  if (url.empty() || colon == std::string_view::npos) {
    return UrlError(url, "no scheme");
  }
  std::string_view scheme = url.substr(0, colon);
  std::string_view rest = url.substr(colon + 1);
  StoreUrl parsed;
  if (EqualsIgnoreCase(scheme, "memory")) {
    parsed.scheme = StoreUrl::Scheme::kMemory;
    if (rest.find('/') != std::string_view::npos)
      return UrlError(url, "a memory store has no path");
    parsed.path = std::string(rest);
    return parsed;
  }
  if (EqualsIgnoreCase(scheme, "postgresql") || EqualsIgnoreCase(scheme, "postgres")) {
    if (!StartsWith(rest, "//")) return UrlError(url, "a PostgreSQL URL starts with postgresql://");
    parsed.scheme = StoreUrl::Scheme::kPostgres;
    parsed.conninfo = std::string(url);
    return parsed;
  }
  if (EqualsIgnoreCase(scheme, "sqlite")) {
    parsed.scheme = StoreUrl::Scheme::kSqlite;
    if (StartsWith(rest, "///")) {
      parsed.path = std::string(rest.substr(2));  // keeps the leading '/'
    } else if (StartsWith(rest, "//./")) {
      parsed.path = std::string(rest.substr(2));  // "./rel/path.db"
    } else if (StartsWith(rest, "//")) {
      return UrlError(url,
                      "a SQLite URL names a file, not a host: use sqlite:///absolute/path.db "
                      "or sqlite://./relative/path.db");
    } else {
      return UrlError(url, "use sqlite:///absolute/path.db or sqlite://./relative/path.db");
    }
    if (parsed.path.find_first_of("?#") != std::string::npos) {
      return UrlError(url, "SQLite URLs take no query or fragment");
    }
    if (parsed.path.back() == '/') return UrlError(url, "the path names a directory, not a file");
    return parsed;
  }
  return UrlError(url, "unsupported scheme \"" + std::string(scheme) + "\"");
}

std::string RedactStoreUrl(std::string_view url) {
  std::string out(url);
  // userinfo: scheme://user:password@host -> scheme://user:***@host. The
  // authority ends at the first '/', '?' or '#' after "//"; the password is
  // between the first ':' and the last '@' in it (a password may contain '@').
  size_t authority = out.find("://");
  if (authority != std::string::npos) {
    authority += 3;
    size_t end = out.find_first_of("/?#", authority);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end - 1);
    if (at != std::string::npos && at >= authority) {
      size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, "***");
      }
    }
  }
  // password=... as a query parameter (libpq accepts any connection keyword there).
  size_t search = out.find('?');
  while (search != std::string::npos) {
    size_t key = search + 1;
    if (out.compare(key, 9, "password=") == 0) {
      size_t value = key + 9;
      size_t end = out.find_first_of("&#", value);
      if (end == std::string::npos) end = out.size();
      out.replace(value, end - value, "***");
    }
    search = out.find('&', key);
  }
  return out;
}

}  // namespace rcptguard
