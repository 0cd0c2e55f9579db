#!/usr/bin/env python3
"""An RTP video stream for test captures: one UDP socket, RTP v2 headers (payload type 96, rising
sequence numbers and timestamps, one SSRC), compressed-looking (random) payloads of varying size,
PPS packets per second for SECONDS seconds. Never answered (RTCP is off).
Usage: rtp_stream.py DEST PORT PPS SECONDS
"""
import os
import random
import socket
import struct
import sys
import time

dest, port, pps, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5004))
ssrc = random.getrandbits(32)
seq = random.getrandbits(16)
t0 = time.monotonic()
n = 0
while time.monotonic() - t0 < secs:
    frame = n // 20
    marker = 0x80 if n % 20 == 19 else 0
    hdr = struct.pack("!BBHII", 0x80, marker | 96, seq & 0xFFFF, (frame * 3000) & 0xFFFFFFFF, ssrc)
    s.sendto(hdr + os.urandom(random.randint(900, 1200)), (dest, port))
    seq += 1
    n += 1
    delay = t0 + n / pps - time.monotonic()
    if delay > 0:
        time.sleep(delay)
