#!/usr/bin/env bash
# Fails when a build dependency comes from a Debian package that
# scripts/setup.sh does not install (directly or as a dependency of what it
# installs). Every pkg_check_modules module, find_package package,
# find_library and find_program in the CMake files is resolved to the file the
# configured build tree uses, and that file to its package with dpkg -S.
#
# Usage: scripts/check_deps.sh [BUILD_DIR]   (default: build, already configured)
# Why: CI once passed only because its machine had two packages installed by
# hand, and the README's commands failed on a fresh machine.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${repo}/build}"
cache="${build}/CMakeCache.txt"
if [[ ! -f "${cache}" ]]; then
  echo "check_deps.sh: ${cache} not found: configure the build first (scripts/build.sh)" >&2
  exit 66  # EX_NOINPUT
fi

# The packages setup.sh names, and everything apt installs with them.
mapfile -t named < <(bash "${repo}/scripts/setup.sh" --list)
declare -A installed=()
while read -r package; do
  package="${package%%:*}"
  [[ -n "${package}" ]] && installed["${package}"]=1
done < <(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
           --no-breaks --no-replaces --no-enhances "${named[@]}" 2>/dev/null |
         grep -v '^ ' | grep -v '^<')

cache_value() {  # the value of a cache entry, or nothing
  sed -n "s|^$1:[A-Z]*=||p" "${cache}" | head -n 1
}

failures=0
checked=0
# Declares one dependency resolved to `file`; checks the package it comes from.
check_file() {
  local what=$1 file=$2 owner
  if [[ -z "${file}" || ! -e "${file}" ]]; then
    echo "check_deps.sh: ${what}: not resolved in ${cache}" >&2
    failures=$((failures + 1))
    return
  fi
  owner="$(dpkg -S "${file}" 2>/dev/null || dpkg -S "$(readlink -f "${file}")" 2>/dev/null || true)"
  owner="${owner%%: *}"
  owner="${owner%%,*}"
  owner="${owner%%:*}"
  checked=$((checked + 1))
  if [[ -z "${owner}" ]]; then
    echo "check_deps.sh: ${what}: ${file} belongs to no Debian package" >&2
    failures=$((failures + 1))
  elif [[ -z "${installed[${owner}]:-}" ]]; then
    echo "check_deps.sh: ${what}: ${file} comes from Debian package '${owner}'," \
         "which scripts/setup.sh does not install" >&2
    failures=$((failures + 1))
  fi
}

# Every declaration, in every CMake file of the project (not the build trees).
mapfile -t files < <(cd "${repo}" && git ls-files '*CMakeLists.txt' '*.cmake')
for relative in "${files[@]}"; do
  # One call per line is the project's style; joined continuation lines are
  # not needed for these four commands.
  while IFS= read -r line; do
    command="${line%%(*}"
    args="${line#*(}"
    args="${args%%)*}"
    read -r -a words <<< "${args}"
    case "${command}" in
      pkg_check_modules)
        for word in "${words[@]:1}"; do
          case "${word}" in REQUIRED | QUIET | IMPORTED_TARGET | GLOBAL | NO_CMAKE_PATH | \
            NO_CMAKE_ENVIRONMENT_PATH) continue ;; esac
          module="${word%%[<>=]*}"
          check_file "${relative}: pkg_check_modules ${module}" \
            "$(pkg-config --path "${module}" 2>/dev/null || true)"
        done
        ;;
      find_package)
        name="${words[0]}"
        case "${name}" in
          Threads) continue ;;  # the C library's threads: part of the compiler
          PkgConfig) check_file "${relative}: find_package PkgConfig" \
                       "$(cache_value PKG_CONFIG_EXECUTABLE)"; continue ;;
        esac
        dir="$(cache_value "${name}_DIR")"
        if [[ -n "${dir}" && "${dir}" != *NOTFOUND ]]; then
          config="$(ls "${dir}"/*[Cc]onfig.cmake 2>/dev/null | head -n 1 || true)"
          check_file "${relative}: find_package ${name}" "${config}"
        else
          # A CMake find module (FindZLIB, ...): the library it found.
          library="$(sed -n "s|^${name}_LIBRARY[A-Z_]*:FILEPATH=||p" "${cache}" | grep -v NOTFOUND | head -n 1)"
          check_file "${relative}: find_package ${name}" "${library}"
        fi
        ;;
      find_library | find_program)
        check_file "${relative}: ${command} ${words[1]:-?}" "$(cache_value "${words[0]}")"
        ;;
    esac
  done < <(grep -E '^[[:space:]]*(pkg_check_modules|find_package|find_library|find_program)\(' \
             "${repo}/${relative}" | sed 's/^[[:space:]]*//')
done

if ((failures > 0)); then
  echo "check_deps.sh: ${failures} build dependencies are not installed by scripts/setup.sh;" \
       "add their packages there" >&2
  exit 1
fi
echo "check_deps.sh: all ${checked} build dependencies come from packages scripts/setup.sh installs"
