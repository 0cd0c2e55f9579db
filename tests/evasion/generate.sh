#!/usr/bin/env bash
# Regenerates the evasion captures in this directory from real traffic (root needed, ~2 min).
#
# Two namespaces joined by a veth pair: a server (10.131.0.1, fd13::1) running a logging HTTP
# server on :80 and :9999 and sshd-free; an attacker (10.131.0.66, fd13::66). tcpdump captures on
# the server's interface. Namespace names carry this shell's pid, so parallel runs do not collide.
# Traffic stays inside the two namespaces and every tool is bounded by count and time.
#
#   frag_nmap_f.pcap       nmap -sS -f (8-byte fragments), ports 1-200
#   frag_nmap_mtu16.pcap   nmap -sS --mtu 16, ports 1-200
#   frag_overlap.pcap      scapy: ICMP echo (IPv4) and UDP (IPv6) with a second, different copy of a fragment
#   sqli_port9999_curl.pcap  curl: SQL injection GETs and a POST against HTTP on port 9999
#   sqli_port9999_sqlmap.pcap sqlmap (boolean technique, 60 s max) against port 9999
#   tcp_decoy_overlap.pcap scapy: decoy + real segment with the same sequence number (server log: *_server.log)
#   tcp_badsum_insertion.pcap scapy: decoy with a bad TCP checksum, then the real injection
#   tso_post.pcap          curl POST of 8 MB with an injection in its first parameter, captured on the SENDER
#                          with offloads on and BIG TCP: TSO/GSO super-frames, partial checksums, IPv4 total
#                          length 0 on frames over 64 KB (gzip: the body is one repeated letter)
set -euo pipefail
cd "$(dirname "$0")"
OUT=$(pwd)
source ../fixtures/lib/common.sh
TMPD=$(mktemp -d)
trap cleanup_all EXIT
SRV=ids13s-$$
ATK=ids13a-$$

ns_new "$SRV"
ns_new "$ATK"
veth "$SRV" eth0 "$ATK" eth0
ip -n "$SRV" addr add 10.131.0.1/24 dev eth0
ip -n "$ATK" addr add 10.131.0.66/24 dev eth0
ip -n "$SRV" addr add fd13::1/64 dev eth0 nodad
ip -n "$ATK" addr add fd13::66/64 dev eth0 nodad
sleep 0.5

spawn http80 "$SRV" "$PY" lib/http_log_server.py 0.0.0.0 80 "$TMPD/server80.log"
spawn http9999 "$SRV" "$PY" lib/http_log_server.py 0.0.0.0 9999 "$TMPD/server9999.log"
wait_port "$ATK" 10.131.0.1 80
wait_port "$ATK" 10.131.0.1 9999

capture() { # NAME CMD... : capture on the server while CMD runs in the attacker namespace
  local name=$1; shift
  cap_start "$name" "$SRV" -i eth0 -s 0 -w "$TMPD/$name.pcap"
  local cap=$CAPPID
  nsx "$ATK" "$@" >"$TMPD/$name.cmd.out" 2>&1 || log "WARN: $name: $* exited $?"
  cap_stop "$cap"
  cp "$TMPD/$name.pcap" "$OUT/$name.pcap"
  log "$name: $(tcpdump -r "$OUT/$name.pcap" 2>/dev/null | wc -l) packets"
}

capture frag_nmap_f timeout 60 nmap -n -Pn -sS -f -p 1-200 --max-retries 0 10.131.0.1
capture frag_nmap_mtu16 timeout 60 nmap -n -Pn -sS --mtu 16 -p 1-200 --max-retries 0 10.131.0.1
capture frag_overlap timeout 30 "$PY" lib/frag_overlap.py 10.131.0.66 10.131.0.1 fd13::66 fd13::1

capture sqli_port9999_curl bash -c '
  curl -s -o /dev/null -m 5 "http://10.131.0.1:9999/item?id=1"
  curl -s -o /dev/null -m 5 "http://10.131.0.1:9999/item?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--%20-"
  curl -s -o /dev/null -m 5 -d "user=admin%27%20OR%20%271%27=%271&pass=x" "http://10.131.0.1:9999/login"
'
capture sqli_port9999_sqlmap timeout 90 sqlmap -u "http://10.131.0.1:9999/item?id=1" --batch --technique=B \
  --level=1 --risk=1 --flush-session --output-dir="$TMPD/sqlmap" --timeout=3 --retries=0 --time-sec=1 -v 0

# the kernel of the attacker knows nothing of scapy's connections: keep it from resetting them
nsx "$ATK" iptables -A OUTPUT -p tcp --tcp-flags RST RST -d 10.131.0.1 --dport 80 -j DROP
: >"$TMPD/server80.log"
capture tcp_decoy_overlap timeout 30 "$PY" lib/tcp_insertion.py decoy 10.131.0.66 10.131.0.1 80 41001
cp "$TMPD/server80.log" "$OUT/tcp_decoy_overlap_server.log"
: >"$TMPD/server80.log"
capture tcp_badsum_insertion timeout 30 "$PY" lib/tcp_insertion.py badsum 10.131.0.66 10.131.0.1 80 41002
cp "$TMPD/server80.log" "$OUT/tcp_badsum_insertion_server.log"
nsx "$ATK" iptables -D OUTPUT -p tcp --tcp-flags RST RST -d 10.131.0.1 --dport 80 -j DROP

# TSO and BIG TCP: offloads back on at the attacker and GSO limits raised past 64 KB on both ends;
# capture on the attacker (the sender) so the capture holds the super-frames the stack handed to the
# device: partial (offloaded) checksums, and IPv4 total length 0 on frames over 64 KB
nsx "$ATK" ethtool -K eth0 tso on gso on tx on sg on >/dev/null 2>&1 || true
for ns in "$ATK" "$SRV"; do
  nsx "$ns" "$PY" lib/big_tcp.py "$(ip -n "$ns" -o link show eth0 | cut -d: -f1)" 185000 >/dev/null
done
head -c 8000000 /dev/zero | tr '\0' 'a' >"$TMPD/big.txt"
cap_start tso "$ATK" -i eth0 -s 0 -w "$TMPD/tso_post.pcap"
cap=$CAPPID
nsx "$ATK" curl -s -o /dev/null -m 20 --data-urlencode "id=1' UNION SELECT username,password FROM users-- -" \
  --data-urlencode "note@$TMPD/big.txt" "http://10.131.0.1:9999/notes" || true
cap_stop "$cap"
rm -f "$OUT/tso_post.pcap"
gzip -9 -c "$TMPD/tso_post.pcap" >"$OUT/tso_post.pcap.gz"
log "tso_post: $(tcpdump -r "$TMPD/tso_post.pcap" 2>/dev/null | wc -l) packets"
log done
