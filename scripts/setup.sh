#!/usr/bin/env bash
# Installs every build and test dependency of rcptguard from Debian 12 packages.
# Run as root on a fresh machine: bash scripts/setup.sh
# `bash scripts/setup.sh --list` prints the package names, one per line, and
# installs nothing (scripts/check_deps.sh checks the build against them).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  # libraries the core and the commands use
  libidn2-dev libpsl-dev publicsuffix libicu-dev
  libtomlplusplus-dev libcli11-dev libexpected-dev libmilter-dev
  # the history store: keyed hashes (libsodium), SQLite (embedded default) and
  # PostgreSQL (shared by several gateways) client libraries
  libsodium-dev libsqlite3-dev libpq-dev
  # sensitivity markings: MIME decoding (GMime) and the pattern scanner (Hyperscan)
  libgmime-3.0-dev libhyperscan-dev
  # rcptguard serve: the HTTP server (cpp-httplib, built with OpenSSL; docs/serve.md says why)
  libcpp-httplib-dev
  # learn --postfix-log reads rotated, gzip-compressed logs
  zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev miltertest procps
  postfix swaks hyperfine valgrind time bc
  # the store contract tests: the sqlite3 shell to inspect test databases and a
  # real PostgreSQL server, which the tests start privately on a unix socket
  sqlite3 postgresql
  # systemd-analyze, which checks the shipped unit (contrib/rcptguard-milter.service)
  systemd
  # the review console's browser tests (tests/e2e): headless Chromium, and node
  # for playwright-core, which drives it (npm: below)
  chromium nodejs
)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs Debian packages)" >&2
  exit 77
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix is installed for the tests' private instances only: no system-wide
# configuration, so nothing listens on port 25.
if ! debconf-show postfix 2>/dev/null | grep -q main_mailer_type; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# Debian's npm, unless the nodejs installed already brings one (NodeSource's
# nodejs does, and conflicts with Debian's npm package).
if ! command -v npm >/dev/null; then
  apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
# Test tooling only, never shipped: playwright-core (no browser download; the
# tests use Debian's chromium), at the versions tests/e2e/package-lock.json pins.
npm ci --prefix "$(dirname "$0")/../tests/e2e" --no-audit --no-fund --loglevel=error
echo "setup.sh: dependencies installed"
