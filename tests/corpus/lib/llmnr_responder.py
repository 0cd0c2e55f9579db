#!/usr/bin/env python3
"""Tiny LLMNR (224.0.0.252:5355) and mDNS (224.0.0.251:5353) responder for test captures.

Answers every A query it hears on the multicast groups with a unicast reply from its own port to the
querier's address and port (RFC 4795 LLMNR; RFC 6762 "legacy unicast" mDNS answers).
Usage: llmnr_responder.py OWN_ADDR
"""
import select
import socket
import struct
import sys

OWN = sys.argv[1]


def sock(group, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    mreq = socket.inet_aton(group) + socket.inet_aton(OWN)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return s


def answer(q):
    if len(q) < 12:
        return None
    tid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd < 1:
        return None
    off = 12
    while off < len(q) and q[off] != 0:
        off += q[off] + 1
    question = q[12:off + 5]
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 30, 4) + socket.inet_aton(OWN)
    return struct.pack("!HHHHHH", tid, 0x8400, 1, 1, 0, 0) + question + rr


socks = [sock("224.0.0.252", 5355), sock("224.0.0.251", 5353)]
while True:
    r, _, _ = select.select(socks, [], [])
    for s in r:
        data, peer = s.recvfrom(2048)
        if peer[0] == OWN:
            continue
        a = answer(data)
        if a:
            s.sendto(a, peer)
