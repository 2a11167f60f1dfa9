// Where the milter keeps a message's body for the marking scan: in memory up
// to a bound, then in a private temporary file (created and unlinked at once,
// mode 0600, so no other process can open it and nothing is left behind if
// the process dies).
#ifndef RCPTGUARD_MILTER_SPILL_STORE_H_
#define RCPTGUARD_MILTER_SPILL_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "rcptguard/marking.h"

namespace rcptguard {

class SpillStore : public MarkingMessageStore {
 public:
  // Keeps up to `memory_limit` bytes in memory; the rest goes to a file in
  // `directory` (empty: $TMPDIR, else /tmp). `report` (may be empty) is told
  // why an Append failed, once per store, for the log (the scan that called
  // Append only notes that it stopped).
  SpillStore(size_t memory_limit, std::string directory,
             std::function<void(const std::string&)> report = {});
  ~SpillStore() override;
  SpillStore(const SpillStore&) = delete;
  SpillStore& operator=(const SpillStore&) = delete;

  Result<void> Append(std::string_view bytes) override;
  int64_t Read(uint64_t offset, char* out, size_t n) override;
  uint64_t size() const override { return size_; }

  bool spilled() const { return fd_ >= 0; }

 private:
  Result<void> OpenFile();
  Failure Fail(std::string message);

  size_t memory_limit_;
  std::string directory_;
  std::string memory_;  // the first bytes
  int fd_ = -1;         // the rest, from offset memory_.size()
  uint64_t size_ = 0;
  std::function<void(const std::string&)> report_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_MILTER_SPILL_STORE_H_
