#!/usr/bin/env bash
# Extra labelled training captures for the flow model (issue 11), made like tests/corpus/generate.sh:
# REAL tools inside private network namespaces, captured on the victim interface, but with other
# tools, options, rates, ports and hosts, so the model can be split by capture file.
#
#   sudo bash ml/captures/generate.sh              # all scenarios (~4 min)
#   sudo bash ml/captures/generate.sh ml_ping_flood # only some
#
# Debian packages it needs (beyond the project's CI set: see .ci/run): hydra sshpass openssh-server
# openssh-client socat netcat-openbsd python3-pyftpdlib apache2-utils wget.
#
# Safety: every packet stays inside namespaces created here (ids-ml<pid>-*, unique per run), joined
# by a bridge in its own namespace. Addresses: victim 10.77.2.1, benign clients 10.77.2.10/.11,
# attackers 10.77.2.66/.67/.68/.69. Every generator is bounded in count and wrapped in `timeout`.
# Namespaces, helper processes and the temporary dir are removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
. "$HERE/../../tests/fixtures/lib/common.sh"
CORPUS=$HERE/../../tests/corpus

[ "$(id -u)" = 0 ] || { echo "must run as root (sudo)" >&2; exit 1; }
for t in tcpdump tshark nmap nping hping3 masscan hydra sshpass ssh scp ssh-keygen curl wget dig ping gzip socat nc ab; do
  command -v "$t" >/dev/null || { echo "missing tool: $t (Debian packages: see the head of $0)" >&2; exit 1; }
done
SSHD=/usr/sbin/sshd
[ -x $SSHD ] || { echo "missing /usr/sbin/sshd" >&2; exit 1; }
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || true

TMPD=$(mktemp -d /tmp/ids-mlcap.XXXXXX)
chmod 755 "$TMPD"
trap cleanup_all EXIT
trap 'exit 130' INT TERM

