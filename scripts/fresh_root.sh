#!/usr/bin/env bash
# Runs one of the README's two set-up commands in a fresh Debian 12 root, the
# way a new user's machine starts: nothing installed beyond Debian's minimal
# apt system, the repository as a clean clone of HEAD. It proves that
# scripts/setup.sh installs everything the build and the command need (a
# package installed by hand on this machine cannot hide there).
#
#   bash scripts/fresh_root.sh demo     # bash scripts/demo.sh in the fresh root
#   bash scripts/fresh_root.sh test     # bash scripts/test.sh in the fresh root
#
# Run as root. Uses this machine's own apt sources (mmdebstrap, installed if
# missing). The root is built in a temporary folder (or $FRESH_ROOT) and
# removed at the end unless KEEP_ROOT=1. About 1.5 GB of disk; the test
# command takes as long as CI's.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
command=${1:-demo}
case "$command" in
  demo | test) ;;
  *)
    echo "fresh_root.sh: unknown command '$command' (demo or test)" >&2
    exit 2
    ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "fresh_root.sh: run as root (it builds a Debian root and chroots into it)" >&2
  exit 77
fi
command -v mmdebstrap > /dev/null || apt-get install -y mmdebstrap > /dev/null

root=${FRESH_ROOT:-$(mktemp -d /var/tmp/rcptguard-fresh.XXXXXX)}
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2> /dev/null || true; done
  if [ "${KEEP_ROOT:-0}" != 1 ]; then rm -rf "$root"; fi
}
trap cleanup EXIT

# This machine's apt sources, so the root gets the same mirror and suites.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || sources=("http://deb.debian.org/debian")
echo "== a fresh Debian 12 root in $root"
rmdir "$root" 2> /dev/null || true
mmdebstrap --variant=apt --include=ca-certificates bookworm "$root" "${sources[@]}"

echo "== a clean clone of HEAD"
git clone -q --no-local "$repo" "$root/rcptguard"
git -C "$root/rcptguard" checkout -q "$(git rev-parse HEAD)"

for fs in proc sys dev dev/pts; do
  mkdir -p "$root/$fs"
  case "$fs" in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sys "$root/sys" ;;
    dev) mount --bind /dev "$root/dev" ;;
    dev/pts) mount --bind /dev/pts "$root/dev/pts" ;;
  esac
  mounted+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"

echo "== bash scripts/$command.sh, as the README says"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
  bash -c "cd /rcptguard && bash scripts/$command.sh"
echo "fresh_root.sh: bash scripts/$command.sh succeeded in a fresh Debian 12 root"
