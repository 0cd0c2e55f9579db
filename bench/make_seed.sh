#!/usr/bin/env bash
# Records the benchmark's seed capture from real tools in two network namespaces (root needed):
# a bulk HTTP download (full-size frames + ACKs), DNS-style UDP, pings, an nmap SYN scan and small
# HTTP requests. Traffic stays on a veth pair between the namespaces; every generator is bounded.
# Usage: bench/make_seed.sh OUT.pcap
set -euo pipefail
out=${1:?usage: make_seed.sh OUT.pcap}
A=idsbench-a B=idsbench-b
cleanup() {
  ip netns pids $B 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids $A 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $A
ip netns add $B
ip link add idsb-a type veth peer name idsb-b
ip link set idsb-a netns $A
ip link set idsb-b netns $B
ip -n $A addr add 10.79.0.2/24 dev idsb-a
ip -n $B addr add 10.79.0.1/24 dev idsb-b
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set idsb-a up
ip -n $B link set idsb-b up
# real NICs put MTU-sized frames on the wire: turn off segmentation offloads on the veth
ip netns exec $A ethtool -K idsb-a tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec $B ethtool -K idsb-b tso off gso off gro off >/dev/null 2>&1 || true
www=$(mktemp -d)
head -c 40000000 /dev/urandom > "$www/big.bin"
echo hello > "$www/index.html"
ip netns exec $B timeout 120 python3 -m http.server 80 --bind 10.79.0.1 --directory "$www" >/dev/null 2>&1 &
ip netns exec $B timeout 120 python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("10.79.0.1",53))
while True:
    d,a=s.recvfrom(2048); s.sendto(d[:2]+b"\x81\x80"+d[4:],a)' >/dev/null 2>&1 &
sleep 1
ip netns exec $A timeout 120 tcpdump -i idsb-a -s 2048 -U -w "$out" >/dev/null 2>&1 &
dump=$!
sleep 1
ip netns exec $A timeout 60 curl -s -o /dev/null "http://10.79.0.1/big.bin"
for i in $(seq 1 200); do ip netns exec $A timeout 5 curl -s -o /dev/null "http://10.79.0.1/index.html?q=$i"; done
ip netns exec $A timeout 30 python3 -c '
import socket,os
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.2)
for i in range(3000):
    s.sendto(os.urandom(2)+b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01",("10.79.0.1",53))
    try: s.recv(2048)
    except Exception: pass'
ip netns exec $A timeout 20 ping -c 500 -i 0.002 10.79.0.1 >/dev/null || true
ip netns exec $A timeout 60 nmap -n -sS -p 1-2000 --max-retries 0 10.79.0.1 >/dev/null 2>&1 || true
sleep 1
kill -INT $dump 2>/dev/null || true
wait $dump 2>/dev/null || true
rm -rf "$www"
