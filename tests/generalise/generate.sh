#!/usr/bin/env bash
# Probes of attacks and benign traffic the corpus (tests/corpus) does not show, made with real tools in
# private network namespaces and captured on the victim's interface (see docs in README "Detection":
# "Probed beyond the corpus").
#
#   sudo OUT=/tmp/gen-caps bash tests/generalise/generate.sh            # all 30 probes (~5 min)
#   sudo OUT=/tmp/gen-caps bash tests/generalise/generate.sh nmap_xmas  # only some
#
# Safety: every packet stays inside namespaces created here (ids-gen-*-PID) joined by a bridge in its own
# namespace. Victim 10.77.1.1 (also 10.77.1.100-139 and 10.78.0.10-12 for sweeps, fd77:1::1), client 10.77.1.10,
# attackers 10.77.1.66/.67/.68. Every tool is bounded in count and wrapped in `timeout`.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/gen-caps}
mkdir -p "$OUT"
. "$HERE/../fixtures/lib/common.sh"
CORPUS=$HERE/../corpus
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || true
TMPD=$(mktemp -d /tmp/ids-gen.XXXXXX)
chmod 755 "$TMPD"
trap cleanup_all EXIT
trap 'exit 130' INT TERM

R=$$
SW=ids-gen-sw-$R V=ids-gen-v-$R C=ids-gen-c-$R A1=ids-gen-a1-$R A2=ids-gen-a2-$R A3=ids-gen-a3-$R
VIC=10.77.1.1 VIC6=fd77:1::1 CLI=10.77.1.10 AT1=10.77.1.66 AT2=10.77.1.67 AT3=10.77.1.68

ns_new $SW
ip -n $SW link add br0 type bridge
ip -n $SW link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null || true
ip -n $SW link set br0 up
attach() { # NS PORT IPv4 MAC IPv6
  ns_new "$1"
  veth "$1" eth0 $SW "$2"
  ip -n "$1" link set eth0 address "$4"
  ip -n $SW link set "$2" master br0
  ip -n "$1" addr add "$3/24" dev eth0
  ip -n "$1" addr add "$5/64" dev eth0 nodad
}
attach $V p-vic $VIC 02:77:01:00:00:01 $VIC6
attach $C p-cli $CLI 02:77:01:00:00:10 fd77:1::10
attach $A1 p-at1 $AT1 02:77:01:00:00:66 fd77:1::66
attach $A2 p-at2 $AT2 02:77:01:00:00:67 fd77:1::67
attach $A3 p-at3 $AT3 02:77:01:00:00:68 fd77:1::68
for i in $(seq 100 139); do ip -n $V addr add 10.77.1.$i/24 dev eth0; done
for i in 10 11 12; do ip -n $V addr add 10.78.0.$i/32 dev lo; done

WWW=$TMPD/www; mkdir -p "$WWW"; echo '<h1>victim</h1>' >"$WWW/index.html"
spawn http $V "$PY" -m http.server 80 --bind :: --directory "$WWW"
spawn sqli $V "$PY" "$CORPUS/lib/sqli_app.py" $VIC 8080
spawn web $V "$PY" "$CORPUS/lib/web_server.py" $VIC 8081
spawn basic $V "$PY" "$HERE/lib/basic_auth_server.py" $VIC 8083
spawn sink $V socat -u TCP-LISTEN:8084,bind=$VIC,fork,reuseaddr OPEN:/dev/null
spawn dns $V "$PY" "$HERE/../fixtures/lib/dns_server.py" $VIC 53
spawn logins $V "$PY" "$HERE/../app_captures/lib/login_servers.py" $VIC 2121 25 110 143 2323 3389
spawn redis $V redis-server --bind $VIC --port 6379 --requirepass 'correct horse' --save '' --appendonly no \
  --protected-mode no --dir "$TMPD"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=victim -keyout "$TMPD/tls.key" -out "$TMPD/tls.crt" 2>/dev/null
