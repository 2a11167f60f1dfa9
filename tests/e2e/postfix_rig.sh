#!/usr/bin/env bash
# A private Postfix on loopback for the browser tests, as tests/postfix sets
# one up: its own configuration, queue and ports (no systemd, no chroot),
# rcptguard milter in front holding look-alike mail, and smtp-sink as the
# next hop, writing what it receives to DIR/sink. Needs root.
#   postfix_rig.sh start DIR RCPTGUARD_BINARY SMTPD_PORT SINK_PORT
#   postfix_rig.sh stop DIR
set -euo pipefail
action=$1
dir=$2

if [ "$action" = stop ]; then
  postfix -c "$dir/conf" stop >/dev/null 2>&1 || true
  for pidfile in "$dir/milter.pid" "$dir/sink.pid"; do
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  exit 0
fi

binary=$3
smtpd_port=$4
sink_port=$5
mkdir -p "$dir"/{conf,queue,data,milter,sink,history}
chmod 755 "$dir"
chown postfix:postfix "$dir"/{data,milter,sink,history}

# Debian's master.cf with SMTP on our port, sendmail(1)'s cleanup named as
# docs/milter.md says, and no chroot (a private instance has no chroot tree).
awk -v port="$smtpd_port" '
  /^[^# ]/ && NF >= 8 {
    if ($1 == "smtp" && $2 == "inet") { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
    if ($1 == "cleanup" && $2 == "unix") {
      print "cleanup unix n - n - 0 cleanup -o milter_macro_daemon_name=local-submission"; next }
    if ($5 == "y") { $5 = "n"; print; next }
  }
  { print }' /etc/postfix/master.cf >"$dir/conf/master.cf"

cat >"$dir/conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = rcptguard-e2e.localdomain
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink_port
smtpd_milters = unix:$dir/milter/milter.sock
non_smtpd_milters = \$smtpd_milters
milter_default_action = tempfail
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file_prefixes = /tmp
maillog_file = $dir/maillog
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = yes
CF

echo "army.mil" >"$dir/partners.txt"
chmod 644 "$dir/partners.txt"
cat >"$dir/milter.toml" <<CF
[actions]
lookalike-domain = [{ min_score = 0.5, action = "hold" }]
CF
chmod 644 "$dir/milter.toml"

smtp-sink -u postfix -d "$dir/sink/%Y%m%d%H%M%S." "127.0.0.1:$sink_port" 100 \
  >"$dir/sink.log" 2>&1 &
echo $! >"$dir/sink.pid"
"$binary" milter -f -u postfix -c "$dir/milter.toml" -p "unix:$dir/milter/milter.sock" \
  --trusted-file "$dir/partners.txt" --hold-directory "$dir/history/held" \
  >"$dir/milter.log" 2>&1 &
echo $! >"$dir/milter.pid"
for _ in $(seq 100); do
  [ -S "$dir/milter/milter.sock" ] && break
  sleep 0.1
done
[ -S "$dir/milter/milter.sock" ] || { cat "$dir/milter.log" >&2; exit 1; }
postfix -c "$dir/conf" post-install create-missing >"$dir/postfix.out" 2>&1
postfix -c "$dir/conf" start >>"$dir/postfix.out" 2>&1 || { cat "$dir/postfix.out" >&2; exit 1; }
