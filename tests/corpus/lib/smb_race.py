#!/usr/bin/env python3
"""Windows-style SMB connection race for test captures: connect to 445 and 139 at once, keep the
first that answers (445 here), drop the other (its late SYN-ACK is answered with a RST by the kernel),
then talk on the winner. Usage: smb_race.py SERVER ROUNDS
"""
import select
import socket
import sys
import time

server, rounds = sys.argv[1], int(sys.argv[2])
NEGOTIATE = b"\x00\x00\x00\x54\xffSMBr" + b"\x00" * 27 + b"\x02NT LM 0.12\x00\x02SMB 2.002\x00\x02SMB 2.???\x00"
for _ in range(rounds):
    socks = {}
    for port in (445, 139):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((server, port))
        socks[port] = s
    _, w, _ = select.select([], list(socks.values()), [], 5)
    winner = next((p for p, s in socks.items() if s in w and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0), None)
    for p, s in socks.items():
        if p != winner:
            s.close()
    if winner is not None:
        s = socks[winner]
        s.setblocking(True)
        s.settimeout(3)
        for _ in range(3):
            s.sendall(NEGOTIATE)
            try:
                s.recv(4096)
            except OSError:
                break
        s.close()
    time.sleep(1.0)
