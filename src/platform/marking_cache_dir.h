// A directory of compiled marking databases (MarkingDatabaseCache on files),
// so that `rcptguard scan` and a milter reload start without compiling again
// the packs they compiled before.
#ifndef RCPTGUARD_PLATFORM_MARKING_CACHE_DIR_H_
#define RCPTGUARD_PLATFORM_MARKING_CACHE_DIR_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rcptguard/marking.h"

namespace rcptguard {

// Entries are files `<name>.hsdb` in one directory, created (mode 0700) on
// first store. An entry is read only when it is a regular file owned by this
// process's user and writable by no one else, so another account cannot plant
// a database; it is written to a private temporary file and renamed into
// place, so readers never see half of one. Safe to share between threads.
class MarkingCacheDir : public MarkingDatabaseCache {
 public:
  explicit MarkingCacheDir(std::string directory) : directory_(std::move(directory)) {}
  std::optional<std::string> Load(std::string_view name) override;
  void Store(std::string_view name, std::string_view bytes) override;
  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
};

// The cache directory this process uses: $RCPTGUARD_CACHE_DIR if set (empty:
// no cache), else $XDG_CACHE_HOME/rcptguard, else $HOME/.cache/rcptguard;
// null when none of them is set. Made once and shared.
MarkingDatabaseCache* DefaultMarkingCache();

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_MARKING_CACHE_DIR_H_
