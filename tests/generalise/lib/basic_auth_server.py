#!/usr/bin/env python3
"""HTTP server behind Basic authentication: admin / correct horse gets 200, anything else 401.

Used only inside private test network namespaces (tests/generalise/generate.sh).
Usage: basic_auth_server.py BIND_ADDR PORT
"""
import base64
import http.server
import sys

GOOD = "Basic " + base64.b64encode(b"admin:correct horse").decode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.headers.get("Authorization") == GOOD:
            body, status, extra = b"<h1>admin</h1>", 200, {}
        else:
            body, status, extra = b"<h1>401 Unauthorized</h1>", 401, {"WWW-Authenticate": 'Basic realm="admin"'}
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
