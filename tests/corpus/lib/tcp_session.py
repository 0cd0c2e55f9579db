#!/usr/bin/env python3
"""A short client session for test captures: connect, send a few requests, read the echoes, close.
Usage: tcp_session.py SERVER PORT [EXCHANGES]
"""
import socket
import sys

server, port = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 3
s = socket.create_connection((server, port), timeout=15)
s.settimeout(15)
for i in range(n):
    s.sendall(b"\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00" + bytes([i]) * 32)
    try:
        s.recv(4096)
    except OSError:
        break
s.close()
