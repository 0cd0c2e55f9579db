#!/usr/bin/env python3
"""A tiny HTTP/1.1 server that appends every request line it received to a log file and answers 200.

Usage: http_log_server.py HOST PORT LOGFILE
The log shows which copy of overlapping TCP data the server's kernel kept.
"""
import http.server
import sys

host, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with open(log, "a") as f:
            f.write(self.requestline + ("" if not body else " BODY " + body.decode("latin1")) + "\n")
        out = b"<html><body>item 1: widget</body></html>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((host, port), Handler).serve_forever()
