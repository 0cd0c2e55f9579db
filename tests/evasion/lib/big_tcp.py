#!/usr/bin/env python3
"""Raises an interface's GSO limits past 64 KB (BIG TCP, Linux 6.3+ for IPv4) through netlink,
since Debian bookworm's iproute2 cannot set gso_ipv4_max_size. A sender then hands the device
TCP super-frames larger than 64 KB, whose IPv4 total length field is 0.

Usage: big_tcp.py IFINDEX SIZE   (run inside the interface's namespace)
"""
import socket
import struct
import sys

idx, size = int(sys.argv[1]), int(sys.argv[2])
RTM_NEWLINK=16; NLM_F_REQUEST=1; NLM_F_ACK=4
IFLA_GSO_MAX_SIZE=41; IFLA_GSO_IPV4_MAX_SIZE=63
def attr(t, v): return struct.pack("=HHI", 8, t, v)
ifi = struct.pack("=BxHiII", 0, 0, idx, 0, 0)
payload = ifi + attr(IFLA_GSO_MAX_SIZE, size) + attr(IFLA_GSO_IPV4_MAX_SIZE, size)
hdr = struct.pack("=IHHII", 16 + len(payload), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.send(hdr + payload)
r = s.recv(4096)
err = struct.unpack("=i", r[16:20])[0]
print("netlink error", err)
sys.exit(0 if err == 0 else 1)
