#!/usr/bin/env bash
# A private Postfix on loopback for the browser tests (scripts/lib/postfix_rig.sh:
# its own configuration, queue and ports, smtp-sink as the next hop, writing
# to DIR/sink), with rcptguard milter in front holding look-alike mail. Needs root.
#   postfix_rig.sh start DIR RCPTGUARD_BINARY SMTPD_PORT SINK_PORT
#   postfix_rig.sh stop DIR
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/postfix_rig.sh"
action=$1
dir=$2

if [ "$action" = stop ]; then
  rig_stop "$dir"
  if [ -f "$dir/milter.pid" ]; then kill "$(cat "$dir/milter.pid")" 2>/dev/null || true; fi
  exit 0
fi

binary=$3
smtpd_port=$4
sink_port=$5
rig_create "$dir" "$smtpd_port" "$sink_port"
mkdir -p "$dir/history"
chown postfix "$dir/history"
echo "army.mil" >"$dir/partners.txt"
printf '[actions]\nlookalike-domain = [{ min_score = 0.5, action = "hold" }]\n' >"$dir/milter.toml"
chmod 644 "$dir/partners.txt" "$dir/milter.toml"

rig_start_sink "$dir" "$sink_port"
"$binary" milter -f -u postfix -c "$dir/milter.toml" -p "unix:$dir/milter/milter.sock" \
  --trusted-file "$dir/partners.txt" --hold-directory "$dir/history/held" \
  >"$dir/milter.log" 2>&1 &
echo $! >"$dir/milter.pid"
for _ in $(seq 100); do
  [ -S "$dir/milter/milter.sock" ] && break
  sleep 0.1
done
[ -S "$dir/milter/milter.sock" ] || { cat "$dir/milter.log" >&2; exit 1; }
rig_set_milter "$dir" "unix:$dir/milter/milter.sock"
rig_start "$dir" "$smtpd_port" || { cat "$dir/maillog" >&2; exit 1; }
