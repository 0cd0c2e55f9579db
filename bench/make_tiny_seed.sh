#!/usr/bin/env bash
# Records the tiny-packet seed capture (root needed): a 500-connection TCP echo load test between two
# network namespaces — every connection sends 20 short messages and reads each echo back — so almost
# every frame is a small data segment or a bare ACK. Traffic stays on a veth pair; every generator is
# bounded by count and time. Namespace names are unique per run. Usage: bench/make_tiny_seed.sh OUT.pcap
set -euo pipefail
out=${1:?usage: make_tiny_seed.sh OUT.pcap}
tag=$(printf '%04x' $((RANDOM)))
A=idstiny-a-$tag B=idstiny-b-$tag IA=idsta$tag IB=idstb$tag
cleanup() {
  ip netns pids $B 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids $A 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT
ip netns add $A
ip netns add $B
ip link add $IA netns $A type veth peer name $IB netns $B
ip -n $A addr add 10.79.1.2/24 dev $IA
ip -n $B addr add 10.79.1.1/24 dev $IB
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set $IA up
ip -n $B link set $IB up
ip netns exec $A ethtool -K $IA tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec $B ethtool -K $IB tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec $B timeout 60 python3 -c '
import asyncio
async def echo(r, w):
    try:
        while data := await r.read(256):
            w.write(data); await w.drain()
    finally:
        w.close()
async def main():
    srv = await asyncio.start_server(echo, "10.79.1.1", 7, backlog=1024)
    async with srv: await srv.serve_forever()
asyncio.run(main())' >/dev/null 2>&1 &
sleep 1
ip netns exec $A timeout 60 tcpdump -i $IA -s 2048 -U -w "$out" >/dev/null 2>&1 &
dump=$!
sleep 1
ip netns exec $A timeout 40 python3 -c '
import asyncio, os
async def client(i):
    r, w = await asyncio.open_connection("10.79.1.1", 7)
    for k in range(20):
        w.write(os.urandom(8 + (i + k) % 24)); await w.drain()
        await r.read(256)
    w.close(); await w.wait_closed()
async def main():
    sem = asyncio.Semaphore(500)
    async def one(i):
        async with sem: await client(i)
    await asyncio.gather(*(one(i) for i in range(500)))
asyncio.run(main())'
sleep 1
kill -INT $dump 2>/dev/null || true
wait $dump 2>/dev/null || true
