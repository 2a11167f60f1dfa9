// The backends behind OpenHistoryStore, and what they share: the schema
// version and the ordering of inspection results.
#ifndef RCPTGUARD_STORE_BACKENDS_H_
#define RCPTGUARD_STORE_BACKENDS_H_

#include <memory>

#include "store/history_store.h"
#include "store/store_url.h"

namespace rcptguard {

// The schema version a store has after it is opened (the number of migrations).
inline constexpr int kHistorySchemaVersion = 1;

// How far LoadChangedSince looks back on PostgreSQL (see postgres_store.cc).
inline constexpr int64_t kPostgresCursorLookback = 1000;

Result<std::unique_ptr<HistoryStore>> OpenMemoryStore(const StoreUrl& url,
                                                      const StoreOptions& options);
Result<std::unique_ptr<HistoryStore>> OpenSqliteStore(const StoreUrl& url,
                                                      const StoreOptions& options);
Result<std::unique_ptr<HistoryStore>> OpenPostgresStore(const StoreUrl& url,
                                                        const StoreOptions& options);

// Order of TopCorrespondents and DescribeDomain's top_pairs: most messages
// first, then most recent, then by recipient so the order is total.
inline bool MoreFrequentPair(const PairRecord& a, const PairRecord& b) {
  if (a.messages != b.messages) return a.messages > b.messages;
  if (a.last_seen != b.last_seen) return a.last_seen > b.last_seen;
  if (a.recipient != b.recipient) return a.recipient < b.recipient;
  return a.sender < b.sender;
}

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_BACKENDS_H_