spawn tls $V openssl s_server -quiet -accept 443 -cert "$TMPD/tls.crt" -key "$TMPD/tls.key" -www
mkdir -p /run/sshd && chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$TMPD/clientkey"
cp "$TMPD/clientkey.pub" "$TMPD/authorized_keys"
cat >"$TMPD/sshd_config" <<CFG
Port 22
ListenAddress $VIC
HostKey $TMPD/hostkey
PidFile $TMPD/sshd.pid
UsePAM no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AuthorizedKeysFile $TMPD/authorized_keys
StrictModes no
CFG
spawn sshd $V /usr/sbin/sshd -D -e -f "$TMPD/sshd_config"
for p in 80 8080 8081 8083 22 443 6379 110; do wait_port $C $VIC $p; done
SSHOPTS=(-i "$TMPD/clientkey" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
PASSWORDS=(123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
  123123 baseball abc123 football monkey letmein 696969 shadow master 666666)
printf '%s\n' "${PASSWORDS[@]}" >"$TMPD/pw.txt"

run() { # NAME SNAPLEN
  local name=$1 snap=${2:-262144}
  log "probe $name"
  for ns in $V $C $A1 $A2 $A3; do ip -n $ns neigh flush all 2>/dev/null || true; done
  cap_start "$name" $V -i eth0 -s "$snap" -w "$TMPD/$name.pcap"
  local P=$CAPPID
  sleep 0.5
  "p_$name" >"$TMPD/$name.tool.out" 2>&1 || true
  sleep 0.5
  cap_stop $P
  gzip -9 -n -c "$TMPD/$name.pcap" >"$OUT/$name.pcap.gz"
  log "  $name: $(capinfos -c -M "$TMPD/$name.pcap" | awk -F: '/packets/{gsub(/ /,"",$2);print $2}') packets"
}
x() { local ns=$1; shift; nsx "$ns" timeout 60 "$@"; }

# ---- scans
p_nmap_fin() { x $A1 nmap -n -Pn -sF -p 1-200 --max-retries 1 -T4 $VIC; }
p_nmap_xmas() { x $A2 nmap -n -Pn -sX -p 1-200 --max-retries 1 -T4 $VIC; }
p_nmap_null() { x $A3 nmap -n -Pn -sN -p 1-200 --max-retries 1 -T4 $VIC; }
p_nmap_decoy() { x $A1 nmap -n -Pn -sS -D 10.77.1.201,10.77.1.202,ME -p 1-200 --max-retries 1 -T4 $VIC; }
p_nmap_ipv6() { x $A2 nmap -6 -n -Pn -sS -p 1-200 --max-retries 1 -T4 $VIC6; }
p_nmap_horizontal() { x $A3 nmap -n -Pn -sS -p 22 --max-retries 1 -T4 10.77.1.100-139; }
p_ping_sweep() { x $A1 nmap -n -sn -PE --disable-arp-ping 10.77.1.100-139; }
p_ping_sweep_routed() { # through the victim as gateway: 3 of 64 addresses answer (the victim holds them)
  ip -n $A1 route replace 10.78.0.0/24 via $VIC
  x $A1 nmap -n -sn -PE 10.78.0.1-64
}
p_ping_sweep_default() { x $A2 nmap -n -sn --disable-arp-ping 10.77.1.100-139; }
# ---- floods
p_udp_flood_ports() { x $A2 hping3 --udp -p ++1024 -i u200 -c 5000 $VIC; }
p_icmp_flood_big() { x $A3 hping3 -1 -d 3000 -i u500 -c 3000 $VIC; }
p_ack_flood() { x $A1 hping3 -A -p 80 -i u200 -c 5000 $VIC; }
p_rst_flood() { x $A2 hping3 -R -p 80 -i u200 -c 5000 $VIC; }
p_udp_ddos_multi() {
  local p1 p2 p3
  x $A1 hping3 --udp -p 9999 -i u3000 -c 1200 $VIC & p1=$!
  x $A2 hping3 --udp -p 9999 -i u3000 -c 1200 $VIC & p2=$!
  x $A3 hping3 --udp -p 9999 -i u3000 -c 1200 $VIC & p3=$!
  wait $p1 $p2 $p3
}
# ---- application layer
p_sqli_json() {
  local c=(x $A3 curl -s -m 5 -o /dev/null -H 'Content-Type: application/json')
  "${c[@]}" -d '{"id": "1 OR 1=1"}' http://$VIC:8080/api/item; sleep 0.3
  "${c[@]}" -d '{"username": "admin'"'"' OR '"'"'1'"'"'='"'"'1", "password": "x"}' http://$VIC:8080/api/login; sleep 0.3
  "${c[@]}" -d '{"q": "x'"'"' UNION SELECT username, password FROM users--"}' http://$VIC:8080/api/search
}
p_sqli_cookie() {
  local c=(x $A3 curl -s -m 5 -o /dev/null)
  "${c[@]}" -b "session=abc123; id=1' UNION SELECT username,password FROM users--" http://$VIC:8080/item; sleep 0.3
  "${c[@]}" -b "uid=1 AND sleep(5)" http://$VIC:8080/item; sleep 0.3
  "${c[@]}" -b "lang=en' OR '1'='1" http://$VIC:8080/
}
p_sqli_header() {
  local c=(x $A3 curl -s -m 5 -o /dev/null)
  "${c[@]}" -A "Mozilla/5.0' OR 1=1-- " http://$VIC:8080/; sleep 0.3
  "${c[@]}" -H "X-Forwarded-For: 127.0.0.1' AND sleep(5)-- " http://$VIC:8080/; sleep 0.3
  "${c[@]}" -H "Referer: http://x/' UNION SELECT password FROM users--" http://$VIC:8080/
}
p_brute_http_basic() { x $A1 hydra -I -t 4 -l admin -P "$TMPD/pw.txt" -s 8083 $VIC http-get /admin; }
p_brute_redis() { x $A2 hydra -I -t 4 -P "$TMPD/pw.txt" redis://$VIC; }
p_brute_pop3() { x $A3 hydra -I -t 2 -l alice -P "$TMPD/pw.txt" pop3://$VIC; }
p_brute_imap() { x $A1 hydra -I -t 2 -l alice -P "$TMPD/pw.txt" imap://$VIC; }
p_brute_smtp() { x $A2 hydra -I -t 2 -l alice -P "$TMPD/pw.txt" smtp://$VIC; }
p_brute_ssh_distributed() { # 3 sources, 3 guesses each: no source reaches the per-source threshold
  local a pw pids=()
  for a in $A1 $A2 $A3; do
    ( for pw in 123456 password qwerty; do
        x $a sshpass -p "$pw" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
          -o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
          -o LogLevel=QUIET idstest@$VIC true || true
      done ) & pids+=($!)
  done
  wait "${pids[@]}"
}
# ---- benign
p_benign_redis_app() { # an application with the right password: AUTH, then SET/GET (values that read AUTH too)
  local i
  for i in $(seq 1 20); do
    x $C redis-cli -h $VIC --no-auth-warning -a 'correct horse' SET "key$i" AUTH >/dev/null
    x $C redis-cli -h $VIC --no-auth-warning -a 'correct horse' GET "key$i" >/dev/null
  done
}
p_benign_redis_wrongpass() { # a misconfigured client retrying one wrong password every second
  local i; for i in $(seq 1 8); do x $C redis-cli -h $VIC --no-auth-warning -a 'old password' PING >/dev/null; sleep 1; done
}
p_benign_upload() { # a 60 MB HTTP POST into a sink that reads it all
  head -c 60M /dev/urandom >"$TMPD/up.bin"
  { printf 'POST /upload HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\n\r\n' \
    $VIC "$(stat -c %s "$TMPD/up.bin")"; cat "$TMPD/up.bin"; } | x $C socat -u - TCP:$VIC:8084
}
p_benign_tls_many() { # 150 HTTPS fetches, each its own TLS session, 10 at a time
  local i pids=()
  for i in $(seq 1 150); do
    x $C curl -sk -m 5 -o /dev/null https://$VIC/ & pids+=($!)
    if [ $((i % 10)) = 0 ]; then wait "${pids[@]}" || true; pids=(); fi
  done
}
p_benign_ssh_backup() { head -c 40M /dev/urandom | x $C ssh "${SSHOPTS[@]}" root@$VIC 'cat >/dev/null'; }
p_benign_dns_resolver() {
  local i j
  for j in 1 2 3 4 5 6; do for i in $(seq 1 300); do echo "h$j-$i.corp.example.test A"; done >"$TMPD/q$j.txt"; done
  local pids=()
  for j in 1 2 3 4 5 6; do x $C dig @$VIC +tries=1 +time=1 -f "$TMPD/q$j.txt" >/dev/null & pids+=($!); done
  wait "${pids[@]}"
}
p_benign_basic_auth() {
  x $C curl -s -m 5 -o /dev/null -u 'admin:correct hrose' http://$VIC:8083/admin; sleep 1
  local i; for i in 1 2 3 4 5 6; do x $C curl -s -m 5 -o /dev/null -u 'admin:correct horse' http://$VIC:8083/admin; sleep 0.3; done
  # a browser's first request carries no credentials: 401, then the same with them
  for i in 1 2 3 4 5 6; do x $C curl -s -m 5 -o /dev/null http://$VIC:8083/page$i; x $C curl -s -m 5 -o /dev/null -u 'admin:correct horse' http://$VIC:8083/page$i; done
}

ALL=(nmap_fin nmap_xmas nmap_null nmap_decoy nmap_ipv6 nmap_horizontal ping_sweep ping_sweep_routed ping_sweep_default
  udp_flood_ports icmp_flood_big ack_flood rst_flood udp_ddos_multi sqli_json sqli_cookie sqli_header
  brute_http_basic brute_redis brute_pop3 brute_imap brute_smtp brute_ssh_distributed
  benign_upload benign_tls_many benign_ssh_backup benign_dns_resolver benign_basic_auth
  benign_redis_app benign_redis_wrongpass)
if [ $# -gt 0 ]; then LIST=("$@"); else LIST=("${ALL[@]}"); fi
for s in "${LIST[@]}"; do
  case $s in
    benign_upload | benign_ssh_backup) run "$s" 96 ;;
    *) run "$s" ;;
  esac
  sleep 1
done
log done
