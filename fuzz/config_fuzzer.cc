// libFuzzer target for the configuration loader on arbitrary text: the TOML
// pre-scan (config/toml_shape.h), toml++ behind it, the key table and every
// section's loader, checking the promises of config/config.h: no crash, no
// deep recursion, and an error names the file and line without raw control bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/toml_shape.h"
#include "fuzz_contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Files named by trusted.files read as a small list, so their loader runs too.
  auto files = [](const std::string&) -> rcptguard::Result<std::string> {
    return std::string("army.mil\n*.gov.uk 0.5\n");
  };
  auto config = rcptguard::ParseConfig(text, "fuzz.toml", files);
  if (!config) {
    const rcptguard::Error& error = config.error();
    FUZZ_CONTRACT(error.code == rcptguard::ErrorCode::kConfig, "a config error has kConfig");
    FUZZ_CONTRACT(
        error.where.rfind("fuzz.toml:", 0) == 0 || error.where.rfind("data/markings/", 0) == 0,
        "a config error names the file and line");
    for (char c : error.message) {
      auto byte = static_cast<unsigned char>(c);
      FUZZ_CONTRACT(byte >= 0x20 && byte != 0x7f, "an error message holds no raw control byte");
    }
  }
  // The pre-scan alone: linear, never recursive, any bytes.
  (void)rcptguard::CheckTomlShape(text, "fuzz.toml");
  return 0;
}
