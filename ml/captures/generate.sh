#!/usr/bin/env bash
# Extra labelled training captures for the flow model (issue 11), made like tests/corpus/generate.sh:
# REAL tools inside private network namespaces, captured on the victim interface, but with other
# tools, options, rates, ports and hosts, so the model can be split by capture file.
#
#   sudo bash ml/captures/generate.sh              # all scenarios (~4 min)
#   sudo bash ml/captures/generate.sh ml_ping_flood # only some
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
for t in tcpdump tshark nmap nping hping3 masscan hydra sshpass ssh scp ssh-keygen curl wget dig ping gzip; do
  command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
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
)
if [ $# -gt 0 ]; then SCENARIOS=("$@"); else SCENARIOS=("${ALL_SCENARIOS[@]}"); fi

P=ids-ml$$
SW=$P-sw V=$P-v C=$P-c C2=$P-c2 A1=$P-a1 A2=$P-a2 A3=$P-a3 A4=$P-a4
VIC=10.77.2.1 CLI=10.77.2.10 CLI2=10.77.2.11 AT1=10.77.2.66 AT2=10.77.2.67 AT3=10.77.2.68 AT4=10.77.2.69
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
wait_port $C $VIC 80; wait_port $C $VIC 8080; wait_port $C $VIC 22
SSHOPTS=(-i "$TMPD/clientkey" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR)

# ---------------------------------------------------------------- scenario helpers
META=$TMPD/meta.jsonl
: >"$META"
flush_neigh() { local ns; for ns in $V $C $C2 $A1 $A2 $A3 $A4; do ip -n $ns neigh flush all 2>/dev/null || true; done; }

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

# ---------------------------------------------------------------- run
for s in "${SCENARIOS[@]}"; do
  declare -F "sc_$s" >/dev/null || { echo "unknown scenario $s" >&2; exit 1; }
done
for s in "${SCENARIOS[@]}"; do
  case $s in
    ml_benign_downloads | ml_benign_scp | ml_benign_web) run_scenario "$s" 96 ;;
    *) run_scenario "$s" ;;
  esac
  sleep 1
done

log "building manifest.json"
"$PY" "$CORPUS/lib/manifest.py" build "$META" "$OUT/manifest.json" "$OUT" "${ALL_SCENARIOS[@]}"
du -ch "$OUT"/*.pcap.gz | tail -1 >&2
log "done"
