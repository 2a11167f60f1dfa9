#!/usr/bin/env bash
# Mail-path throughput: smtp-source -> private Postfix -> smtp-sink, with no
# milter, with a do-nothing libmilter milter (bench/null_milter.c) and with
# rcptguard on a unix and an inet socket. Runs are interleaved (one of each per
# round) and the medians printed. 10 recipients per message, all at a trusted
# domain, so every recipient is checked and every message delivered.
#
# With HISTORY_DB=/path/to/history.db (a SQLite history, e.g. made by
# `rcptguard learn`), a fifth configuration runs rcptguard with that history
# loaded (copied first: the run learns every message) and online learning on.
#
# With MARKINGS_CONFIG=FILE (e.g. conf/examples/uk-department.toml), another
# configuration runs rcptguard with that policy's sensitivity markings: every
# header and body byte is scanned. MESSAGE_BYTES=N sets the size of each
# message (smtp-source -l; default: its own few lines).
#
# Usage (as root, after bash scripts/build.sh):
#   [HISTORY_DB=FILE] [MARKINGS_CONFIG=FILE] [MESSAGE_BYTES=N] \
#     bash bench/milter_throughput.sh [MESSAGES_PER_RUN] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-2000}
rounds=${2:-5}
build=${BUILD_DIR:-build}
source scripts/lib/postfix_rig.sh

work=$(mktemp -d /tmp/rcptguard-throughput.XXXXXX)
smtpd_port=10625
sink_port=10626
inet_port=10627
pids=()
cleanup() {
  rig_stop "$work"
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

rig_create "$work" "$smtpd_port" "$sink_port"
printf 'army.mil\n' > "$work/partners.txt"
chmod 644 "$work/partners.txt"
rig_start_sink "$work" "$sink_port"
"$build/bench/null_milter" "unix:$work/milter/null.sock" > "$work/null.log" 2>&1 &
pids+=($!)
"$build/rcptguard" milter -f -u postfix --trusted-file "$work/partners.txt" \
  -p "unix:$work/milter/rcptguard.sock" > "$work/rcptguard-unix.log" 2>&1 &
pids+=($!)
declare -A supervisor=([rcptguard-unix]=$!)
"$build/rcptguard" milter -f -u postfix --trusted-file "$work/partners.txt" \
  -p "inet:$inet_port@127.0.0.1" > "$work/rcptguard-inet.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  [ -S "$work/milter/null.sock" ] && [ -S "$work/milter/rcptguard.sock" ] && break
  sleep 0.05
done
configs=(postfix-alone null-milter rcptguard-unix rcptguard-inet)
if [ -n "${HISTORY_DB:-}" ]; then
  mkdir -p "$work/history"
  cp "$HISTORY_DB" "$work/history/history.db"
  chown -R postfix: "$work/history"
  printf '[history]\nstore = "sqlite://%s"\n' "$work/history/history.db" > "$work/history.toml"
  chmod 644 "$work/history.toml"
  "$build/rcptguard" milter -f -u postfix -c "$work/history.toml" --trusted-file "$work/partners.txt" \
    -p "unix:$work/milter/history.sock" > "$work/rcptguard-history.log" 2>&1 &
  pids+=($!)
  supervisor[rcptguard-history]=$!
  # A large history loads in the background for a few seconds after the
  # socket opens; the runs start once it is in force.
  for _ in $(seq 1200); do grep -q "pairs loaded" "$work/rcptguard-history.log" && break; sleep 0.1; done
  grep -h "history:" "$work/rcptguard-history.log" || true
  configs+=(rcptguard-history)
fi
if [ -n "${MARKINGS_CONFIG:-}" ]; then
  cp "$MARKINGS_CONFIG" "$work/markings.toml"
  chmod 644 "$work/markings.toml"
  "$build/rcptguard" milter -f -u postfix -c "$work/markings.toml" --trusted-file "$work/partners.txt" \
    -p "unix:$work/milter/markings.sock" > "$work/rcptguard-markings.log" 2>&1 &
  pids+=($!)
  supervisor[rcptguard-markings]=$!
  for _ in $(seq 200); do [ -S "$work/milter/markings.sock" ] && break; sleep 0.05; done
  configs+=(rcptguard-markings)
fi
rig_wait_port "$inet_port"
rig_start "$work" "$smtpd_port"

declare -A socket=(
  [postfix-alone]=none
  [null-milter]="unix:$work/milter/null.sock"
  [rcptguard-unix]="unix:$work/milter/rcptguard.sock"
  [rcptguard-inet]="inet:127.0.0.1:$inet_port"
  [rcptguard-history]="unix:$work/milter/history.sock"
  [rcptguard-markings]="unix:$work/milter/markings.sock"
)
declare -A rates

# Sends $messages messages and prints messages per second, from the first
# connection until the sink has them all.
measure() {
  rm -rf "$work"/sink/*
  local start end
  start=$(date +%s.%N)
  smtp-source -s 20 -m "$messages" -r 10 ${MESSAGE_BYTES:+-l "$MESSAGE_BYTES"} \
    -f bob@mod.uk -t carol@army.mil \
    "127.0.0.1:$smtpd_port" > /dev/null 2>&1
  for _ in $(seq 6000); do
    [ "$(find "$work/sink" -type f | wc -l)" -ge "$messages" ] && break
    sleep 0.05
  done
  end=$(date +%s.%N)
  echo "$messages / ($end - $start)" | bc -l
}

# CPU time (user + system, all threads, in clock ticks) of the milter process
# under a supervisor: steadier than throughput on a shared machine.
cpu_ticks() {
  local child
  child=$(pgrep -P "$1" | head -1)
  awk '{print $14 + $15}' "/proc/$child/stat"
}
declare -A cpu
ticks_per_second=$(getconf CLK_TCK)

for round in $(seq "$rounds"); do
  for config in "${configs[@]}"; do
    rig_set_milter "$work" "${socket[$config]}"
    sleep 1  # let the reloaded smtpd processes take the new setting
    before=0
    [ -n "${supervisor[$config]:-}" ] && before=$(cpu_ticks "${supervisor[$config]}")
    rate=$(measure)
    if [ -n "${supervisor[$config]:-}" ]; then
      after=$(cpu_ticks "${supervisor[$config]}")
      cpu[$config]="${cpu[$config]:-} $(echo "1000 * ($after - $before) / $ticks_per_second / $messages" | bc -l)"
    fi
    rates[$config]="${rates[$config]:-} $rate"
    printf 'round %d  %-15s %8.1f messages/s\n' "$round" "$config" "$rate"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
echo "medians over $rounds rounds of $messages messages, 10 recipients each:"
null=$(echo "${rates[null-milter]}" | median)
for config in "${configs[@]}"; do
  m=$(echo "${rates[$config]}" | median)
  printf '  %-15s %8.1f messages/s  (%5.1f%% of the do-nothing milter)\n' "$config" "$m" \
    "$(echo "100 * $m / $null" | bc -l)"
done
for config in "${!supervisor[@]}"; do
  printf '  %-15s milter CPU %6.3f ms per message (median; user + system, all threads)\n' "$config" \
    "$(echo "${cpu[$config]}" | median)"
done
