// Storage URLs: which history backend a configuration names, and how to print
// a URL in an error message without its password.
#ifndef RCPTGUARD_STORE_STORE_URL_H_
#define RCPTGUARD_STORE_STORE_URL_H_

#include <string>
#include <string_view>

#include "rcptguard/result.h"

namespace rcptguard {

struct StoreUrl {
  enum class Scheme { kMemory, kSqlite, kPostgres };
  Scheme scheme = Scheme::kMemory;
  // kSqlite: the database file ("/var/lib/rcptguard/rcptguard.db" or
  // "./rel.db"). kMemory: the instance name, empty for a private store.
  std::string path;
  // kPostgres: the URL itself, which libpq's PQconnectdb parses.
  std::string conninfo;
};

// Parses a storage URL:
//   sqlite:///abs/path.db   an absolute path (three slashes)
//   sqlite://./rel/path.db  a path relative to the working directory
//   postgresql://...  postgres://...   passed unchanged to libpq
//   memory:  memory:NAME    in-process; NAME shares one instance per process
// Anything else (another scheme, sqlite:// with a host, an empty path, query
// strings on sqlite) fails with kConfig and a message naming the (redacted) URL.
Result<StoreUrl> ParseStoreUrl(std::string_view url);

// The URL with any password replaced by "***": the userinfo password of a URI
// ("postgresql://user:secret@host/db") and a "password=" query parameter. Safe
// to print in logs and error messages. Text that is not a URL is returned as is.
std::string RedactStoreUrl(std::string_view url);

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_STORE_URL_H_
