#!/usr/bin/env bash
# Configures and builds rcptguard into build/ (or the folder given as $1).
# Extra arguments are passed to cmake: bash scripts/build.sh build-asan -DRCPTGUARD_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRCPTGUARD_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
