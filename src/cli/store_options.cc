// Resolving the history store for the command line.
#include "cli/store_options.h"

#include "config/config.h"

namespace rcptguard {

Result<StoreOptions> ResolveStoreOptions(const std::string& store_flag,
                                         const std::string& config_path) {
  StoreOptions options;
  // The configuration is read when there is no --store, and whenever -c names
  // one: its secret_file says the store is hashed, which --store cannot say.
  if (store_flag.empty() || !config_path.empty()) {
    auto config = LoadConfig(ConfigRequest{config_path, {}});
    if (!config) return tl::unexpected(config.error());
    if (!config->history.secret_file.empty()) {
      return MakeError(ErrorCode::kConfig,
                       config->source +
                           ": [history] secret_file (hashed mode) is not supported by this "
                           "command yet; it would open the store in clear-text mode");
    }
    options.url = config->history.store;
    if (options.url.empty() && store_flag.empty()) {
      return MakeError(ErrorCode::kConfig,
                       "no history store: pass --store URL or set [history] store in the "
                       "configuration (now: " +
                           config->source + ")");
    }
  }
  if (!store_flag.empty()) options.url = store_flag;
  options.keyer = HistoryKeyer();
  return options;
}

}  // namespace rcptguard