ALL_SCENARIOS=(
  ml_nmap_top100 ml_nmap_fin ml_nmap_udp_low ml_masscan_slow ml_nmap_connect_t3
  ml_syn_flood_ssh ml_syn_flood_spoofed_https ml_udp_flood_ntp ml_udp_flood_nping ml_ping_flood ml_icmp_flood_big
  ml_ddos_https ml_ddos_four
  ml_exploit_rdp_vnc ml_exploit_telnet_ftp ml_exploit_smb_hping
  ml_hydra_slow ml_sshpass_ten
  ml_benign_web ml_benign_ping ml_benign_dns ml_benign_scp ml_benign_downloads ml_benign_two_clients
  ml_benign_ssh_admin
  ml_http_brute_hydra_t8 ml_http_brute_curl ml_http_brute_slow ml_ftp_brute_hydra ml_ssh_brute_hydra_t6
  ml_dns_flood_nping ml_dns_flood_hping_slow ml_dns_flood_parallel ml_icmp_flood_mid ml_ping_flood_big
  ml_http_flood_ab ml_http_flood_curl
  ml_benign_dns_burst_fast ml_benign_dns_parallel ml_benign_dns_host ml_benign_dns_small_bursts
  ml_benign_ssh_quick ml_benign_sftp ml_benign_web_logins ml_benign_loadtest_ab ml_benign_ping_sizes
  ml_ddos_closed_port ml_ddos_udp ml_syn_flood_web_open ml_dns_flood_dig ml_http_brute_hydra_t2 ml_sshpass_fast
  ml_benign_web_keepalive_two ml_benign_dns_paced ml_benign_ssh_two_clients ml_benign_loadtest_curl
  ml_syn_flood_closed ml_syn_flood_closed_fast ml_dns_flood_1sock_slow ml_dns_flood_1sock_nping
  ml_dns_flood_dig_six
  ml_ddos_udp_nping_two ml_ddos_dns_four ml_ddos_udp_1sock_three ml_ddos_dig_three
  ml_http_flood_keepalive_ab_two ml_http_flood_keepalive_curl ml_http_flood_keepalive_rate
  ml_benign_loadtest_ab_k ml_benign_loadtest_ab_c20 ml_benign_loadtest_curl_keepalive ml_benign_loadtest_curl_rate
  ml_benign_dns_batch_200 ml_benign_dns_batches_paused ml_benign_dns_two_batches
  ml_dns_flood_dig_two ml_dns_flood_nping_slow ml_dns_flood_hping_fast
  ml_exploit_nc_smb_rdp ml_exploit_nping_rdp ml_exploit_nmap_connect_smb ml_exploit_tftp_udp ml_exploit_nping_ssh_telnet
  ml_exploit_masscan_three ml_exploit_udp_nping
  ml_benign_loadtest_backlog_ab ml_benign_loadtest_backlog_curl ml_benign_loadtest_backlog_two
  ml_udp_flood_nping_fast ml_ddos_udp_nping_three ml_ddos_keepalive_ab_three
  ml_exploit_nmap_version_ftp_ssh ml_exploit_nmap_nine_t2 ml_exploit_nc_vnc_telnet_rpc ml_exploit_hping_rdp_vnc
  ml_exploit_nmap_connect_rpc_rdp ml_exploit_masscan_smb_ftp
  ml_benign_dns_batch_350 ml_benign_dns_batch_250_mx
  ml_benign_dns_parallel_two ml_benign_dns_parallel_four ml_benign_dns_xargs_host
  ml_nmap_slow_connect
  ml_nmap_slow_syn ml_masscan_crawl
  ml_exploit_nmap_smb_pair ml_exploit_nping_vnc_rdp ml_exploit_nc_ssh_telnet ml_exploit_masscan_five
  ml_syn_flood_telnet ml_syn_flood_ftp
  ml_benign_workstation_sessions
  ml_benign_mss_only_web ml_benign_mss_only_shell ml_benign_mss_only_sessions
  ml_benign_mss_only_loadtest_ab ml_benign_mss_only_loadtest_backlog ml_benign_mss_only_loadtest_curl
  ml_exploit_nmap_syn_smb_slow ml_exploit_nmap_syn_remote_delay ml_exploit_nmap_syn_fast
)
if [ $# -gt 0 ]; then SCENARIOS=("$@"); else SCENARIOS=("${ALL_SCENARIOS[@]}"); fi

P=ids-ml$$
SW=$P-sw V=$P-v C=$P-c C2=$P-c2 A1=$P-a1 A2=$P-a2 A3=$P-a3 A4=$P-a4 M1=$P-m1 M2=$P-m2
VIC=10.77.2.1 CLI=10.77.2.10 CLI2=10.77.2.11 AT1=10.77.2.66 AT2=10.77.2.67 AT3=10.77.2.68 AT4=10.77.2.69
# benign clients with a minimal TCP stack (no timestamps, SACK or window scaling: their SYNs carry only an MSS option,
# like embedded devices' stacks): the model must not learn that a SYN with few options is a raw-socket tool's (feature
# code v6's syn_bare is a SYN with no option at all)
MCLI=10.77.2.12 MCLI2=10.77.2.13
VMAC=02:77:02:00:00:01

# ---------------------------------------------------------------- topology
log "building namespaces"
ns_new $SW
ip -n $SW link add br0 type bridge
ip -n $SW link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null || true
ip -n $SW link set br0 up
attach() { # NS PORT IPv4 MAC
  ns_new "$1"
  nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
  veth "$1" eth0 $SW "$2"
  nsx "$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 >/dev/null 2>&1 || true
  ip -n "$1" link set eth0 address "$4"
  ip -n $SW link set "$2" master br0
  ip -n "$1" addr add "$3/24" dev eth0
}
attach $V p-vic $VIC $VMAC
attach $C p-cli $CLI 02:77:02:00:00:10
attach $C2 p-cli2 $CLI2 02:77:02:00:00:11
attach $A1 p-at1 $AT1 02:77:02:00:00:66
attach $A2 p-at2 $AT2 02:77:02:00:00:67
attach $A3 p-at3 $AT3 02:77:02:00:00:68
attach $A4 p-at4 $AT4 02:77:02:00:00:69
attach $M1 p-m1 $MCLI 02:77:02:00:00:12
attach $M2 p-m2 $MCLI2 02:77:02:00:00:13
for ns in $M1 $M2; do
  nsx $ns sysctl -qw net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0
done
# Backscatter of the spoofed flood (SYN-ACKs to random addresses) goes to
# attacker 1, which does not forward (ip_forward=0) -> it never leaves the namespaces.
ip -n $V route add default via $AT1
nsx $A1 sysctl -qw net.ipv4.ip_forward=0

# ---------------------------------------------------------------- services (victim)
log "starting services in victim $V"
WWW=$TMPD/www; mkdir -p "$WWW/docs"
cat >"$WWW/index.html" <<'HTML'
<!doctype html><html><head><title>victim web</title></head><body>
<h1>Victim web server</h1><a href="/docs/readme.txt">readme</a></body></html>
HTML
printf 'Line %s of the readme file.\n' $(seq 1 200) >"$WWW/docs/readme.txt"
truncate -s 20M "$WWW/big.bin"; head -c 3000000 /dev/urandom >"$WWW/mid.bin"
spawn http $V "$PY" -m http.server 80 --bind $VIC --directory "$WWW"
spawn sqli $V "$PY" "$CORPUS/lib/sqli_app.py" $VIC 8080
spawn dns $V "$PY" "$HERE/../../tests/fixtures/lib/dns_server.py" $VIC 53
spawn web $V "$PY" "$CORPUS/lib/web_server.py" $VIC 8081
# slow-accepting web servers (listen backlog 16 / 8, 250 / 150 accepts per second): load tests overflow their backlog
spawn webslow $V "$PY" "$CORPUS/lib/slow_accept_server.py" $VIC 8082 16 250
spawn webslow2 $V "$PY" "$CORPUS/lib/slow_accept_server.py" $VIC 8083 8 150
mkdir -p "$TMPD/ftp" && head -c 200000 /dev/urandom >"$TMPD/ftp/report.bin"
spawn ftpd $V "$PY" -m pyftpdlib -i $VIC -p 21 -u alice -P 'correct horse' -d "$TMPD/ftp"

mkdir -p /run/sshd && chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/hostkey" -C ids-mlcap-host
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/clientkey" -C ids-mlcap-client
cp "$TMPD/clientkey.pub" "$TMPD/authorized_keys"
cat >"$TMPD/sshd_config" <<EOF
Port 22
ListenAddress $VIC
HostKey $TMPD/hostkey
PidFile $TMPD/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AuthorizedKeysFile $TMPD/authorized_keys
StrictModes no
MaxAuthTries 6
MaxStartups 100:30:200
LoginGraceTime 20
PrintMotd no
Banner none
Subsystem sftp internal-sftp
EOF
$SSHD -t -f "$TMPD/sshd_config"
spawn sshd $V $SSHD -D -e -f "$TMPD/sshd_config"
wait_port $C $VIC 80; wait_port $C $VIC 8080; wait_port $C $VIC 8082; wait_port $C $VIC 8083; wait_port $C $VIC 22; wait_port $C $VIC 8081; wait_port $C $VIC 21
SSHOPTS=(-i "$TMPD/clientkey" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR)

# ---------------------------------------------------------------- scenario helpers
META=$TMPD/meta.jsonl
: >"$META"
flush_neigh() { local ns; for ns in $V $C $C2 $A1 $A2 $A3 $A4 $M1 $M2; do ip -n $ns neigh flush all 2>/dev/null || true; done; }

# run_scenario NAME SNAPLEN : capture on the victim's eth0 while sc_NAME runs
run_scenario() {
  local name=$1 snap=${2:-262144} t0
  t0=$(date +%s)
  log "scenario $name"
  flush_neigh
  cap_start "$name" $V -i eth0 -s "$snap" -w "$TMPD/$name.pcap"
  local P=$CAPPID
  sleep 0.5
  "sc_$name"
  sleep 0.5
  cap_stop $P
  gzip -9 -n -c "$TMPD/$name.pcap" >"$OUT/$name.pcap.gz"
  log "  $name: $(capinfos -c -M "$TMPD/$name.pcap" 2>/dev/null | awk -F: '/packets/{gsub(/ /,"",$2);print $2}') packets, $(stat -c %s "$OUT/$name.pcap.gz") bytes gz, $(( $(date +%s) - t0 )) s"
}
# meta NAME kind=.. type=.. attackers=.. spoofed=.. tool=.. filter=..
meta() { local name=$1; shift; "$PY" "$CORPUS/lib/manifest.py" add "$META" name="$name" file="$name.pcap.gz" victim=$VIC "$@"; }
from() { local IFS=,; local f=""; for a in "$@"; do f="${f:+$f or }ip.src==$a"; done; echo "$f"; }

# ---------------------------------------------------------------- attack scenarios
sc_ml_nmap_top100() {
  local cmd="nmap -n -Pn -sS --top-ports 100 --max-retries 1 -T3 $VIC"
  nsx $A2 timeout 60 $cmd >/dev/null || true
  meta ml_nmap_top100 kind=attack type=port_scan attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_ml_nmap_fin() {
  local cmd="nmap -n -Pn -sF -p 1-150 --max-retries 0 -T4 $VIC"
  nsx $A3 timeout 60 $cmd >/dev/null || true
  meta ml_nmap_fin kind=attack type=port_scan attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
sc_ml_nmap_udp_low() {
  local cmd="nmap -n -Pn -sU -p 1-40 --max-retries 0 -T4 $VIC"
  nsx $A4 timeout 60 $cmd >/dev/null || true
  meta ml_nmap_udp_low kind=attack type=port_scan attackers=$AT4 spoofed=0 tool="$cmd" filter="$(from $AT4)"
}
sc_ml_masscan_slow() {
  local cmd="masscan $VIC -p1-300 --rate 300 --wait 2 --adapter eth0 --adapter-ip $AT1 --adapter-mac 02:77:02:00:00:66 --router-mac $VMAC"
  nsx $A1 timeout 30 $cmd >"$TMPD/masscan.out" 2>&1 || true
  meta ml_masscan_slow kind=attack type=port_scan attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_ml_nmap_connect_t3() {
  local cmd="nmap -n -Pn -sT -p 20-120,443,8000-8100 --max-retries 0 -T3 $VIC"
  nsx $A4 timeout 60 $cmd >/dev/null || true
  meta ml_nmap_connect_t3 kind=attack type=port_scan attackers=$AT4 spoofed=0 tool="$cmd" filter="$(from $AT4)"
}
sc_ml_syn_flood_ssh() {
  local cmd="hping3 -S -p 22 -i u300 -c 3000 $VIC"
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_syn_flood_ssh kind=attack type=syn_flood attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_ml_syn_flood_spoofed_https() {
  local cmd="hping3 -S -p 443 --rand-source -i u300 -c 3000 $VIC"
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_syn_flood_spoofed_https kind=attack type=syn_flood attackers= spoofed=1 tool="$cmd" \
    filter="ip.dst==$VIC and tcp.flags.syn==1 and tcp.flags.ack==0 and not ip.src==10.77.2.0/24"
}
sc_ml_udp_flood_ntp() {
  local cmd="hping3 --udp -p 123 -d 48 -i u300 -c 3000 $VIC"
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_udp_flood_ntp kind=attack type=udp_flood attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
sc_ml_udp_flood_nping() {
  local cmd="nping --udp -p 5060 --data-length 200 --rate 2500 -c 4000 -N $VIC"
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_udp_flood_nping kind=attack type=udp_flood attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_ml_ping_flood() {
  local cmd="ping -f -c 3000 -s 120 $VIC"
  nsx $A4 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_ping_flood kind=attack type=icmp_flood attackers=$AT4 spoofed=0 tool="$cmd" filter="$(from $AT4)"
}
sc_ml_icmp_flood_big() {
  local cmd="hping3 -1 -d 500 -i u400 -c 2500 $VIC"
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_icmp_flood_big kind=attack type=icmp_flood attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_ml_ddos_https() {
  local cmd="hping3 -S -p 443 -i u700 -c 2000 $VIC"
  local p1 p2 p3
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p1=$!
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p2=$!
  nsx $A4 timeout 30 hping3 -S -p 443 -i u400 -c 3000 $VIC >/dev/null 2>&1 & p3=$!
  wait $p1 $p2 $p3 || true
  meta ml_ddos_https kind=attack type=ddos attackers=$AT2,$AT3,$AT4 spoofed=0 \
    tool="$cmd from $AT2, $AT3 and hping3 -S -p 443 -i u400 -c 3000 from $AT4, simultaneously" filter="$(from $AT2 $AT3 $AT4)"
}
sc_ml_ddos_four() {
  local cmd="hping3 -S -p 8080 -i u900 -c 1500 $VIC"
  local p1 p2 p3 p4
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 & p1=$!
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p2=$!
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p3=$!
  nsx $A4 timeout 30 $cmd >/dev/null 2>&1 & p4=$!
  wait $p1 $p2 $p3 $p4 || true
  meta ml_ddos_four kind=attack type=ddos attackers=$AT1,$AT2,$AT3,$AT4 spoofed=0 \
    tool="$cmd (run simultaneously from 4 hosts)" filter="$(from $AT1 $AT2 $AT3 $AT4)"
}
sc_ml_exploit_rdp_vnc() {
  local cmd="nmap -n -Pn -sS -p 3389,5900 --max-retries 0 $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null || true
  meta ml_exploit_rdp_vnc kind=attack type=exploit_probe attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_ml_exploit_telnet_ftp() {
  local cmd="nmap -n -Pn -sS -p 21,23,135,139 --max-retries 1 $VIC"
  nsx $A4 timeout 30 $cmd >/dev/null || true
  meta ml_exploit_telnet_ftp kind=attack type=exploit_probe attackers=$AT4 spoofed=0 tool="$cmd" filter="$(from $AT4)"
}
sc_ml_exploit_smb_hping() {
  local cmd="hping3 -S -p 445 -c 3 -i 1 $VIC"
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_smb_hping kind=attack type=exploit_probe attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
PASSWORDS=(123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
  123123 baseball abc123 football monkey letmein 696969 shadow master 666666
  qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777 121212)
sc_ml_hydra_slow() {
  printf '%s\n' "${PASSWORDS[@]}" >"$TMPD/passwords.txt"
  local cmd="hydra -I -t 2 -w 5 -l admin -P passwords.txt(${#PASSWORDS[@]} entries) ssh://$VIC"
  ( cd "$TMPD" && nsx $A3 timeout 60 hydra -I -t 2 -w 5 -l admin -P "$TMPD/passwords.txt" "ssh://$VIC" >"$TMPD/hydra.out" 2>&1 ) || true
  meta ml_hydra_slow kind=attack type=brute_force attackers=$AT3 spoofed=0 tool="timeout 60 $cmd" filter="$(from $AT3)"
}
sc_ml_sshpass_ten() {
  local pw
  for pw in "${PASSWORDS[@]:10:10}"; do
    nsx $A1 timeout 10 sshpass -p "$pw" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
      -o ConnectTimeout=5 -o LogLevel=QUIET operator@$VIC true >/dev/null 2>&1 || true
    sleep 0.3
  done
  meta ml_sshpass_ten kind=attack type=brute_force attackers=$AT1 spoofed=0 \
    tool="for 10 passwords: sshpass -p PW ssh -o NumberOfPasswordPrompts=1 operator@$VIC true, 0.3 s apart" filter="$(from $AT1)"
}

# ---- added for issue 11 (varied tools and rates, so every kind of attack and benign traffic is on both sides
# of the split by capture file)
LOGIN_FORM="/login:username=^USER^&password=^PASS^:F=Login failed"
sc_ml_http_brute_hydra_t8() {
  printf '%s\n' "${PASSWORDS[@]}" >"$TMPD/passwords.txt"
  ( cd "$TMPD" && nsx $A1 timeout 60 hydra -I -t 8 -l root -P "$TMPD/passwords.txt" -s 8081 $VIC http-post-form "$LOGIN_FORM" >"$TMPD/hydra_http8.out" 2>&1 ) || true
  meta ml_http_brute_hydra_t8 kind=attack type=brute_force attackers=$AT1 spoofed=0 \
    tool="hydra -t 8 -l root -P passwords.txt(${#PASSWORDS[@]}) -s 8081 $VIC http-post-form '$LOGIN_FORM'" filter="$(from $AT1)"
}
sc_ml_http_brute_curl() {
  local pw
  for pw in "${PASSWORDS[@]}"; do
    nsx $A4 curl -s -m 5 -o /dev/null -d "username=admin&password=$pw" "http://$VIC:8081/login" || true
  done
  meta ml_http_brute_curl kind=attack type=brute_force attackers=$AT4 spoofed=0 \
    tool="for ${#PASSWORDS[@]} passwords: curl -d 'username=admin&password=PW' http://$VIC:8081/login (a new connection each, back to back)" filter="$(from $AT4)"
}
sc_ml_http_brute_slow() {
  local pw
  for pw in "${PASSWORDS[@]:0:15}"; do
    nsx $A3 curl -s -m 5 -o /dev/null -A 'Mozilla/5.0' -d "username=alice&password=$pw" "http://$VIC:8081/login" || true
    sleep 0.4
  done
  meta ml_http_brute_slow kind=attack type=brute_force attackers=$AT3 spoofed=0 \
    tool="for 15 passwords: curl -d 'username=alice&password=PW' http://$VIC:8081/login, 0.4 s apart" filter="$(from $AT3)"
}
sc_ml_ftp_brute_hydra() {
  printf '%s\n' "${PASSWORDS[@]:0:20}" >"$TMPD/passwords20.txt"
  ( cd "$TMPD" && nsx $A2 timeout 90 hydra -I -t 4 -l alice -P "$TMPD/passwords20.txt" ftp://$VIC >"$TMPD/hydra_ftp.out" 2>&1 ) || true
  meta ml_ftp_brute_hydra kind=attack type=brute_force attackers=$AT2 spoofed=0 \
    tool="hydra -t 4 -l alice -P passwords(20) ftp://$VIC (pyftpdlib)" filter="$(from $AT2)"
}
sc_ml_ssh_brute_hydra_t6() {
  printf '%s\n' "${PASSWORDS[@]:5:24}" >"$TMPD/passwords24.txt"
  ( cd "$TMPD" && nsx $A4 timeout 60 hydra -I -t 6 -w 5 -l root -P "$TMPD/passwords24.txt" "ssh://$VIC" >"$TMPD/hydra6.out" 2>&1 ) || true
  meta ml_ssh_brute_hydra_t6 kind=attack type=brute_force attackers=$AT4 spoofed=0 \
    tool="timeout 60 hydra -I -t 6 -w 5 -l root -P passwords(24) ssh://$VIC" filter="$(from $AT4)"
}
dns_query_bin() { printf '\x56\x78\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04mail\x07example\x04test\x00\x00\x01\x00\x01' >"$TMPD/query2.bin"; }
sc_ml_dns_flood_nping() {
  local data
  data=$(printf '\x9a\xbc\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x01\x00\x01' | od -An -tx1 | tr -d ' \n')
  nsx $A2 timeout 30 nping --udp -p 53 --data "$data" --rate 2000 -c 5000 -N $VIC >/dev/null 2>&1 || true
  meta ml_dns_flood_nping kind=attack type=udp_flood attackers=$AT2 spoofed=0 \
    tool="nping --udp -p 53 --data <an A query> --rate 2000 -c 5000 -N $VIC" filter="$(from $AT2)"
}
sc_ml_dns_flood_hping_slow() {
  dns_query_bin
  nsx $A3 timeout 30 hping3 --udp -p 53 -E "$TMPD/query2.bin" -d 34 -i u1000 -c 3000 $VIC >/dev/null 2>&1 || true
  meta ml_dns_flood_hping_slow kind=attack type=udp_flood attackers=$AT3 spoofed=0 \
    tool="hping3 --udp -p 53 -E query.bin -d 34 -i u1000 -c 3000 $VIC (1000 DNS queries/s from rising source ports, cut one byte short: never answered)" filter="$(from $AT3)"
}
sc_ml_dns_flood_parallel() {
  # a query flood by many real resolver calls at once: 8 dig -f workers of 500 queries each
  local i p=()
  for i in $(seq 1 500); do echo "x$i.flood.example.test A"; done >"$TMPD/dnsflood.txt"
  for i in 1 2 3 4 5 6 7 8; do nsx $A1 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsflood.txt" >/dev/null 2>&1 & p+=($!); done
  wait "${p[@]}" || true
  meta ml_dns_flood_parallel kind=attack type=udp_flood attackers=$AT1 spoofed=0 \
    tool="8 x dig @$VIC -f batch(500) at once (4000 queries in a few seconds)" filter="$(from $AT1)"
}
sc_ml_icmp_flood_mid() {
  nsx $A3 timeout 30 hping3 -1 -d 1000 -i u500 -c 3000 $VIC >/dev/null 2>&1 || true
  meta ml_icmp_flood_mid kind=attack type=icmp_flood attackers=$AT3 spoofed=0 tool="hping3 -1 -d 1000 -i u500 -c 3000 $VIC" filter="$(from $AT3)"
}
sc_ml_ping_flood_big() {
  nsx $A1 timeout 30 ping -f -c 3000 -s 1400 $VIC >/dev/null 2>&1 || true
  meta ml_ping_flood_big kind=attack type=icmp_flood attackers=$AT1 spoofed=0 tool="ping -f -c 3000 -s 1400 $VIC" filter="$(from $AT1)"
}
sc_ml_http_flood_ab() {
  local cmd="ab -n 1500 -c 10 http://$VIC:8081/" p1 p2 p3 p4
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 & p1=$!
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p2=$!
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p3=$!
  nsx $A4 timeout 30 $cmd >/dev/null 2>&1 & p4=$!
  wait $p1 $p2 $p3 $p4 || true
  meta ml_http_flood_ab kind=attack type=ddos attackers=$AT1,$AT2,$AT3,$AT4 spoofed=0 \
    tool="$cmd (a new connection per request, simultaneously from 4 hosts; snaplen 128)" filter="$(from $AT1 $AT2 $AT3 $AT4)"
}
sc_ml_http_flood_curl() {
  local p1 p2 p3
  nsx $A2 timeout 30 curl -s -Z --parallel-max 30 -o '/dev/null' -H 'Connection: close' "http://$VIC:8081/p?n=[1-1200]" & p1=$!
  nsx $A3 timeout 30 curl -s -Z --parallel-max 30 -o '/dev/null' -H 'Connection: close' "http://$VIC:8081/q?n=[1-1200]" & p2=$!
  nsx $A4 timeout 30 curl -s -Z --parallel-max 30 -o '/dev/null' -H 'Connection: close' "http://$VIC:8081/r?n=[1-1200]" & p3=$!
  wait $p1 $p2 $p3 || true
  meta ml_http_flood_curl kind=attack type=ddos attackers=$AT2,$AT3,$AT4 spoofed=0 \
    tool="curl -Z --parallel-max 30 -H 'Connection: close' 'http://$VIC:8081/p?n=[1-1200]' simultaneously from 3 hosts; snaplen 128" filter="$(from $AT2 $AT3 $AT4)"
}

sc_ml_ddos_closed_port() {
  local cmd="hping3 -S -p 9443 -i u600 -c 2000 $VIC" p=()
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  wait "${p[@]}" || true
  meta ml_ddos_closed_port kind=attack type=ddos attackers=$AT1,$AT2,$AT3 spoofed=0 \
    tool="$cmd (a closed port: every SYN answered by RST) simultaneously from 3 hosts" filter="$(from $AT1 $AT2 $AT3)"
}
sc_ml_ddos_udp() {
  local cmd="hping3 --udp -p 9000 -d 64 -i u500 -c 2500 $VIC" p=()
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  nsx $A4 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  wait "${p[@]}" || true
  meta ml_ddos_udp kind=attack type=ddos attackers=$AT2,$AT3,$AT4 spoofed=0 \
    tool="$cmd simultaneously from 3 hosts" filter="$(from $AT2 $AT3 $AT4)"
}
sc_ml_syn_flood_web_open() {
  local cmd="hping3 -S -p 8081 -i u250 -c 4000 $VIC"
  nsx $A4 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_syn_flood_web_open kind=attack type=syn_flood attackers=$AT4 spoofed=0 tool="$cmd (an open port)" filter="$(from $AT4)"
}
sc_ml_dns_flood_dig() {
  local i p=()
  for i in $(seq 1 1000); do echo "r$i.example.test AAAA"; done >"$TMPD/dnsflood2.txt"
  for i in 1 2 3 4; do nsx $A2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsflood2.txt" >/dev/null 2>&1 & p+=($!); done
  wait "${p[@]}" || true
  meta ml_dns_flood_dig kind=attack type=udp_flood attackers=$AT2 spoofed=0 \
    tool="4 x dig @$VIC -f batch(1000 AAAA) at once" filter="$(from $AT2)"
}
sc_ml_http_brute_hydra_t2() {
  printf '%s\n' "${PASSWORDS[@]:0:24}" >"$TMPD/passwords24b.txt"
  ( cd "$TMPD" && nsx $A3 timeout 60 hydra -I -t 2 -l admin -P "$TMPD/passwords24b.txt" -s 8081 $VIC http-post-form "$LOGIN_FORM" >"$TMPD/hydra_http2.out" 2>&1 ) || true
  meta ml_http_brute_hydra_t2 kind=attack type=brute_force attackers=$AT3 spoofed=0 \
    tool="hydra -t 2 -l admin -P passwords(24) -s 8081 $VIC http-post-form '$LOGIN_FORM'" filter="$(from $AT3)"
}
sc_ml_sshpass_fast() {
  local pw
  for pw in "${PASSWORDS[@]:0:12}"; do
    nsx $A2 timeout 10 sshpass -p "$pw" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=3 \
      -o ConnectTimeout=5 -o LogLevel=QUIET admin@$VIC true >/dev/null 2>&1 || true
  done
  meta ml_sshpass_fast kind=attack type=brute_force attackers=$AT2 spoofed=0 \
    tool="for 12 passwords: sshpass -p PW ssh -o NumberOfPasswordPrompts=3 admin@$VIC true, back to back" filter="$(from $AT2)"
}

sc_ml_syn_flood_closed() {
  local cmd="hping3 -S -p 7070 -i u300 -c 3000 $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_syn_flood_closed kind=attack type=syn_flood attackers=$AT1 spoofed=0 tool="$cmd (a closed port: every SYN answered by RST)" filter="$(from $AT1)"
}
sc_ml_syn_flood_closed_fast() {
  local cmd="hping3 -S -p 3306 -i u150 -c 4000 $VIC"
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_syn_flood_closed_fast kind=attack type=syn_flood attackers=$AT3 spoofed=0 tool="$cmd (a closed port: every SYN answered by RST)" filter="$(from $AT3)"
}

sc_ml_dns_flood_1sock_slow() {
  dns_query_bin
  local cmd="hping3 --udp -k -s 41000 -p 53 -E query.bin -d 35 -i u500 -c 4000 $VIC"
  nsx $A4 timeout 30 hping3 --udp -k -s 41000 -p 53 -E "$TMPD/query2.bin" -d 35 -i u500 -c 4000 $VIC >/dev/null 2>&1 || true
  meta ml_dns_flood_1sock_slow kind=attack type=udp_flood attackers=$AT4 spoofed=0 \
    tool="$cmd (one source port, every query answered)" filter="$(from $AT4)"
}
sc_ml_dns_flood_1sock_nping() {
  local data
  data=$(printf '\x3c\x21\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04mail\x07example\x04test\x00\x00\x0f\x00\x01' | od -An -tx1 | tr -d ' \n')
  nsx $A1 timeout 30 nping --udp -g 45053 -p 53 --data "$data" --rate 1500 -c 3000 -N $VIC >/dev/null 2>&1 || true
  meta ml_dns_flood_1sock_nping kind=attack type=udp_flood attackers=$AT1 spoofed=0 \
    tool="nping --udp -g 45053 -p 53 --data <an MX query> --rate 1500 -c 3000 -N $VIC (one source port)" filter="$(from $AT1)"
}

sc_ml_dns_flood_dig_six() {
  local i p=()
  for i in $(seq 1 600); do echo "w$i.flood.example.test TXT"; done >"$TMPD/dnsflood3.txt"
  for i in 1 2 3 4 5 6; do nsx $A3 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsflood3.txt" >/dev/null 2>&1 & p+=($!); done
  wait "${p[@]}" || true
  meta ml_dns_flood_dig_six kind=attack type=udp_flood attackers=$AT3 spoofed=0 \
    tool="6 x dig @$VIC -f batch(600 TXT) at once" filter="$(from $AT3)"
}

# ---- added in the second round of issue 11: the confusions left (multi-source UDP floods, keep-alive HTTP floods,
# one-client load tests, dig batches against DNS floods), each with other tools, rates and source counts
sc_ml_ddos_udp_nping_two() {
  local cmd="nping --udp -p 5000 --data-length 120 --rate 1500 -c 3000 -N $VIC" p=()
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  nsx $A4 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  wait "${p[@]}" || true
  meta ml_ddos_udp_nping_two kind=attack type=ddos attackers=$AT1,$AT4 spoofed=0 \
    tool="$cmd simultaneously from 2 hosts (a closed port; the kernel rate-limits its port-unreachables, so almost none come back)" filter="$(from $AT1 $AT4)"
}
sc_ml_ddos_dns_four() {
  dns_query_bin
  local p=() ns
  for ns in $A1 $A2 $A3 $A4; do
    nsx $ns timeout 30 hping3 --udp -p 53 -E "$TMPD/query2.bin" -d 34 -i u900 -c 1800 $VIC >/dev/null 2>&1 & p+=($!)
  done
  wait "${p[@]}" || true
  meta ml_ddos_dns_four kind=attack type=ddos attackers=$AT1,$AT2,$AT3,$AT4 spoofed=0 \
    tool="hping3 --udp -p 53 -E query.bin -d 34 -i u900 -c 1800 $VIC simultaneously from 4 hosts (cut one byte short: never answered)" \
    filter="$(from $AT1 $AT2 $AT3 $AT4)"
}
sc_ml_ddos_udp_1sock_three() {
  local p=()
  nsx $A2 timeout 30 hping3 --udp -k -s 40100 -p 7000 -d 300 -i u700 -c 2500 $VIC >/dev/null 2>&1 & p+=($!)
  nsx $A3 timeout 30 hping3 --udp -k -s 40200 -p 7000 -d 300 -i u700 -c 2500 $VIC >/dev/null 2>&1 & p+=($!)
  nsx $A4 timeout 30 hping3 --udp -k -s 40300 -p 7000 -d 300 -i u700 -c 2500 $VIC >/dev/null 2>&1 & p+=($!)
  wait "${p[@]}" || true
  meta ml_ddos_udp_1sock_three kind=attack type=ddos attackers=$AT2,$AT3,$AT4 spoofed=0 \
    tool="hping3 --udp -k -s PORT -p 7000 -d 300 -i u700 -c 2500 $VIC simultaneously from 3 hosts (one socket each)" \
    filter="$(from $AT2 $AT3 $AT4)"
}
sc_ml_ddos_dig_three() {
  local i p=() ns
  for i in $(seq 1 700); do echo "d$i.flood.example.test A"; done >"$TMPD/dnsflood4.txt"
  for ns in $A1 $A2 $A3; do
    for i in 1 2; do nsx $ns timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsflood4.txt" >/dev/null 2>&1 & p+=($!); done
  done
  wait "${p[@]}" || true
  meta ml_ddos_dig_three kind=attack type=ddos attackers=$AT1,$AT2,$AT3 spoofed=0 \
    tool="2 x dig @$VIC -f batch(700 A) at once from each of 3 hosts (every query answered)" filter="$(from $AT1 $AT2 $AT3)"
}
sc_ml_http_flood_keepalive_ab_two() {
  local cmd="ab -k -n 2500 -c 2 http://$VIC:8081/" p=()
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p+=($!)
  wait "${p[@]}" || true
  meta ml_http_flood_keepalive_ab_two kind=attack type=ddos attackers=$AT2,$AT3 spoofed=0 \
    tool="$cmd (requests on 2 kept-alive connections per bot) simultaneously from 2 hosts; snaplen 128" filter="$(from $AT2 $AT3)"
}
sc_ml_http_flood_keepalive_curl() {
  local p=() ns
  for ns in $A1 $A3 $A4; do
    nsx $ns timeout 30 curl -s -Z --parallel-max 6 -o '/dev/null' "http://$VIC:8081/k?n=[1-1500]" >/dev/null 2>&1 & p+=($!)
  done
  wait "${p[@]}" || true
  meta ml_http_flood_keepalive_curl kind=attack type=ddos attackers=$AT1,$AT3,$AT4 spoofed=0 \
    tool="curl -Z --parallel-max 6 'http://$VIC:8081/k?n=[1-1500]' (connections kept alive and reused) simultaneously from 3 hosts; snaplen 128" \
    filter="$(from $AT1 $AT3 $AT4)"
}
sc_ml_http_flood_keepalive_rate() {
  local p=() ns
  for ns in $A1 $A2 $A3 $A4; do
    nsx $ns timeout 30 curl -s --rate 250/s -o '/dev/null' "http://$VIC:8081/r?n=[1-1000]" >/dev/null 2>&1 & p+=($!)
  done
  wait "${p[@]}" || true
  meta ml_http_flood_keepalive_rate kind=attack type=ddos attackers=$AT1,$AT2,$AT3,$AT4 spoofed=0 \
    tool="curl --rate 250/s 'http://$VIC:8081/r?n=[1-1000]' (one kept-alive connection each) simultaneously from 4 hosts; snaplen 128" \
    filter="$(from $AT1 $AT2 $AT3 $AT4)"
}
sc_ml_benign_loadtest_ab_k() {
  nsx $C timeout 30 ab -k -n 3000 -c 4 "http://$VIC:8081/" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_ab_k kind=benign spoofed=0 tool="ab -k -n 3000 -c 4 http://$VIC:8081/ from one client (a keep-alive load test)" filter="$(from $CLI)"
}
sc_ml_benign_loadtest_ab_c20() {
  nsx $C2 timeout 30 ab -n 1500 -c 20 "http://$VIC:8081/" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_ab_c20 kind=benign spoofed=0 tool="ab -n 1500 -c 20 http://$VIC:8081/ from one client (a new connection per request)" filter="$(from $CLI2)"
}
sc_ml_benign_loadtest_curl_keepalive() {
  nsx $C timeout 30 curl -s -Z --parallel-max 4 -o '/dev/null' "http://$VIC:8081/l?n=[1-1500]" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_curl_keepalive kind=benign spoofed=0 tool="curl -Z --parallel-max 4 'http://$VIC:8081/l?n=[1-1500]' from one client (kept-alive connections)" filter="$(from $CLI)"
}
sc_ml_benign_loadtest_curl_rate() {
  nsx $C2 timeout 30 curl -s --rate 300/s -o '/dev/null' "http://$VIC:8081/v?n=[1-900]" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_curl_rate kind=benign spoofed=0 tool="curl --rate 300/s 'http://$VIC:8081/v?n=[1-900]' from one client (one kept-alive connection)" filter="$(from $CLI2)"
}
sc_ml_benign_dns_batch_200() {
  local i
  for i in $(seq 1 200); do echo "host$i.corp.example.test AAAA"; done >"$TMPD/dnsb200.txt"
  nsx $C2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsb200.txt" >/dev/null || true
  meta ml_benign_dns_batch_200 kind=benign spoofed=0 tool="dig @$VIC -f batch (200 AAAA queries, sequential) from $CLI2" filter="$(from $CLI2)"
}
sc_ml_benign_dns_batches_paused() {
  local i
  for i in $(seq 1 60); do echo "log$i.example.test PTR"; done >"$TMPD/dnsb60.txt"
  for i in 1 2 3 4; do nsx $C timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsb60.txt" >/dev/null || true; sleep 2; done
  meta ml_benign_dns_batches_paused kind=benign spoofed=0 tool="4 x dig @$VIC -f batch (60 PTR queries), 2 s apart, from $CLI (a log resolver)" filter="$(from $CLI)"
}
sc_ml_benign_dns_two_batches() {
  local i p=()
  for i in $(seq 1 150); do echo "a$i.shop.example.test A"; done >"$TMPD/dnsb150.txt"
  nsx $C timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsb150.txt" >/dev/null & p+=($!)
  nsx $C2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsb150.txt" >/dev/null & p+=($!)
  wait "${p[@]}" || true
  meta ml_benign_dns_two_batches kind=benign spoofed=0 tool="dig @$VIC -f batch (150 A queries) from $CLI and $CLI2 at once" filter="$(from $CLI $CLI2)"
}
sc_ml_dns_flood_dig_two() {
  local i p=()
  for i in $(seq 1 1500); do echo "z$i.flood.example.test MX"; done >"$TMPD/dnsflood5.txt"
  for i in 1 2; do nsx $A4 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsflood5.txt" >/dev/null 2>&1 & p+=($!); done
  wait "${p[@]}" || true
  meta ml_dns_flood_dig_two kind=attack type=udp_flood attackers=$AT4 spoofed=0 \
    tool="2 x dig @$VIC -f batch(1500 MX) at once" filter="$(from $AT4)"
}
sc_ml_dns_flood_nping_slow() {
  local data
  data=$(printf '\x11\x22\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03api\x07example\x04test\x00\x00\x1c\x00\x01' | od -An -tx1 | tr -d ' \n')
  nsx $A3 timeout 30 nping --udp -p 53 --data "$data" --rate 600 -c 3000 -N $VIC >/dev/null 2>&1 || true
  meta ml_dns_flood_nping_slow kind=attack type=udp_flood attackers=$AT3 spoofed=0 \
    tool="nping --udp -p 53 --data <an AAAA query> --rate 600 -c 3000 -N $VIC" filter="$(from $AT3)"
}
sc_ml_dns_flood_hping_fast() {
  printf '\x71\x72\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03ftp\x07example\x04test\x00\x00\x01\x00\x01' >"$TMPD/query3.bin"
  nsx $A1 timeout 30 hping3 --udp -p 53 -E "$TMPD/query3.bin" -d 34 -i u200 -c 5000 $VIC >/dev/null 2>&1 || true
  meta ml_dns_flood_hping_fast kind=attack type=udp_flood attackers=$AT1 spoofed=0 \
    tool="hping3 --udp -p 53 -E query.bin -d 34 -i u200 -c 5000 $VIC (5000 DNS queries/s from rising source ports, every one answered)" \
    filter="$(from $AT1)"
}

# exploit probes: a few SYNs or connects to the commonly exploited services, by other tools (49 rows before)
sc_ml_exploit_nc_smb_rdp() {
  local p
  for p in 445 3389 139; do nsx $A2 timeout 5 nc -z -w 1 $VIC $p >/dev/null 2>&1 || true; sleep 0.3; done
  meta ml_exploit_nc_smb_rdp kind=attack type=exploit_probe attackers=$AT2 spoofed=0 \
    tool="nc -z -w 1 $VIC PORT for 445, 3389, 139, 0.3 s apart (full connects, closed ports)" filter="$(from $AT2)"
}
sc_ml_exploit_nping_rdp() {
  local cmd="nping --tcp --flags syn -p 3389 -c 4 --delay 500ms $VIC"
  nsx $A4 timeout 20 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_nping_rdp kind=attack type=exploit_probe attackers=$AT4 spoofed=0 tool="$cmd" filter="$(from $AT4)"
}
sc_ml_exploit_nmap_connect_smb() {
  local cmd="nmap -n -Pn -sT -p 139,445,22 --max-retries 0 $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null || true
  meta ml_exploit_nmap_connect_smb kind=attack type=exploit_probe attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_ml_exploit_tftp_udp() {
  local cmd="nmap -n -Pn -sU -p 69,135 --max-retries 1 $VIC"
  nsx $A3 timeout 30 $cmd >/dev/null || true
  meta ml_exploit_tftp_udp kind=attack type=exploit_probe attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
sc_ml_exploit_nping_ssh_telnet() {
  local cmd="nping --tcp --flags syn -p 22,23 -c 2 --delay 300ms $VIC"
  nsx $A2 timeout 20 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_nping_ssh_telnet kind=attack type=exploit_probe attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_ml_exploit_masscan_three() {
  local cmd="masscan $VIC -p445,3389,5900 --rate 20 --wait 2 --adapter eth0 --adapter-ip $AT4 --adapter-mac 02:77:02:00:00:69 --router-mac $VMAC"
  nsx $A4 timeout 30 $cmd >"$TMPD/masscan3.out" 2>&1 || true
  meta ml_exploit_masscan_three kind=attack type=exploit_probe attackers=$AT4 spoofed=0 tool="$cmd" filter="$(from $AT4)"
}

sc_ml_exploit_udp_nping() {
  local cmd="nping --udp -p 69,135 -c 2 --delay 400ms $VIC"
  nsx $A1 timeout 20 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_udp_nping kind=attack type=exploit_probe attackers=$AT1 spoofed=0 tool="$cmd (TFTP and RPC over UDP)" filter="$(from $AT1)"
}

# ---------------------------------------------------------------- benign scenarios
sc_ml_benign_web() {
  local i
  for i in $(seq 1 30); do
    case $((i % 5)) in
      0) nsx $C curl -s -m 5 -o /dev/null "http://$VIC/" || true ;;
      1) nsx $C curl -s -m 5 -o /dev/null "http://$VIC:8080/items?order=asc&limit=$i" || true ;;
      2) nsx $C wget -q -T 5 -O /dev/null "http://$VIC/docs/readme.txt" || true ;;
      3) nsx $C curl -s -m 5 -o /dev/null "http://$VIC:8080/search?q=page+$i" || true ;;
      4) nsx $C curl -s -m 5 -o /dev/null "http://$VIC/mid.bin" || true ;;
    esac
    sleep 0.$(( (i * 53) % 7 + 1 ))
  done
  meta ml_benign_web kind=benign spoofed=0 tool="30 curl/wget requests (pages, search, a 3 MB file) from $CLI, captured with snaplen 96" filter="$(from $CLI)"
}
sc_ml_benign_ping() {
  nsx $C timeout 20 ping -c 25 -i 0.2 $VIC >/dev/null || true
  nsx $C2 timeout 20 ping -c 10 -i 0.5 -s 1000 $VIC >/dev/null || true
  meta ml_benign_ping kind=benign spoofed=0 tool="ping -c 25 -i 0.2 from $CLI; ping -c 10 -s 1000 from $CLI2" \
    filter="$(from $CLI $CLI2)"
}
sc_ml_benign_dns() {
  local i
  for i in $(seq 1 120); do echo "svc$i.lab.example.test A"; done >"$TMPD/dnsbatch2.txt"
  nsx $C2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsbatch2.txt" >/dev/null || true
  for i in $(seq 1 10); do nsx $C dig @$VIC +tries=1 +time=1 "mail$i.example.test" MX >/dev/null || true; sleep 0.2; done
  meta ml_benign_dns kind=benign spoofed=0 tool="dig -f batch (120 A queries) from $CLI2; 10 MX queries from $CLI" \
    filter="$(from $CLI $CLI2)"
}
sc_ml_benign_scp() {
  nsx $C timeout 30 scp "${SSHOPTS[@]}" root@$VIC:"$WWW/mid.bin" "$TMPD/got.bin" >/dev/null 2>&1 || true
  nsx $C timeout 20 ssh "${SSHOPTS[@]}" root@$VIC 'ls -la / | head; sleep 1; date' >/dev/null || true
  meta ml_benign_scp kind=benign spoofed=0 tool="scp a 3 MB file, then an interactive-looking ssh command, from $CLI" \
    filter="$(from $CLI)"
}
sc_ml_benign_downloads() {
  nsx $C timeout 60 curl -s -m 55 --limit-rate 4M -o /dev/null "http://$VIC/big.bin" || true
  nsx $C2 timeout 60 wget -q -T 30 -O /dev/null "http://$VIC/big.bin" || true
  meta ml_benign_downloads kind=benign spoofed=0 tool="curl --limit-rate 4M and wget of a 20 MiB file (captured with snaplen 96)" \
    filter="$(from $CLI $CLI2) or ip.dst==$CLI or ip.dst==$CLI2"
}
sc_ml_benign_two_clients() {
  local i end=$(( $(date +%s) + 25 )) pids=()
  i=0
  while [ "$(date +%s)" -lt $end ] && [ $i -lt 120 ]; do
    i=$((i + 1))
    case $((i % 4)) in
      0) nsx $C curl -s -m 5 -o /dev/null "http://$VIC/" & pids+=($!) ;;
      1) nsx $C2 dig @$VIC +tries=1 +time=1 "h$i.example.test" A >/dev/null & pids+=($!) ;;
      2) nsx $C2 curl -s -m 5 -o /dev/null "http://$VIC:8080/search?q=n$i" & pids+=($!) ;;
      3) nsx $C ping -c 1 -W 1 $VIC >/dev/null & pids+=($!) ;;
    esac
    sleep 0.$(( (i * 31) % 5 + 1 ))
  done
  wait "${pids[@]}" 2>/dev/null || true  # only our clients: the services are children too
  meta ml_benign_two_clients kind=benign spoofed=0 tool="25 s of overlapping curl, dig and ping from two clients" \
    filter="$(from $CLI $CLI2)"
}

sc_ml_benign_ssh_admin() {
  # an administrator's day: several public-key logins, a few seconds apart, from two clients
  local i
  for i in 1 2 3 4 5; do
    nsx $C2 timeout 20 ssh "${SSHOPTS[@]}" root@$VIC "hostname; df -h / | tail -1; sleep 0.$i" >/dev/null || true
    sleep $(( i % 3 + 1 ))
  done
  nsx $C timeout 20 ssh "${SSHOPTS[@]}" root@$VIC 'cat /etc/os-release' >/dev/null || true
  nsx $C timeout 20 ssh "${SSHOPTS[@]}" -o ConnectTimeout=5 root@$VIC 'uptime' >/dev/null || true
  meta ml_benign_ssh_admin kind=benign spoofed=0 tool="7 public-key ssh logins with commands, 1–3 s apart, from $CLI2 and $CLI" \
    filter="$(from $CLI $CLI2)"
}

sc_ml_benign_dns_burst_fast() {
  local i
  for i in $(seq 1 400); do echo "n$i.intranet.example.test A"; done >"$TMPD/dnsb400.txt"
  nsx $C timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsb400.txt" >/dev/null || true
  meta ml_benign_dns_burst_fast kind=benign spoofed=0 tool="dig @$VIC -f batch (400 A queries, sequential)" filter="$(from $CLI)"
}
sc_ml_benign_dns_parallel() {
  # a mail server resolving a queue: 3 dig -f batches of 80 at once, then a pause, then 2 more
  local i p=()
  for i in $(seq 1 80); do echo "mx$i.example.test MX"; done >"$TMPD/dnsmx.txt"
  for i in 1 2 3; do nsx $C2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsmx.txt" >/dev/null & p+=($!); done
  wait "${p[@]}" || true; sleep 2; p=()
  for i in 1 2; do nsx $C2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsmx.txt" >/dev/null & p+=($!); done
  wait "${p[@]}" || true
  meta ml_benign_dns_parallel kind=benign spoofed=0 tool="3 then 2 x dig @$VIC -f batch(80 MX) at once, 2 s apart" filter="$(from $CLI2)"
}
sc_ml_benign_dns_host() {
  local i
  for i in $(seq 1 100); do nsx $C timeout 5 host -W 1 -t A "app$i.example.test" $VIC >/dev/null 2>&1 || true; done
  meta ml_benign_dns_host kind=benign spoofed=0 tool="100 x host -t A NAME $VIC (one process per lookup)" filter="$(from $CLI)"
}
sc_ml_benign_dns_small_bursts() {
  # a browser opening pages: bursts of 5-40 lookups, 1-2 s apart, from two clients
  local i n
  for i in 1 2 3 4 5 6 7 8; do
    n=$(( (i * 13) % 36 + 5 ))
    for j in $(seq 1 $n); do echo "cdn$j.site$i.example.test A"; done >"$TMPD/dnss.txt"
    if [ $((i % 2)) = 0 ]; then nsx $C dig @$VIC +tries=1 +time=1 -f "$TMPD/dnss.txt" >/dev/null || true
    else nsx $C2 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnss.txt" >/dev/null || true; fi
    sleep 1.$i
  done
  meta ml_benign_dns_small_bursts kind=benign spoofed=0 tool="8 bursts of 5-40 dig lookups, 1-2 s apart, from $CLI and $CLI2" filter="$(from $CLI $CLI2)"
}
sc_ml_benign_ssh_quick() {
  # automation: 6 public-key logins running one command each, 0.5 s apart
  local i
  for i in 1 2 3 4 5 6; do
    nsx $C timeout 20 ssh "${SSHOPTS[@]}" root@$VIC "test -d /tmp && echo ok$i" >/dev/null || true
    sleep 0.5
  done
  meta ml_benign_ssh_quick kind=benign spoofed=0 tool="6 public-key ssh logins running one command, 0.5 s apart (automation)" filter="$(from $CLI)"
}
sc_ml_benign_sftp() {
  printf 'get %s/docs/readme.txt %s/r.txt\nls %s\nget %s/index.html %s/i.html\n' "$WWW" "$TMPD" "$WWW" "$WWW" "$TMPD" >"$TMPD/sftp.batch"
  nsx $C2 timeout 30 sftp "${SSHOPTS[@]}" -b "$TMPD/sftp.batch" root@$VIC >/dev/null 2>&1 || true
  sleep 1
  nsx $C2 timeout 30 sftp "${SSHOPTS[@]}" -b "$TMPD/sftp.batch" root@$VIC >/dev/null 2>&1 || true
  meta ml_benign_sftp kind=benign spoofed=0 tool="2 x sftp -b batch (2 gets, 1 ls) with a public key, 1 s apart" filter="$(from $CLI2)"
}
sc_ml_benign_web_logins() {
  local c=(curl -s -m 5 -o /dev/null)
  nsx $C "${c[@]}" -d "username=alice&password=correct+hors" "http://$VIC:8081/login" || true; sleep 2
  nsx $C "${c[@]}" -d "username=alice&password=correct+horse" "http://$VIC:8081/login" || true; sleep 1
  nsx $C "${c[@]}" "http://$VIC:8081/account" || true; sleep 1.5
  nsx $C2 "${c[@]}" -d "username=bob&password=hunter2" "http://$VIC:8081/login" || true; sleep 2.5
  nsx $C2 "${c[@]}" -d "username=bob&password=Hunter2" "http://$VIC:8081/login" || true; sleep 1.2
  nsx $C2 "${c[@]}" -d "username=bob&password=Hunter2!" "http://$VIC:8081/login" || true; sleep 0.8
  nsx $C2 "${c[@]}" "http://$VIC:8081/" || true
  nsx $C curl -s -m 10 -o /dev/null "ftp://alice:correct%20horse@$VIC/report.bin" || true
  meta ml_benign_web_logins kind=benign spoofed=0 tool="web logins with typos from two users (curl), an FTP download" filter="$(from $CLI $CLI2)"
}
sc_ml_benign_loadtest_ab() {
  # an operator's load test from one client
  nsx $C timeout 30 ab -n 800 -c 4 "http://$VIC:8081/" >/dev/null 2>&1 || true
  sleep 1
  nsx $C timeout 30 ab -k -n 1500 -c 8 "http://$VIC:8081/" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_ab kind=benign spoofed=0 tool="ab -n 800 -c 4, then ab -k -n 1500 -c 8, http://$VIC:8081/ from one client" filter="$(from $CLI)"
}
sc_ml_benign_ping_sizes() {
  nsx $C timeout 20 ping -c 20 -i 0.3 -s 1400 $VIC >/dev/null || true
  nsx $C2 timeout 20 ping -c 40 -i 0.05 $VIC >/dev/null || true
  meta ml_benign_ping_sizes kind=benign spoofed=0 tool="ping -c 20 -i 0.3 -s 1400 from $CLI; ping -c 40 -i 0.05 from $CLI2" filter="$(from $CLI $CLI2)"
}

sc_ml_benign_web_keepalive_two() {
  local i u1=() u2=()
  for i in $(seq 1 25); do u1+=("http://$VIC:8081/page$i"); u2+=("http://$VIC:8081/item?id=$i"); done
  nsx $C timeout 30 curl -s -o /dev/null -o /dev/null --rate 10/s "${u1[@]}" >/dev/null 2>&1 & local p1=$!
  nsx $C2 timeout 30 curl -s --rate 6/s "${u2[@]}" >/dev/null 2>&1 & local p2=$!
  wait $p1 $p2 || true
  meta ml_benign_web_keepalive_two kind=benign spoofed=0 tool="curl --rate 10/s and 6/s, 25 pages each on one kept-alive connection, from $CLI and $CLI2" filter="$(from $CLI $CLI2)"
}
sc_ml_benign_dns_paced() {
  local i t
  for i in $(seq 1 150); do
    case $((i % 4)) in 0) t=A ;; 1) t=AAAA ;; 2) t=TXT ;; 3) t=MX ;; esac
    echo "q$i.example.test $t"
  done >"$TMPD/dnsp.txt"
  head -75 "$TMPD/dnsp.txt" | while read -r n t; do nsx $C dig @$VIC +tries=1 +time=1 "$n" "$t" >/dev/null 2>&1 || true; done &
  local p=$!
  tail -75 "$TMPD/dnsp.txt" | while read -r n t; do nsx $C2 dig @$VIC +tries=1 +time=1 "$n" "$t" >/dev/null 2>&1 || true; sleep 0.05; done
  wait $p || true
  meta ml_benign_dns_paced kind=benign spoofed=0 tool="150 dig lookups (A, AAAA, TXT, MX), one process each, from $CLI and $CLI2 at once" filter="$(from $CLI $CLI2)"
}
sc_ml_benign_ssh_two_clients() {
  local i p=()
  for i in 1 2 3; do
    nsx $C timeout 20 ssh "${SSHOPTS[@]}" root@$VIC "ls /etc | wc -l; sleep 0.$i" >/dev/null 2>&1 & p+=($!)
    nsx $C2 timeout 20 ssh "${SSHOPTS[@]}" root@$VIC "cat /etc/hostname" >/dev/null 2>&1 & p+=($!)
    sleep 1
  done
  wait "${p[@]}" || true
  meta ml_benign_ssh_two_clients kind=benign spoofed=0 tool="3 rounds of concurrent public-key ssh commands from $CLI and $CLI2, 1 s apart" filter="$(from $CLI $CLI2)"
}
sc_ml_benign_loadtest_curl() {
  nsx $C2 timeout 30 curl -s -Z --parallel-max 10 -o '/dev/null' "http://$VIC:8081/t?n=[1-600]" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_curl kind=benign spoofed=0 tool="curl -Z --parallel-max 10 'http://$VIC:8081/t?n=[1-600]' from one client (a load test)" filter="$(from $CLI2)"
}

# load tests whose bursts overflow the server's listen backlog: SYNs dropped and retried by the kernel (1 s, 3 s ...)
# until every handshake completes (benign, like the corpus's benign_loadtest, with other tools, sizes and servers)
sc_ml_benign_loadtest_backlog_ab() {
  nsx $C timeout 40 ab -s 30 -n 400 -c 200 "http://$VIC:8082/" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_backlog_ab kind=benign spoofed=0 \
    tool="ab -n 400 -c 200 http://$VIC:8082/ against a server accepting 250 connections/s with a listen backlog of 16 (SYNs dropped and retried)" \
    filter="$(from $CLI)"
}
sc_ml_benign_loadtest_backlog_curl() {
  nsx $C2 timeout 40 curl -s -Z --parallel-immediate --parallel-max 300 -o '/dev/null' "http://$VIC:8083/y?n=[1-300]" >/dev/null 2>&1 || true
  meta ml_benign_loadtest_backlog_curl kind=benign spoofed=0 \
    tool="curl -Z --parallel-immediate --parallel-max 300 'http://$VIC:8083/y?n=[1-300]' against a server accepting 150 connections/s with a listen backlog of 8 (SYNs dropped and retried)" \
    filter="$(from $CLI2)"
}
sc_ml_benign_loadtest_backlog_two() {
  nsx $C timeout 40 curl -s -Z --parallel-immediate --parallel-max 120 -o '/dev/null' "http://$VIC:8082/c?n=[1-240]" >/dev/null 2>&1 & local p1=$!
  nsx $C2 timeout 40 ab -s 30 -n 240 -c 120 "http://$VIC:8082/" >/dev/null 2>&1 & local p2=$!
  wait $p1 $p2 || true
  meta ml_benign_loadtest_backlog_two kind=benign spoofed=0 \
    tool="curl -Z --parallel-immediate --parallel-max 120 (240 requests) from $CLI and ab -n 240 -c 120 from $CLI2 at once, against a server accepting 250 connections/s with a listen backlog of 16" \
    filter="$(from $CLI $CLI2)"
}
# one-socket UDP floods by nping from one host and from three hosts (the same tool on both sides of udp_flood / ddos)
sc_ml_udp_flood_nping_fast() {
  local cmd="nping --udp -p 7777 --data-length 80 --rate 3000 -c 4500 -N $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_udp_flood_nping_fast kind=attack type=udp_flood attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_ml_ddos_udp_nping_three() {
  local cmd="nping --udp -p 6000 --data-length 160 --rate 1200 -c 2400 -N $VIC" a p=()
  for a in $A1 $A3 $A4; do nsx $a timeout 30 $cmd >/dev/null 2>&1 & p+=($!); done
  wait "${p[@]}" || true
  meta ml_ddos_udp_nping_three kind=attack type=ddos attackers=$AT1,$AT3,$AT4 spoofed=0 \
    tool="$cmd simultaneously from 3 hosts" filter="$(from $AT1 $AT3 $AT4)"
}
sc_ml_ddos_keepalive_ab_three() {
  local cmd="ab -k -n 4000 -c 1 http://$VIC:8081/" a p=()
  for a in $A2 $A3 $A4; do nsx $a timeout 30 $cmd >/dev/null 2>&1 & p+=($!); done
  wait "${p[@]}" || true
  meta ml_ddos_keepalive_ab_three kind=attack type=ddos attackers=$AT2,$AT3,$AT4 spoofed=0 \
    tool="$cmd (one kept-alive connection per bot) simultaneously from 3 hosts; snaplen 128" filter="$(from $AT2 $AT3 $AT4)"
}

# more exploit-service probes (the class had ~100 rows): other tools, port sets, timings and attacker hosts
sc_ml_exploit_nmap_version_ftp_ssh() {
  local cmd="nmap -n -Pn -sV --version-light -p 21,22 --max-retries 0 $VIC"
  nsx $A1 timeout 60 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_nmap_version_ftp_ssh kind=attack type=exploit_probe attackers=$AT1 spoofed=0 \
    tool="$cmd (handshakes complete, banners read)" filter="$(from $AT1)"
}
sc_ml_exploit_nmap_nine_t2() {
  local cmd="nmap -n -Pn -sS -p 21,22,23,69,135,139,445,3389,5900 --max-retries 0 -T2 $VIC"
  nsx $A3 timeout 60 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_nmap_nine_t2 kind=attack type=exploit_probe attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
sc_ml_exploit_nc_vnc_telnet_rpc() {
  local p
  for p in 5900 23 135 21; do nsx $A4 timeout 5 nc -z -w 1 $VIC $p >/dev/null 2>&1 || true; sleep 0.5; done
  meta ml_exploit_nc_vnc_telnet_rpc kind=attack type=exploit_probe attackers=$AT4 spoofed=0 \
    tool="nc -z -w 1 $VIC PORT for 5900, 23, 135, 21, 0.5 s apart (21 open)" filter="$(from $AT4)"
}
sc_ml_exploit_hping_rdp_vnc() {
  nsx $A1 timeout 10 hping3 -S -p 3389 -c 2 -i 1 $VIC >/dev/null 2>&1 || true
  nsx $A1 timeout 10 hping3 -S -p 5900 -c 2 -i 1 $VIC >/dev/null 2>&1 || true
  meta ml_exploit_hping_rdp_vnc kind=attack type=exploit_probe attackers=$AT1 spoofed=0 \
    tool="hping3 -S -p 3389 -c 2 -i 1 $VIC, then the same to 5900" filter="$(from $AT1)"
}
sc_ml_exploit_nmap_connect_rpc_rdp() {
  local cmd="nmap -n -Pn -sT -p 135,3389,5900,23 --max-retries 1 -T3 $VIC"
  nsx $A2 timeout 60 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_nmap_connect_rpc_rdp kind=attack type=exploit_probe attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_ml_exploit_masscan_smb_ftp() {
  local cmd="masscan $VIC -p21,23,139,445 --rate 10 --wait 2 --adapter eth0 --adapter-ip $AT3 --adapter-mac 02:77:02:00:00:68 --router-mac $VMAC"
  nsx $A3 timeout 30 $cmd >"$TMPD/masscan4.out" 2>&1 || true
  meta ml_exploit_masscan_smb_ftp kind=attack type=exploit_probe attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
# more sizes of benign sequential dig batches (a resolver warming its cache, a log enricher)
sc_ml_benign_dns_batch_350() {
  local i
  for i in $(seq 1 350); do echo "svc$i.intranet.example.test TXT"; done >"$TMPD/dnsb350.txt"
  nsx $C timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsb350.txt" >/dev/null || true
  meta ml_benign_dns_batch_350 kind=benign spoofed=0 tool="dig @$VIC -f batch (350 TXT queries, sequential) from $CLI" filter="$(from $CLI)"
}
sc_ml_benign_dns_batch_250_mx() {
  local i
  for i in $(seq 1 250); do echo "dom$i.example.test MX"; done >"$TMPD/dnsb250.txt"
  nsx $C2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsb250.txt" >/dev/null || true
  meta ml_benign_dns_batch_250_mx kind=benign spoofed=0 tool="dig @$VIC -f batch (250 MX queries, sequential) from $CLI2" filter="$(from $CLI2)"
}

# benign clients with several lookups in flight at once (parallel batches, a script resolving a list in parallel)
sc_ml_benign_dns_parallel_two() {
  local i
  for i in $(seq 1 120); do echo "app$i.intranet.example.test A"; done >"$TMPD/dnsp2.txt"
  nsx $C timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsp2.txt" >/dev/null & local p1=$!
  nsx $C timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsp2.txt" >/dev/null & local p2=$!
  wait $p1 $p2 || true
  meta ml_benign_dns_parallel_two kind=benign spoofed=0 tool="2 x dig @$VIC -f batch (120 A queries) at once from $CLI" filter="$(from $CLI)"
}
sc_ml_benign_dns_parallel_four() {
  local i p=()
  for i in $(seq 1 50); do echo "ws$i.corp.example.test AAAA"; done >"$TMPD/dnsp4.txt"
  for i in 1 2 3 4; do nsx $C2 timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsp4.txt" >/dev/null & p+=($!); done
  wait "${p[@]}" || true
  meta ml_benign_dns_parallel_four kind=benign spoofed=0 tool="4 x dig @$VIC -f batch (50 AAAA queries) at once from $CLI2" filter="$(from $CLI2)"
}
sc_ml_benign_dns_xargs_host() {
  local i
  for i in $(seq 1 150); do echo "node$i.intranet.example.test"; done >"$TMPD/dnsx.txt"
  nsx $C timeout 60 xargs -P 6 -I{} host -t A -W 1 {} $VIC <"$TMPD/dnsx.txt" >/dev/null 2>&1 || true
  meta ml_benign_dns_xargs_host kind=benign spoofed=0 tool="xargs -P 6 host -t A NAME $VIC over 150 names (6 lookups in flight) from $CLI" filter="$(from $CLI)"
}
# a slow connect scan (one port every 4 s), like the corpus's nmap_slow but with another scan type, ports and host
sc_ml_nmap_slow_connect() {
  local cmd="nmap -n -Pn -sT -p 1000-1024 --scan-delay 4s --max-retries 0 $VIC"
  nsx $A2 timeout 150 $cmd >/dev/null 2>&1 || true
  meta ml_nmap_slow_connect kind=attack type=port_scan attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
# more slow scans: a SYN scan with a 3 s delay, masscan at one probe every ~3 s
sc_ml_nmap_slow_syn() {
  local cmd="nmap -n -Pn -sS -p 2000-2025 --scan-delay 3s --max-retries 0 $VIC"
  nsx $A3 timeout 150 $cmd >/dev/null 2>&1 || true
  meta ml_nmap_slow_syn kind=attack type=port_scan attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
sc_ml_masscan_crawl() {
  local cmd="masscan $VIC -p3000-3024 --rate 0.35 --wait 3 --adapter eth0 --adapter-ip $AT4 --adapter-mac 02:77:02:00:00:69 --router-mac $VMAC"
  nsx $A4 timeout 120 $cmd >"$TMPD/masscan5.out" 2>&1 || true
  meta ml_masscan_crawl kind=attack type=port_scan attackers=$AT4 spoofed=0 tool="$cmd" filter="$(from $AT4)"
}
# more exploit-service probes: other port pairs, tools and hosts
sc_ml_exploit_nmap_smb_pair() {
  local cmd="nmap -n -Pn -sS -p 139,445 --max-retries 1 -T4 $VIC"
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_nmap_smb_pair kind=attack type=exploit_probe attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_ml_exploit_nping_vnc_rdp() {
  local cmd="nping --tcp --flags syn -p 5900,3389,135 -c 1 --delay 700ms $VIC"
  nsx $A3 timeout 20 $cmd >/dev/null 2>&1 || true
  meta ml_exploit_nping_vnc_rdp kind=attack type=exploit_probe attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
sc_ml_exploit_nc_ssh_telnet() {
  local p
  for p in 22 23 21 5900; do nsx $A1 timeout 5 nc -z -w 1 $VIC $p >/dev/null 2>&1 || true; sleep 0.8; done
  meta ml_exploit_nc_ssh_telnet kind=attack type=exploit_probe attackers=$AT1 spoofed=0 \
    tool="nc -z -w 1 $VIC PORT for 22, 23, 21, 5900, 0.8 s apart (22 and 21 open)" filter="$(from $AT1)"
}
sc_ml_exploit_masscan_five() {
  local cmd="masscan $VIC -p21,23,135,3389,5900 --rate 5 --wait 2 --adapter eth0 --adapter-ip $AT2 --adapter-mac 02:77:02:00:00:67 --router-mac $VMAC"
  nsx $A2 timeout 30 $cmd >"$TMPD/masscan6.out" 2>&1 || true
  meta ml_exploit_masscan_five kind=attack type=exploit_probe attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
# SYN floods at exploit ports by raw-socket tools, so that every fold trains on one (a flood's SYNs to 22, 23 or 21
# are crafted like a probe's; only the volume tells them apart)
sc_ml_syn_flood_telnet() {
  local cmd="hping3 -S -p 23 -i u400 -c 2500 $VIC"
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_syn_flood_telnet kind=attack type=syn_flood attackers=$AT3 spoofed=0 tool="$cmd (port closed: RST answers)" \
    filter="$(from $AT3)"
}
sc_ml_syn_flood_ftp() {
  local cmd="hping3 -S -p 21 -i u200 -c 3000 $VIC"
  nsx $A4 timeout 30 $cmd >/dev/null 2>&1 || true
  meta ml_syn_flood_ftp kind=attack type=syn_flood attackers=$AT4 spoofed=0 tool="$cmd (FTP open)" filter="$(from $AT4)"
}
# workstations' benign sessions to exploit ports from two clients' OS stacks (file shares, NetBIOS, remote desktops:
# echo services started for this scenario only, so the other scenarios' probes still meet closed ports): a session's
# first SYN is what an OS-stack probe's (nc -z, nmap -sT) is
sc_ml_benign_workstation_sessions() {
  local port pids=() i
  for port in 445 139 3389 5900; do
    nsx $V socat TCP-LISTEN:$port,bind=$VIC,fork,reuseaddr PIPE >/dev/null 2>&1 & pids+=($!)
  done
  for port in 445 139 3389 5900; do wait_port $V $VIC $port; done # over the victim's loopback: not captured
  for i in 1 2; do
    for port in 445 3389 139 445 5900; do
      nsx $C timeout 20 "$PY" "$CORPUS/lib/tcp_session.py" $VIC $port 4 || true
      sleep 0.6
      nsx $C2 timeout 20 "$PY" "$CORPUS/lib/tcp_session.py" $VIC $port 2 || true
      sleep 1.1
    done
  done
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  meta ml_benign_workstation_sessions kind=benign spoofed=0 \
    tool="2 rounds of tcp_session.py (kernel sockets, 2-4 echoed requests) to 445, 3389, 139, 445, 5900 from two clients, 0.6-1.1 s apart" \
    filter="$(from $CLI $CLI2)"
}

# ---- benign clients whose SYNs carry only an MSS option (tcp_timestamps, tcp_sack and tcp_window_scaling off in their
# namespaces): the six captures share a name prefix, so they sort together and the split puts two in each fold
sc_ml_benign_mss_only_web() {
  local i c=(curl -s -m 10 -o /dev/null) pids=()
  for i in $(seq 1 24); do
    case $((i % 6)) in
      0) nsx $M1 "${c[@]}" "http://$VIC/" || true ;;
      1) nsx $M2 "${c[@]}" "http://$VIC:8080/items?order=desc&limit=$i" || true ;;
      2) nsx $M1 wget -q -T 5 -O /dev/null "http://$VIC/docs/readme.txt" || true ;;
      3) nsx $M2 "${c[@]}" "http://$VIC:8080/search?q=sensor+$i" || true ;;
      4) if [ $i = 4 ]; then nsx $M1 "${c[@]}" "http://$VIC/mid.bin" || true; else nsx $M1 "${c[@]}" "http://$VIC:8080/items?limit=$i" || true; fi ;;
      5) nsx $M2 "${c[@]}" "http://$VIC/" "http://$VIC/docs/readme.txt" "http://$VIC:8081/" || true ;; # one connection each
    esac
    sleep 0.$(( (i * 37) % 8 + 1 ))
  done
  # a device's status page polled by two clients at once, and a small parallel fetch
  for i in 1 2 3; do
    nsx $M1 "${c[@]}" "http://$VIC:8081/" & pids+=($!)
    nsx $M2 "${c[@]}" "http://$VIC/index.html" & pids+=($!)
    wait "${pids[@]}" 2>/dev/null || true; pids=()
    sleep 0.7
  done
  nsx $M2 timeout 20 curl -s -m 15 --parallel --parallel-max 4 -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    -o /dev/null -o /dev/null "http://$VIC/" "http://$VIC/docs/readme.txt" "http://$VIC:8080/items?limit=3" \
    "http://$VIC:8081/" "http://$VIC/" "http://$VIC:8080/search?q=x" >/dev/null || true
  # logins: one typo, then the right password, then the account page
  nsx $M1 "${c[@]}" -d "username=alice&password=correct+hosre" "http://$VIC:8081/login" || true; sleep 1.6
  nsx $M1 "${c[@]}" -d "username=alice&password=correct+horse" "http://$VIC:8081/login" || true; sleep 0.9
  nsx $M1 "${c[@]}" "http://$VIC:8081/account" || true
  meta ml_benign_mss_only_web kind=benign spoofed=0 \
    tool="30 curl/wget requests (pages, search, a 3 MB file, a parallel fetch of 6) and a web login with a typo from $MCLI and $MCLI2, whose SYNs carry only an MSS option (tcp_timestamps/sack/window_scaling=0), captured with snaplen 128" \
    filter="$(from $MCLI $MCLI2)"
}
sc_ml_benign_mss_only_shell() {
  local i
  for i in 1 2 3 4; do
    nsx $M1 timeout 20 ssh "${SSHOPTS[@]}" root@$VIC "uname -a; uptime; sleep 0.$i" >/dev/null || true
    sleep $(( i % 2 + 1 ))
  done
  nsx $M2 timeout 30 scp "${SSHOPTS[@]}" root@$VIC:"$WWW/docs/readme.txt" "$TMPD/m_readme.txt" >/dev/null 2>&1 || true
  sleep 0.8
  printf 'get %s/index.html %s/m_i.html\nls %s\n' "$WWW" "$TMPD" "$WWW" >"$TMPD/m_sftp.batch"
  nsx $M2 timeout 30 sftp "${SSHOPTS[@]}" -b "$TMPD/m_sftp.batch" root@$VIC >/dev/null 2>&1 || true
  sleep 1.2
  nsx $M1 timeout 20 curl -s -m 10 -o /dev/null "ftp://alice:correct%20horse@$VIC/report.bin" || true
  sleep 0.5
  for i in 1 2 3 4 5 6; do # a monitoring agent: three pages over one kept-alive connection
    nsx $M2 curl -s -m 10 -o /dev/null -o /dev/null -o /dev/null "http://$VIC/" "http://$VIC/docs/readme.txt" "http://$VIC/" || true
    sleep 0.4
  done
  nsx $M1 timeout 20 ssh "${SSHOPTS[@]}" root@$VIC 'cat /etc/hostname' >/dev/null || true
  meta ml_benign_mss_only_shell kind=benign spoofed=0 \
    tool="5 public-key ssh logins with commands, scp and sftp, an FTP download, 6 keep-alive fetches of 3 pages, from $MCLI and $MCLI2, whose SYNs carry only an MSS option (tcp_timestamps/sack/window_scaling=0), captured with snaplen 128" \
    filter="$(from $MCLI $MCLI2)"
}
# echo services (socat) at exploit ports on the victim, for sessions and version probes; ECHO_PIDS to stop them
start_echo() {
  local port
  ECHO_PIDS=()
  for port in "$@"; do nsx $V socat TCP-LISTEN:$port,bind=$VIC,fork,reuseaddr PIPE >/dev/null 2>&1 & ECHO_PIDS+=($!); done
  for port in "$@"; do wait_port $V $VIC $port; done # over the victim's loopback: not captured
}
stop_echo() {
  kill "${ECHO_PIDS[@]}" 2>/dev/null || true
  wait "${ECHO_PIDS[@]}" 2>/dev/null || true
}
sc_ml_benign_mss_only_sessions() {
  local port i
  start_echo 445 139 3389 5900 135 23
  for i in 1 2; do
    for port in 3389 445 23 135 139 5900; do
      nsx $M1 timeout 20 "$PY" "$CORPUS/lib/tcp_session.py" $VIC $port 3 || true
      sleep 0.5
      nsx $M2 timeout 20 "$PY" "$CORPUS/lib/tcp_session.py" $VIC $port $((i + 1)) || true
      sleep 0.9
    done
  done
  stop_echo
  meta ml_benign_mss_only_sessions kind=benign spoofed=0 \
    tool="2 rounds of tcp_session.py (kernel sockets, 2-3 echoed requests) to 3389, 445, 23, 135, 139, 5900 from $MCLI and $MCLI2, whose SYNs carry only an MSS option (tcp_timestamps/sack/window_scaling=0), 0.5-0.9 s apart" \
    filter="$(from $MCLI $MCLI2)"
}
MSS_ONLY="whose SYNs carry only an MSS option (tcp_timestamps/sack/window_scaling=0)"
sc_ml_benign_mss_only_loadtest_ab() {
  nsx $M1 timeout 30 ab -n 800 -c 4 "http://$VIC:8081/" >/dev/null 2>&1 || true
  sleep 1
  nsx $M1 timeout 30 ab -n 600 -c 10 "http://$VIC:8081/" >/dev/null 2>&1 || true
  meta ml_benign_mss_only_loadtest_ab kind=benign spoofed=0 \
    tool="ab -n 800 -c 4, then ab -n 600 -c 10, http://$VIC:8081/ from $MCLI, $MSS_ONLY" filter="$(from $MCLI)"
}
sc_ml_benign_mss_only_loadtest_backlog() {
  nsx $M2 timeout 40 ab -s 30 -n 300 -c 150 "http://$VIC:8082/" >/dev/null 2>&1 || true
  meta ml_benign_mss_only_loadtest_backlog kind=benign spoofed=0 \
    tool="ab -n 300 -c 150 http://$VIC:8082/ against a server accepting 250 connections/s with a listen backlog of 16 (SYNs dropped and retried), from $MCLI2, $MSS_ONLY" \
    filter="$(from $MCLI2)"
}
sc_ml_benign_mss_only_loadtest_curl() {
  nsx $M1 timeout 30 curl -s -Z --parallel-max 6 -H 'Connection: close' -o '/dev/null' "http://$VIC:8081/m?n=[1-900]" >/dev/null 2>&1 || true
  meta ml_benign_mss_only_loadtest_curl kind=benign spoofed=0 \
    tool="curl -Z --parallel-max 6 -H 'Connection: close' 'http://$VIC:8081/m?n=[1-900]' (a new connection per request) from $MCLI, $MSS_ONLY" \
    filter="$(from $MCLI)"
}

# ---- nmap SYN probes of exploit ports (an MSS-only SYN, the SYN-ACK of an open port answered by RST): since v6 their
# SYN reads as an OS stack's, so the probe shows only by what follows; three with one name prefix (one per fold)
# one nmap SYN probe: NAME, attacker namespace, its address, the port an echo service opens, what the tool note says
# is open, then nmap's arguments (the victim's address last)
nmap_syn_probe() {
  local name=$1 ns=$2 at=$3 open=$4 note=$5
  shift 5
  local cmd="nmap -n -Pn -sS $* $VIC"
  start_echo $open
  nsx $ns timeout 60 $cmd >/dev/null 2>&1 || true
  stop_echo
  meta $name kind=attack type=exploit_probe attackers=$at spoofed=0 tool="$cmd ($note)" filter="$(from $at)"
}
sc_ml_exploit_nmap_syn_smb_slow() {
  nmap_syn_probe ml_exploit_nmap_syn_smb_slow $A2 $AT2 445 "445 open" -p 139,445 --max-retries 1 -T2
}
sc_ml_exploit_nmap_syn_remote_delay() {
  nmap_syn_probe ml_exploit_nmap_syn_remote_delay $A3 $AT3 3389 "3389 open" -p 3389,5900,23 --scan-delay 700ms --max-retries 0
}
sc_ml_exploit_nmap_syn_fast() {
  nmap_syn_probe ml_exploit_nmap_syn_fast $A4 $AT4 135 "21, 22 and 135 open" -p 21,22,135,445,3389 --max-retries 0 -T4
}

# ---------------------------------------------------------------- run
for s in "${SCENARIOS[@]}"; do
  declare -F "sc_$s" >/dev/null || { echo "unknown scenario $s" >&2; exit 1; }
done
for s in "${SCENARIOS[@]}"; do
  case $s in
    ml_benign_downloads | ml_benign_scp | ml_benign_web) run_scenario "$s" 96 ;;
    ml_http_flood_ab | ml_http_flood_curl | ml_benign_loadtest_ab | ml_benign_loadtest_curl | ml_http_flood_keepalive_* | \
      ml_benign_loadtest_ab_k | ml_benign_loadtest_ab_c20 | ml_benign_loadtest_curl_keepalive | ml_benign_loadtest_curl_rate | \
      ml_benign_loadtest_backlog_* | ml_ddos_keepalive_ab_three | ml_benign_mss_only_web | ml_benign_mss_only_shell | ml_benign_mss_only_loadtest_*)
      run_scenario "$s" 128 ;;
    *) run_scenario "$s" ;;
  esac
  sleep 1
done

log "building manifest.json"
"$PY" "$CORPUS/lib/manifest.py" build "$META" "$OUT/manifest.json" "$OUT" "${ALL_SCENARIOS[@]}"
du -ch "$OUT"/*.pcap.gz | tail -1 >&2
log "done"
