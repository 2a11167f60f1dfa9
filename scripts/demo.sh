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

work=$(mktemp -d /tmp/rcptguard-demo.XXXXXX)
chmod 755 "$work"
smtpd_port=10525
sink_port=10526
cleanup() {
  postfix -c "$work/conf" stop > /dev/null 2>&1 || true
  [ -n "${milter_pid:-}" ] && kill "$milter_pid" 2> /dev/null || true
  [ -n "${sink_pid:-}" ] && kill "$sink_pid" 2> /dev/null || true
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work"/{conf,queue,data,milter,sink}
chown postfix "$work"/{data,milter,sink}

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

cat > "$work/conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $work/queue
data_directory = $work/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.mod.uk.test
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink_port
smtpd_milters = unix:$work/milter/milter.sock
milter_default_action = tempfail
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file_prefixes = /tmp
maillog_file = $work/maillog
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
local_recipient_maps =
biff = no
CF
# Debian's master.cf with SMTP on our loopback port and no chroot.
awk -v port="$smtpd_port" '
  /^smtp[ \t]+inet/ { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
  /^[a-z]/ && NF >= 8 && $5 == "y" { $5 = "n" }
  { print }' /etc/postfix/master.cf > "$work/conf/master.cf"

smtp-sink -u postfix -d "$work/sink/%Y%m%d%H%M%S." "127.0.0.1:$sink_port" 100 \
  > "$work/sink.log" 2>&1 &
sink_pid=$!
"$rcptguard" milter -f -u postfix -c "$work/rcptguard.toml" \
  -p "unix:$work/milter/milter.sock" > "$work/milter.log" 2>&1 &
milter_pid=$!
for _ in $(seq 100); do [ -S "$work/milter/milter.sock" ] && break; sleep 0.05; done
postfix -c "$work/conf" post-install create-missing > /dev/null 2>&1
postfix -c "$work/conf" start > /dev/null 2>&1
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$smtpd_port") 2> /dev/null && break
  sleep 0.05
done

send() {
  echo
  echo "== $1 -> $2"
  swaks --server "127.0.0.1:$smtpd_port" --from "$1" --to "$2" 2>&1 \
    | grep -E '^<\*\*|queued as' | sed 's/^ *//; s/^/   /' || true
}
send bob@mod.uk alice@army.ml          # .mil typed as .ml: refused at once
send bob@mod.uk j.smith@nato.in        # .int typed as .in: held for review
send bob@mod.uk carol@army.mil         # clean: delivered

for _ in $(seq 100); do
  [ "$(ls "$work/sink" | wc -l)" -ge 1 ] && \
    "$rcptguard" quarantine --postfix-config "$work/conf" list | grep -q nato && break
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
