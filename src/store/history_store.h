// The history store: where correspondent history lives between runs and is
// shared between mail gateways. One interface, chosen by a storage URL:
//   sqlite:///var/lib/rcptguard/rcptguard.db   (embedded default; WAL; one file)
//   postgresql://user@host:port/db?...         (libpq; several gateways, one history)
//   memory:                                    (tests and benchmarks; nothing persists)
// Addresses are passed in clear and stored through the HistoryKeyer (clear or
// hashed mode); results carry what is stored. The schema is versioned and
// migrated when a store is opened.
#ifndef RCPTGUARD_STORE_HISTORY_STORE_H_
#define RCPTGUARD_STORE_HISTORY_STORE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/history.h"
#include "rcptguard/result.h"

namespace rcptguard {

struct StoreOptions {
  std::string url;
  HistoryKeyer keyer;  // clear or hashed mode; a store refuses to open in the
                       // other mode than the one its data was written in
  // Open for reading only (check, scan, history stats/top/domain/exceptions):
  // nothing is created or migrated, and a SQLite file in a read-only
  // directory still opens. Writes then fail.
  bool read_only = false;
};

// What `rcptguard history domain` shows.
struct DomainSummary {
  std::string domain;
  int64_t messages = 0;   // sum over pairs
  int64_t senders = 0;    // distinct senders who wrote there
  int64_t addresses = 0;  // distinct recipient addresses
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  std::vector<PairRecord> top_pairs;  // most messages first
};

struct StoreStats {
  int64_t pairs = 0;
  int64_t senders = 0;
  int64_t domains = 0;
  int64_t names = 0;
  int64_t exceptions = 0;
  int64_t recorded_messages = 0;  // keys remembered for idempotency
  int schema_version = 0;
  bool hashed = false;
};

// Not thread-safe: one store object per thread (each holds one connection).
// Every method is one transaction: it takes effect whole or not at all.
class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // Records delivered messages. A message whose non-empty key was recorded
  // before is skipped, so learning the same mail twice does not double counts.
  // Returns the number of messages counted.
  virtual Result<size_t> Record(std::span<const SentMessage> messages) = 0;

  // Everything, for building the index (exceptions expired at `now` left out).
  virtual Result<HistorySnapshot> Load(int64_t now) = 0;
  // What one check for `sender` needs: the sender's pairs, names and
  // exceptions, and every sender's pairs at the domains `sender` writes to
  // (for "does anyone here write to this address?").
  virtual Result<HistorySnapshot> LoadForSender(std::string_view sender, int64_t now) = 0;
  // Pairs and names written after `cursor` (a snapshot's cursor), with
  // absolute counts, and every unexpired exception.
  virtual Result<HistorySnapshot> LoadChangedSince(int64_t cursor, int64_t now) = 0;

  // Inspection and data-protection requests.
  virtual Result<std::vector<PairRecord>> TopCorrespondents(std::string_view sender,
                                                            size_t limit) = 0;
  virtual Result<DomainSummary> DescribeDomain(std::string_view domain, size_t limit) = 0;
  // Removes every pair, name and exception where the address is the sender.
  virtual Result<size_t> ForgetSender(std::string_view sender) = 0;
  // Removes every pair, name and exception where the address is the recipient
  // or the sender.
  virtual Result<size_t> ForgetAddress(std::string_view address) = 0;

  // Per-sender exceptions. Add replaces an existing one for the same pair.
  virtual Result<void> AddException(const ExceptionRecord& exception) = 0;
  virtual Result<size_t> RemoveException(std::string_view sender, std::string_view recipient) = 0;
  // `sender` empty: all senders. Expired ones are included (callers show them).
  virtual Result<std::vector<ExceptionRecord>> ListExceptions(std::string_view sender) = 0;

  // Retention: forgets pairs and names last seen before `before`, message keys
  // recorded before it, and exceptions expired before it. Returns pairs removed.
  virtual Result<size_t> Prune(int64_t before) = 0;

  virtual Result<StoreStats> Stats() = 0;

  // Looks for damage (SQLite: PRAGMA quick_check; a server database checks
  // itself). Fails (kIo) naming the store and the first problem found. Costs
  // a pass over the store: for the end of `learn`, after a write error, and
  // `history stats`.
  virtual Result<void> CheckIntegrity() = 0;
};

// Opens (creating and migrating as needed) the store a URL names. Fails with
// kConfig on a malformed or unsupported URL, kIo when the database cannot be
// reached or written, naming the URL (without its password).
Result<std::unique_ptr<HistoryStore>> OpenHistoryStore(const StoreOptions& options);

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_HISTORY_STORE_H_
