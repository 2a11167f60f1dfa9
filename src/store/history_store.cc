// OpenHistoryStore: the URL picks the backend.
#include "store/history_store.h"

#include "store/backends.h"
#include "store/store_url.h"

namespace rcptguard {

Result<std::unique_ptr<HistoryStore>> OpenHistoryStore(const StoreOptions& options) {
  auto url = ParseStoreUrl(options.url);
  if (!url) return Unexpected(url.error());
  switch (url->scheme) {
    case StoreUrl::Scheme::kMemory:
      return OpenMemoryStore(*url, options);
    case StoreUrl::Scheme::kSqlite:
      return OpenSqliteStore(*url, options);
    case StoreUrl::Scheme::kPostgres:
      return OpenPostgresStore(*url, options);
  }
  return MakeError(ErrorCode::kInternal, "unknown storage scheme");
}

}  // namespace rcptguard
