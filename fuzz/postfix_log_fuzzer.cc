// libFuzzer target for the Postfix log reader on arbitrary bytes, checking the
// promises of src/learn/postfix_log_reader.h. A tiny open-message limit makes
// the eviction path run on small inputs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_contract.h"
#include "learn/postfix_log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  uint64_t emitted = 0;
  rcptguard::LearnCallbacks callbacks{
      [&](rcptguard::SentMessage&& message) {
        ++emitted;
        FUZZ_CONTRACT(!message.sender.empty(), "an emitted message has a sender");
        FUZZ_CONTRACT(!message.recipients.empty(), "an emitted message has recipients");
        FUZZ_CONTRACT(!message.key.empty(), "an emitted message has a key");
        for (size_t i = 0; i < message.recipients.size(); ++i) {
          for (size_t j = i + 1; j < message.recipients.size(); ++j) {
            FUZZ_CONTRACT(message.recipients[i].address != message.recipients[j].address,
                          "each recipient once");
          }
        }
        return true;
      },
      {}};
  rcptguard::LearnCounters counters =
      rcptguard::ReadPostfixLog(input, rcptguard::PostfixLogOptions{1798675200, 4}, callbacks);
  FUZZ_CONTRACT(counters.messages == emitted, "messages counts what was emitted");
  FUZZ_CONTRACT(counters.bytes == size, "the whole input is consumed");
  return 0;
}
