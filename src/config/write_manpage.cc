// Writes rcptguard.toml(5) from the key table to the file named on the
// command line (the rcptguard_config_manpage build target).
#include <cstdio>

#include "config/config_keys.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
    return 2;
  }
  std::string page = rcptguard::ConfigManPage();
  FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr || std::fwrite(page.data(), 1, page.size(), out) != page.size() ||
      std::fclose(out) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  return 0;
}
