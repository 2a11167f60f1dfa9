#!/usr/bin/env bash
# The main job on embedded defaults: install, build, and check a handful of
# recipients the way a sender at mod.uk would, with army.mil as a partner.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then bash scripts/setup.sh; fi
bash scripts/build.sh build -DRCPTGUARD_BENCH=OFF

partners=$(mktemp)
trap 'rm -f "$partners"' EXIT
printf '# partners of the example organisation\narmy.mil\nnato.int\n' > "$partners"

echo
echo "rcptguard check --from bob@mod.uk --trusted-file partners.txt ..."
echo
# Exit status 1 means "at least one recipient not allowed": expected here.
build/rcptguard check --from bob@mod.uk --trusted-file "$partners" \
  alice@army.ml alice@army.mil colleague@gmial.com friend@gmail.com \
  'J. Smith <j.smith@nato.in>' "someone@аrmy.mil" broken@localhost || true
