#!/usr/bin/env bash
# Compare rcptguard (its CLI), mailcheck, @zootools/email-spell-checker,
# email-misspelled (npm) and Debian's dnstwist on rcptguard's evaluation set.
# The tools come from their registries here, never at build time: npm ci from
# the committed package-lock.json, and apt-get for dnstwist when missing.
#
#   bash bench/compare/run.sh [EVAL_DIR] [compare.js options...]
#
# EVAL_DIR defaults to tests/data/eval; options (--json, --unicode,
# --examples N, --reps N, --min-ms MS, --tool LIST) go to compare.js.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

args=()
if [[ $# -gt 0 && "$1" != -* ]]; then
  # Resolve against the caller's directory before we cd.
  eval_dir="$1"; shift
  [[ "$eval_dir" = /* ]] || eval_dir="$PWD/$eval_dir"
  args+=("$eval_dir")
fi

command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 2; }
command -v npm >/dev/null || { echo "run.sh: npm is not installed" >&2; exit 2; }

cd "$here"
if [[ ! -d node_modules/mailcheck || ! -d node_modules/@zootools/email-spell-checker ||
      ! -d node_modules/tldts-icann || ! -d node_modules/email-misspelled ]]; then
  npm ci --silent --no-audit --no-fund
fi
if [[ ! -f /usr/lib/python3/dist-packages/dnstwist.py ]]; then
  apt-get install -y dnstwist >/dev/null
fi

# compare.js measures each tool in its own node process and prints one
# table per tool, then a side-by-side summary (or one JSON document).
# RCPTGUARD names the binary (default: build/rcptguard of this checkout).
exec node compare.js "${args[@]}" --tool rcptguard,mailcheck,zootools,email-misspelled,dnstwist "$@"
