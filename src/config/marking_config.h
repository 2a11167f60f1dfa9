// The sensitivity-marking part of the configuration: [markings] (defaults,
// packs, scan bounds) and the [[marking]] tables that define or refine markings.
#ifndef RCPTGUARD_CONFIG_MARKING_CONFIG_H_
#define RCPTGUARD_CONFIG_MARKING_CONFIG_H_

#include "config/toml_reader.h"
#include "rcptguard/policy.h"

namespace rcptguard {

// Loads the shipped packs [markings] names, then the configuration's own
// [[marking]] tables (which refine pack markings of the same name, or define
// new ones), then fills each marking's unset accredited and action from
// [markings]. Either pointer may be null (section absent). Errors name the
// file (the configuration, a drop-in, or data/markings/PACK.toml) and line.
Result<void> LoadMarkings(const TomlReader& reader, const toml::table* section,
                          const toml::node* tables, PolicySpec* policy);

}  // namespace rcptguard

#endif  // RCPTGUARD_CONFIG_MARKING_CONFIG_H_
