// A cheap pre-scan of TOML text that bounds what toml++ would recurse on, run
// before the text reaches toml++ (issue 11): a key of 50,000 dotted parts
// overflows the parser's stack and kills the process.
#ifndef RCPTGUARD_CONFIG_TOML_SHAPE_H_
#define RCPTGUARD_CONFIG_TOML_SHAPE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "rcptguard/result.h"

namespace rcptguard {

// The bounds. rcptguard's own keys have at most three parts
// ("actions.lookalike-domain.min_score") and its values nest three deep (a
// [[marking]] match list of tables of arrays); the limits leave room for
// quoted keys and hand-written nesting while keeping toml++'s recursion and a
// file's memory small.
struct TomlLimits {
  size_t max_bytes = 1 << 20;  // one configuration file (or drop-in)
  size_t max_key_parts = 8;    // dotted parts of one key or table header
  size_t max_key_bytes = 256;  // one key, all parts and dots
  size_t max_nesting = 8;      // arrays and inline tables inside each other
};

// Returns an error (kConfig, where "file:line") when `text` is larger than
// the limits allow, or holds a key, table header or nesting beyond them.
// Text that is not valid TOML is left for toml++ to report, except that the
// bounds hold for every line however it is written. Never recurses; linear
// in the size of the text.
Result<void> CheckTomlShape(std::string_view text, const std::string& file,
                            const TomlLimits& limits = {});

}  // namespace rcptguard

#endif  // RCPTGUARD_CONFIG_TOML_SHAPE_H_
