// libFuzzer target for the mbox reader (and through it the header-block parser
// and GMime's address-list and date parsing) on arbitrary bytes, checking the
// promises of src/learn/mbox_reader.h.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_contract.h"
#include "learn/mbox_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uint64_t emitted = 0;
  uint64_t last_progress = 0;
  rcptguard::LearnCallbacks callbacks{
      [&](rcptguard::SentMessage&& message) {
        ++emitted;
        FUZZ_CONTRACT(!message.sender.empty(), "an emitted message has a sender");
        FUZZ_CONTRACT(!message.recipients.empty(), "an emitted message has recipients");
        FUZZ_CONTRACT(!message.key.empty(), "an emitted message has a key");
        for (const rcptguard::SentRecipient& r : message.recipients) {
          FUZZ_CONTRACT(r.address.find('@') != std::string::npos, "recipients have a domain");
        }
        return true;
      },
      [&](uint64_t done) {
        FUZZ_CONTRACT(done >= last_progress && done <= size, "progress is monotonic and bounded");
        last_progress = done;
      }};
  // A small header limit, so the "header block too long" path is reached.
  rcptguard::LearnCounters counters =
      rcptguard::ReadMbox(input, rcptguard::MboxOptions{"fuzz", 1, 512}, callbacks);
  FUZZ_CONTRACT(counters.messages == emitted, "messages counts what was emitted");
  FUZZ_CONTRACT(counters.bytes == size, "the whole input is consumed");
  FUZZ_CONTRACT(last_progress == size, "the last progress call reports the whole input");
  return 0;
}
