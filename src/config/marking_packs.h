// The shipped marking packs (data/markings/*.toml), compiled into the binary
// by cmake/embed_data.cmake and named in [markings] packs.
#ifndef RCPTGUARD_CONFIG_MARKING_PACKS_H_
#define RCPTGUARD_CONFIG_MARKING_PACKS_H_

#include <optional>
#include <string_view>

namespace rcptguard {

// The text of the pack `name` ("uk-gsc"), or nullopt when none is shipped.
std::optional<std::string_view> EmbeddedMarkingPack(std::string_view name);

// "uk-gsc, us-classification, ...": for error messages and docs.
std::string_view ShippedMarkingPackNames();

}  // namespace rcptguard

#endif  // RCPTGUARD_CONFIG_MARKING_PACKS_H_
