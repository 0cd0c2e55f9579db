#!/usr/bin/env python3
"""Small, fast HTTP/1.1 server for test captures (asyncio, keep-alive).

Used only inside private test network namespaces. Routes:
  GET  /...            a small HTML page (keep-alive unless the client asks to close)
  POST /login          form username=..&password=..: alice / correct horse gets 302 to /account with a
                       session cookie; anything else 200 with the form and "Login failed" (what
                       most web apps answer)
Usage: web_server.py BIND_ADDR PORT [LISTEN_BACKLOG]
"""
import asyncio
import os
import sys
from urllib.parse import parse_qs

PAGE = (b"<!doctype html><html><head><title>shop</title></head><body><h1>Shop</h1>"
        + b"<p>" + b"Lorem ipsum dolor sit amet. " * 20 + b"</p></body></html>")
FAILED = b"<!doctype html><html><body><h1>Login failed</h1><p>Invalid username or password.</p></body></html>"
WELCOME = b"<!doctype html><html><body><h1>Welcome alice</h1></body></html>"


def response(status, body, close, extra=""):
    head = (f"HTTP/1.1 {status}\r\nServer: shop/0.1\r\nContent-Type: text/html; charset=utf-8\r\n{extra}"
            f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n")
    return head.encode() + body


async def handle(reader, writer):
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                break
            lines = head.decode("latin-1").split("\r\n")
            method, path = (lines[0].split(" ") + ["", ""])[:2]
            hdr = {}
            for ln in lines[1:]:
                if ":" in ln:
                    k, v = ln.split(":", 1)
                    hdr[k.strip().lower()] = v.strip()
            body = b""
            n = int(hdr.get("content-length", "0") or 0)
            if n > 0:
                body = await reader.readexactly(min(n, 65536))
            close = hdr.get("connection", "").lower() == "close" or lines[0].endswith("HTTP/1.0") and \
                hdr.get("connection", "").lower() != "keep-alive"
            if method == "POST" and path.startswith("/login"):
                f = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
                ok = f.get("username") == "alice" and f.get("password") == "correct horse"
                if ok:
                    sid = os.urandom(8).hex()
                    writer.write(response("302 Found", WELCOME, close,
                                          f"Location: /account\r\nSet-Cookie: session={sid}; HttpOnly\r\n"))
                else:
                    writer.write(response("200 OK", FAILED, close))
            else:
                writer.write(response("200 OK", PAGE, close))
            await writer.drain()
            if close:
                break
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    srv = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]),
                                     backlog=int(sys.argv[3]) if len(sys.argv) > 3 else 1024)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
