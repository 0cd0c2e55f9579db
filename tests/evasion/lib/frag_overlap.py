#!/usr/bin/env python3
"""Sends one ICMP echo request in three IPv4 fragments plus a second copy of the middle fragment with
DIFFERENT data (the classic overlap evasion), and one IPv6 UDP datagram the same way.

Usage: frag_overlap.py SRC4 DST4 [SRC6 DST6]
"""
import sys
from scapy.all import IP, ICMP, IPv6, IPv6ExtHdrFragment, UDP, Raw, send, conf

conf.verb = 0
src4, dst4 = sys.argv[1:3]
src6, dst6 = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)

icmp = bytes(ICMP(type=8, id=0x1313, seq=1) / Raw(b"A" * 16 + b"B" * 16 + b"C" * 16))
fake = icmp[:24] + b"X" * 16 + icmp[40:]
ident = 0x1313
frags = [
    IP(src=src4, dst=dst4, id=ident, flags="MF", frag=0, proto=1) / Raw(icmp[0:24]),
    IP(src=src4, dst=dst4, id=ident, flags="MF", frag=3, proto=1) / Raw(icmp[24:40]),
    IP(src=src4, dst=dst4, id=ident, flags="MF", frag=3, proto=1) / Raw(fake[24:40]),
    IP(src=src4, dst=dst4, id=ident, flags=0, frag=5, proto=1) / Raw(icmp[40:]),
]
for f in frags:
    send(f)

if src6 is None:
    sys.exit(0)
udp = bytes(UDP(sport=5353, dport=9, len=8 + 48) / Raw(b"a" * 16 + b"b" * 16 + b"c" * 16))
fake6 = udp[:24] + b"Z" * 16 + udp[40:]
fid = 0x131313
for off, more, data in [(0, 1, udp[0:24]), (3, 1, udp[24:40]), (3, 1, fake6[24:40]), (5, 0, udp[40:])]:
    send(IPv6(src=src6, dst=dst6) / IPv6ExtHdrFragment(nh=17, offset=off, m=more, id=fid) / Raw(data))
