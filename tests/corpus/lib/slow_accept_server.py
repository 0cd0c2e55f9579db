#!/usr/bin/env python3
"""An HTTP server that accepts slowly, for load-test captures: listen backlog BACKLOG, one accept
every 1/RATE s, each connection answered in a thread. Under a burst of connections the backlog
overflows, the kernel drops SYNs and the clients retry them (1 s, 3 s ...) until every handshake
completes. Usage: slow_accept_server.py BIND_ADDR PORT BACKLOG RATE
"""
import socket
import sys
import threading
import time

BODY = b"<!doctype html><html><body><h1>ok</h1></body></html>"


def serve(c):
    try:
        c.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                return
            data += chunk
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                  % len(BODY) + BODY)
    except OSError:
        pass
    finally:
        c.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(int(sys.argv[3]))
gap = 1.0 / float(sys.argv[4])
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
    time.sleep(gap)
