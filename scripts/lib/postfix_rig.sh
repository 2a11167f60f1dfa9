# A private Postfix on loopback for demos and benchmarks: its own configuration,
# queue and ports, smtp-sink as the next hop. Source this file, then:
#   rig_create WORK SMTPD_PORT SINK_PORT   # folders and main.cf/master.cf
#   rig_start_sink WORK SINK_PORT          # smtp-sink, dumping to WORK/sink
#   rig_set_milter WORK SOCKET|none        # smtpd_milters (reloads if running)
#   rig_start WORK SMTPD_PORT              # post-install and start Postfix
#   rig_stop WORK                          # stop Postfix and the sink
# Needs root, postfix and smtp-sink (Debian's postfix package).

rig_create() {
  local work=$1 smtpd_port=$2 sink_port=$3
  mkdir -p "$work"/{conf,queue,data,milter,sink}
  chmod 755 "$work"
  chown postfix "$work"/{data,milter,sink}
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
  # Debian's master.cf with SMTP on our loopback port and no chroot (a private
  # instance has no chroot tree).
  awk -v port="$smtpd_port" '
    /^smtp[ \t]+inet/ { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
    /^[a-z]/ && NF >= 8 && $5 == "y" { $5 = "n" }
    { print }' /etc/postfix/master.cf > "$work/conf/master.cf"
}

rig_start_sink() {
  local work=$1 sink_port=$2
  smtp-sink -u postfix -d "$work/sink/%Y%m%d%H%M%S." "127.0.0.1:$sink_port" 256 \
    > "$work/sink.log" 2>&1 &
  echo $! > "$work/sink.pid"
}

rig_set_milter() {
  local work=$1 socket=$2
  if [ "$socket" = none ]; then
    postconf -c "$work/conf" -e "smtpd_milters ="
  else
    postconf -c "$work/conf" -e "smtpd_milters = $socket"
  fi
  if [ -e "$work/queue/pid/master.pid" ]; then postfix -c "$work/conf" reload > /dev/null 2>&1; fi
}

rig_wait_port() {
  local port=$1
  for _ in $(seq 200); do
    (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && return 0
    sleep 0.05
  done
  return 1
}

rig_start() {
  local work=$1 smtpd_port=$2
  postfix -c "$work/conf" post-install create-missing > /dev/null 2>&1
  postfix -c "$work/conf" start > /dev/null 2>&1
  rig_wait_port "$smtpd_port"
}

rig_stop() {
  local work=$1
  postfix -c "$work/conf" stop > /dev/null 2>&1 || true
  if [ -e "$work/sink.pid" ]; then kill "$(cat "$work/sink.pid")" 2> /dev/null || true; fi
}
