// Correspondent history for tests: what the store returns (pairs with counts,
// names, exceptions), built in a few lines.
#ifndef RCPTGUARD_TESTS_SUPPORT_HISTORY_BUILDER_H_
#define RCPTGUARD_TESTS_SUPPORT_HISTORY_BUILDER_H_

#include <string>
#include <string_view>
#include <utility>

#include "rcptguard/history.h"

namespace rcptguard {

// "Now" for history tests: pairs were last seen a day before it.
inline constexpr int64_t kHistoryNow = 1'790'000'000;

// Builds what the store returns for a history: pairs with counts, names.
struct HistoryBuilder {
  const HistoryKeyer& keyer;
  HistorySnapshot snapshot;

  HistoryBuilder& Pair(std::string_view sender, std::string_view recipient, int64_t messages,
                       std::string_view name = {}) {
    PairRecord pair;
    pair.sender = keyer.Key(sender);
    pair.recipient = keyer.Key(recipient);
    pair.domain = std::string(recipient.substr(recipient.rfind('@') + 1));
    pair.messages = messages;
    pair.first_seen = kHistoryNow - 86400 * 30;
    pair.last_seen = kHistoryNow - 86400;
    // In hashed mode the store keeps the digests: the index cannot compute them.
    if (keyer.hashed()) {
      pair.local_digests = keyer.LocalPartDigests(recipient.substr(0, recipient.rfind('@')));
    }
    snapshot.pairs.push_back(std::move(pair));
    if (!name.empty()) {
      snapshot.names.push_back(NameRecord{keyer.Key(sender), keyer.Key(NormalizeDisplayName(name)),
                                          keyer.Key(recipient), messages});
    }
    return *this;
  }
  HistoryBuilder& Except(std::string_view sender, std::string_view recipient, int64_t expires) {
    bool is_address = recipient.find('@') != std::string_view::npos;
    snapshot.exceptions.push_back(ExceptionRecord{
        keyer.Key(sender), is_address ? keyer.Key(recipient) : std::string(recipient), expires,
        kHistoryNow - 10, ""});
    return *this;
  }
};

}  // namespace rcptguard

#endif  // RCPTGUARD_TESTS_SUPPORT_HISTORY_BUILDER_H_
