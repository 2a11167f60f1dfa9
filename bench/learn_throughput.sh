#!/usr/bin/env bash
# Whole-process throughput and peak memory of `rcptguard learn --mbox FILE
# --store memory:` on a generated mbox (bench/gen_mbox.py: 2-200 KB messages,
# most with base64 attachments, 1-10 recipients), read from the page cache.
#
#   bash bench/learn_throughput.sh [MEGABYTES]     # MEGABYTES defaults to 800
#
# Peak RSS is measured on the full file and on a quarter of it: constant
# memory shows as the same figure (the memory store's own tables aside).
# Environment: BUILD_DIR (default: <repo>/build), RUNS (default 5), WORK_DIR
# (default /tmp; the generated files are kept there and reused, as generating
# takes about a second per 30 MB). Needs hyperfine, python3 and GNU time.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"
rcptguard="$build_dir/rcptguard"
megabytes="${1:-800}"
runs="${RUNS:-5}"
work="${WORK_DIR:-/tmp}"

[[ "$megabytes" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [MEGABYTES]" >&2; exit 64; }
[[ -x "$rcptguard" ]] || { echo "learn_throughput.sh: no $rcptguard; build it first" >&2; exit 2; }
command -v python3 >/dev/null || { echo "learn_throughput.sh: python3 is needed" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "learn_throughput.sh: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "learn_throughput.sh: hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }

generate() {  # MEGABYTES -> path of the mbox, generated once
  local path="$work/rcptguard-learn-bench-$1mb.mbox"
  if [[ ! -s "$path" ]]; then
    python3 "$repo/bench/gen_mbox.py" "$path.tmp" "$1" && mv "$path.tmp" "$path"
  fi
  echo "$path"
}
full="$(generate "$megabytes")"
quarter="$(generate $((megabytes / 4 > 0 ? megabytes / 4 : 1)))"
bytes=$(stat -c %s "$full")

# Warm the page cache: the figure is rcptguard's, not the disk's.
cat "$full" "$quarter" >/dev/null

command=("$rcptguard" learn --mbox "$full" --store memory: --no-progress)
echo "== $(basename "$full"): $((bytes / 1000000)) MB, $(grep -c '^From ' "$full") messages"
"${command[@]}"

json="$(mktemp)"
trap 'rm -f "$json"' EXIT
hyperfine --warmup 1 --runs "$runs" --export-json "$json" "${command[*]}" >&2
python3 - "$json" "$bytes" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
mb = int(sys.argv[2]) / 1e6
print(f"mean {result['mean']:.3f} s (min {result['min']:.3f}, max {result['max']:.3f}): "
      f"{mb / result['mean']:.0f} MB/s (best {mb / result['min']:.0f} MB/s)")
PY

rss() {  # path [extra flags] -> peak RSS in MB
  local path="$1"
  shift
  /usr/bin/time -v "$rcptguard" learn --mbox "$path" --store memory: --no-progress "$@" 2>&1 >/dev/null |
    awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }'
}
quarter_mb=$(($(stat -c %s "$quarter") / 1000000))
echo "peak RSS with the memory store: $(rss "$full") MB on $((bytes / 1000000)) MB," \
     "$(rss "$quarter") MB on $quarter_mb MB (the store's tables grow with what is learned)"
# --sender-domain matching no sender drops every message before the store:
# what is left is the readers' own memory, which must not grow with the input.
echo "peak RSS of the reader alone: $(rss "$full" --sender-domain nowhere.invalid) MB on" \
     "$((bytes / 1000000)) MB, $(rss "$quarter" --sender-domain nowhere.invalid) MB on $quarter_mb MB"
hyperfine --warmup 1 --runs "$runs" --export-json "$json" \
  "${command[*]} --sender-domain nowhere.invalid" >/dev/null 2>&1
python3 - "$json" "$bytes" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
mb = int(sys.argv[2]) / 1e6
print(f"reader alone: mean {result['mean']:.3f} s: {mb / result['mean']:.0f} MB/s")
PY
