// The system Public Suffix List via libpsl.
#include "platform/suffix_list_file.h"

#include <libpsl.h>

namespace rcptguard {

std::shared_ptr<const SuffixList> LoadSystemSuffixList() {
  // psl_latest(NULL) reads the distribution's file (PSL_DISTFILE) and keeps it if
  // it is newer than the built-in data.
  psl_ctx_t* ctx = psl_latest(nullptr);
  if (ctx == nullptr) return SuffixList::Builtin();
  return std::make_shared<const SuffixList>(ctx, ctx != psl_builtin());
}

}  // namespace rcptguard
