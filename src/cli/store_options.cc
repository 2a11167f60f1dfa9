// Resolving the history store of a command.
#include "cli/store_options.h"

#include "platform/files.h"

namespace rcptguard {

Result<StoreOptions> ResolveStoreOptions(const std::string& store_flag,
                                         const HistorySettings& settings) {
  StoreOptions options;
  options.url = store_flag.empty() ? settings.store : store_flag;
  if (options.url.empty()) {
    return MakeError(ErrorCode::kConfig,
                     "no history store: give --store URL or set [history] store in the "
                     "configuration");
  }
  if (!settings.secret_file.empty()) {
    auto secret = ReadFile(settings.secret_file);
    if (!secret) return MakeError(ErrorCode::kConfig, secret.error().message, settings.secret_file);
    // A trailing newline from `echo` or an editor is not part of the secret.
    while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) {
      secret->pop_back();
    }
    auto keyer = HistoryKeyer::Hashed(*secret);
    if (!keyer) return MakeError(ErrorCode::kConfig, keyer.error().message, settings.secret_file);
    options.keyer = std::move(*keyer);
  }
  return options;
}

Result<std::shared_ptr<const CorrespondentHistory>> LoadCorrespondentHistory(
    const std::string& store_flag, const HistorySettings& settings, int64_t now) {
  auto options = ResolveStoreOptions(store_flag, settings);
  if (!options) return Unexpected(options.error());
  options->read_only = true;  // a check never writes history
  auto store = OpenHistoryStore(*options);
  if (!store && store_flag.empty() && !settings.store_where.empty()) {
    // Named in the configuration: the error says where.
    Error error = store.error();
    error.message =
        "'history.store' " + (error.where.empty() ? "" : "(" + error.where + ") ") + error.message;
    error.where = settings.store_where;
    return Unexpected(std::move(error));
  }
  if (!store) return Unexpected(store.error());
  auto snapshot = (*store)->Load(now);
  if (!snapshot) return Unexpected(snapshot.error());
  return CorrespondentHistory::Build(*snapshot, options->keyer, settings.options);
}

}  // namespace rcptguard
