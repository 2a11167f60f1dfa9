// Which history store a command uses: --store URL, else [history] store; and
// in which mode (hashed when [history] secret_file is set).
#ifndef RCPTGUARD_CLI_STORE_OPTIONS_H_
#define RCPTGUARD_CLI_STORE_OPTIONS_H_

#include <string>

#include "config/config.h"
#include "rcptguard/result.h"
#include "store/history_store.h"

namespace rcptguard {

// `store_flag` is the --store value (empty: not given). Fails (kConfig) when
// neither names a store, or the secret file cannot be read or is too short,
// naming the file.
Result<StoreOptions> ResolveStoreOptions(const std::string& store_flag,
                                         const HistorySettings& settings);

// Opens the store and builds the index of all of it, as the milter holds it,
// so that a command's answer is the milter's. Fails as ResolveStoreOptions,
// OpenHistoryStore and Load do.
Result<std::shared_ptr<const CorrespondentHistory>> LoadCorrespondentHistory(
    const std::string& store_flag, const HistorySettings& settings, int64_t now);

}  // namespace rcptguard

#endif  // RCPTGUARD_CLI_STORE_OPTIONS_H_
