// Which history store a command opens, and in which mode: from --store and
// the configuration. One place, so every command that touches history agrees.
#ifndef RCPTGUARD_CLI_STORE_OPTIONS_H_
#define RCPTGUARD_CLI_STORE_OPTIONS_H_

#include <string>

#include "rcptguard/result.h"
#include "store/history_store.h"

namespace rcptguard {

// Resolves the store for a command. `store_flag` (--store) wins when given;
// otherwise [history] store from the configuration (`config_path`, or the
// default file if present). The keyer is clear-text: hashed mode (a [history]
// secret_file) is refused with kConfig until this function reads the secret,
// so a command never creates or writes a store in the wrong mode.
// Fails with kConfig, one line naming what is missing or wrong.
Result<StoreOptions> ResolveStoreOptions(const std::string& store_flag,
                                         const std::string& config_path);

}  // namespace rcptguard

#endif  // RCPTGUARD_CLI_STORE_OPTIONS_H_
