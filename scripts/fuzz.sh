#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/ and runs each for
# SECONDS (default 60) on a temporary copy of fuzz/corpus/; fails on any finding.
#
# Usage: scripts/fuzz.sh [SECONDS]     e.g. in CI: bash scripts/fuzz.sh 30
# Environment: RCPTGUARD_FUZZ_BUILD_DIR (default <repo>/build-fuzz),
#              RCPTGUARD_FUZZ_ARTIFACTS (if set, findings are copied there).
set -euo pipefail

seconds="${1:-60}"
if ! [[ "${seconds}" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS]  (a positive whole number of seconds per fuzzer)" >&2
  exit 64  # EX_USAGE
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RCPTGUARD_FUZZ_BUILD_DIR:-${repo}/build-fuzz}"
fuzzers=(address_fuzzer config_fuzzer detector_fuzzer marking_fuzzer mbox_fuzzer postfix_log_fuzzer
         verdict_format_fuzzer)

for tool in clang clang++ cmake ninja; do
  if ! command -v "${tool}" >/dev/null; then
    echo "fuzz.sh: ${tool} not found (Debian: apt-get install -y clang libclang-rt-14-dev" \
         "cmake ninja-build)" >&2
    exit 69  # EX_UNAVAILABLE
  fi
done

# Only the fuzzers are built: a half-finished test elsewhere in the tree must not
# stop fuzzing. The libraries they link are rebuilt as needed.
echo "== configuring and building ${build}"
CC=clang CXX=clang++ cmake -S "${repo}" -B "${build}" -G Ninja \
  -DRCPTGUARD_FUZZ=ON -DRCPTGUARD_BENCH=OFF -DRCPTGUARD_SANITIZE=ON >/dev/null
cmake --build "${build}" --target "${fuzzers[@]}"

# The corpora grow while fuzzing; they live in a temporary directory so the
# repository is never written to. Kept on failure, for the reproducers.
work="$(mktemp -d "${TMPDIR:-/tmp}/rcptguard-fuzz.XXXXXX")"
keep_work=0
cleanup() { if [[ "${keep_work}" == 0 ]]; then rm -rf "${work}"; fi; }
trap cleanup EXIT

# The build already stops at the first UB (-fno-sanitize-recover); a stack trace
# makes a UBSan report actionable from a CI log. libFuzzer adds leak checks itself.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for fuzzer in "${fuzzers[@]}"; do
  corpus_name="${fuzzer%_fuzzer}"
  corpus="${work}/corpus/${corpus_name}"
  artifacts="${work}/artifacts/${fuzzer}"
  mkdir -p "${corpus}" "${artifacts}"
  cp -R "${repo}/fuzz/corpus/${corpus_name}/." "${corpus}/"

  # The learn readers' fuzzers have a dictionary of their own formats.
  dict="${repo}/fuzz/rcptguard.dict"
  case "${corpus_name}" in mbox | postfix_log) dict="${repo}/fuzz/learn.dict" ;; marking) dict="${repo}/fuzz/marking.dict" ;; esac

  echo "== ${fuzzer}: ${seconds}s on $(find "${corpus}" -type f | wc -l) seed inputs"
  status=0
  "${build}/fuzz/${fuzzer}" \
    -max_total_time="${seconds}" -max_len=1024 -timeout=10 -rss_limit_mb=2048 \
    -dict="${dict}" -print_final_stats=1 \
    -artifact_prefix="${artifacts}/" "${corpus}" > "${work}/${fuzzer}.log" 2>&1 || status=$?
  # libFuzzer's progress lines go to a log; show the final figures, or on a
  # finding the end of the log with the sanitizer report.
  if [[ "${status}" == 0 ]]; then
    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' \
      "${work}/${fuzzer}.log" || true
  else
    tail -n 80 "${work}/${fuzzer}.log" >&2
  fi

  # libFuzzer exits non-zero on a crash, leak, timeout or OOM and writes the input
  # as crash-*, leak-*, timeout-* or oom-*; check both, in case one is missed.
  findings=("${artifacts}"/*)
  if [[ "${status}" != 0 || -e "${findings[0]}" ]]; then
    echo "== ${fuzzer}: FAILED (exit status ${status})" >&2
    for finding in "${artifacts}"/*; do
      [[ -e "${finding}" ]] || continue
      echo "-- reproducer ${finding} (hex; rerun: ${build}/fuzz/${fuzzer} ${finding}):" >&2
      if command -v xxd >/dev/null; then xxd -p "${finding}" >&2; else od -An -tx1 "${finding}" >&2; fi
    done
    failed+=("${fuzzer}")
  else
    echo "== ${fuzzer}: no findings"
  fi
done

if ((${#failed[@]} > 0)); then
  keep_work=1
  if [[ -n "${RCPTGUARD_FUZZ_ARTIFACTS:-}" ]]; then
    mkdir -p "${RCPTGUARD_FUZZ_ARTIFACTS}"
    cp -R "${work}/artifacts/." "${RCPTGUARD_FUZZ_ARTIFACTS}/"
  fi
  echo "fuzz.sh: findings in ${failed[*]}; inputs kept in ${work}/artifacts" >&2
  exit 1
fi
echo "fuzz.sh: all fuzzers ran ${seconds}s without findings"
