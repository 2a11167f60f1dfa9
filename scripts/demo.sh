#!/usr/bin/env bash
# The main job, in one command: installs and builds rcptguard, starts a private
# Postfix on loopback with `rcptguard milter` in front and smtp-sink as the next
# hop, sends three messages (one to a .ml look-alike, one that is held, one
# clean) and shows what happened to each. Nothing leaves 127.0.0.1; everything
# is stopped and removed at the end. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run as root (it installs packages and runs a private Postfix)" >&2
  exit 77
fi
bash scripts/setup.sh
bash scripts/build.sh build -DRCPTGUARD_BENCH=OFF > /dev/null
rcptguard="$repo/build/rcptguard"

source scripts/lib/postfix_rig.sh
work=$(mktemp -d /tmp/rcptguard-demo.XXXXXX)
smtpd_port=10525
sink_port=10526
cleanup() {
  rig_stop "$work"
  [ -n "${milter_pid:-}" ] && kill "$milter_pid" 2> /dev/null || true
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
rig_create "$work" "$smtpd_port" "$sink_port"

# The organisation: mod.uk writes to army.mil and nato.int. Near misses scoring
# 0.9 or more are refused; from 0.5, the message is held for review.
printf 'army.mil\nnato.int\n' > "$work/partners.txt"
cat > "$work/rcptguard.toml" <<TOML
own_domains = ["mod.uk"]
[trusted]
files = ["$work/partners.txt"]
[actions]
lookalike-domain = [
  { min_score = 0.9, action = "reject" },
  { min_score = 0.5, action = "hold" },
]
TOML
chmod 644 "$work/partners.txt" "$work/rcptguard.toml"

rig_start_sink "$work" "$sink_port"
"$rcptguard" milter -f -u postfix -c "$work/rcptguard.toml" \
  -p "unix:$work/milter/milter.sock" > "$work/milter.log" 2>&1 &
milter_pid=$!
for _ in $(seq 100); do [ -S "$work/milter/milter.sock" ] && break; sleep 0.05; done
rig_set_milter "$work" "unix:$work/milter/milter.sock"
rig_start "$work" "$smtpd_port"

send() {
  echo
  echo "== $1 -> $2"
  swaks --server "127.0.0.1:$smtpd_port" --from "$1" --to "$2" 2>&1 \
    | grep -E '^<\*\*|queued as' | sed 's/^ *//; s/^/   /' || true
}
send bob@mod.uk alice@army.ml          # .mil typed as .ml: refused at once
send bob@mod.uk j.smith@nao.int        # the t of nato.int left out (score 0.67): held for review
send bob@mod.uk carol@army.mil         # clean: delivered

for _ in $(seq 100); do
  [ "$(ls "$work/sink" | wc -l)" -ge 1 ] && \
    "$rcptguard" quarantine --postfix-config "$work/conf" list | grep -q nao.int && break
  sleep 0.1
done
echo
echo "== delivered to the next hop (smtp-sink):"
grep -h '^X-Rcpt-Args' "$work"/sink/* | sed 's/^/   /'
echo
echo "== rcptguard quarantine list:"
"$rcptguard" quarantine --postfix-config "$work/conf" list | sed 's/^/   /'
echo
echo "== rcptguard's log (one line per message, starting with the queue id):"
grep -v -E 'listening on|starting with' "$work/milter.log" | sed 's/^/   /'
