#include "store/backends.h"
namespace rcptguard {
Result<std::unique_ptr<HistoryStore>> OpenPostgresStore(const StoreUrl&, const StoreOptions&) {
  return MakeError(ErrorCode::kConfig, "not yet");
}
}  // namespace rcptguard
