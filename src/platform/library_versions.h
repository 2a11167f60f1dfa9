// The versions of the libraries rcptguard runs with, for `-V`: the version
// each library reports at run time (the one actually loaded), or the version
// compiled in for header-only libraries.
#ifndef RCPTGUARD_PLATFORM_LIBRARY_VERSIONS_H_
#define RCPTGUARD_PLATFORM_LIBRARY_VERSIONS_H_

#include <string>
#include <utility>
#include <vector>

namespace rcptguard {

// (name, version) pairs in a fixed order: ICU, Hyperscan, GMime, libpsl,
// libidn2, SQLite, libpq, libsodium, libmilter, zlib, toml++.
std::vector<std::pair<std::string, std::string>> LibraryVersions();

// "rcptguard VERSION\n" then one "  NAME VERSION" line per library.
std::string VersionReport(const std::string& version);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_LIBRARY_VERSIONS_H_
