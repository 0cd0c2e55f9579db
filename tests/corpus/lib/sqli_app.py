#!/usr/bin/env python3
"""DELIBERATELY SQL-INJECTABLE toy web app, used only inside a private test
network namespace to generate labelled SQL-injection captures.
Never run it on a reachable address.

Routes (plain HTTP):
  GET  /                      index with links
  GET  /item?id=N             SELECT ... WHERE id = <id>            (numeric injection)
  GET  /search?q=TEXT         SELECT ... WHERE name LIKE '%<q>%'    (string injection)
       (also accepts search=, name= as the term; order=asc|desc, limit=N)
  POST /login                 username=..&password=..  string-concatenated query
Errors are returned in the body (error-based injection works).

Usage: sqli_app.py BIND_ADDR PORT
"""
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DB = sqlite3.connect(":memory:", check_same_thread=False)
LOCK = threading.Lock()
DB.executescript(
    """
CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, price REAL);
CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT, password TEXT);
INSERT INTO items(name, price) VALUES
  ('basic plan', 5), ('select a plan', 9), ('premium plan', 19),
  ('drop the beat t-shirt', 25), ('union station poster', 12),
  ('O''Brien''s guide', 30), ('rock & roll mug', 8);
INSERT INTO users(username, password) VALUES
  ('admin', 'hunter2'), ('alice', 'correct horse'), ('bob', 'battery staple');
"""
)


def run(sql):
    with LOCK:
        cur = DB.execute(sql)
        return cur.fetchall()


class H(BaseHTTPRequestHandler):
    server_version = "ToyShop/0.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def reply(self, code, body):
        data = body.encode("utf-8", "replace")
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def table(self, rows):
        return "<table>" + "".join(
            "<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows
        ) + "</table>"

    def do_GET(self):
        u = urlparse(self.path)
        qs = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        try:
            if u.path == "/":
                return self.reply(200, "<h1>ToyShop</h1><a href='/item?id=1'>item 1</a> "
                                       "<a href='/search?q=plan'>search</a>")
            if u.path == "/item":
                rows = run("SELECT id, name, price FROM items WHERE id = " + qs.get("id", "1"))
                return self.reply(200, "<h1>Item</h1>" + self.table(rows))
            if u.path in ("/search", "/items"):
                term = qs.get("q", qs.get("search", qs.get("name", "")))
                order = "DESC" if qs.get("order", "asc").lower() == "desc" else "ASC"
                limit = qs.get("limit", "20")
                limit = limit if limit.isdigit() else "20"
                rows = run("SELECT id, name, price FROM items WHERE name LIKE '%" + term +
                           "%' ORDER BY id " + order + " LIMIT " + limit)
                return self.reply(200, "<h1>Results</h1>" + self.table(rows))
            return self.reply(404, "<h1>Not found</h1>")
        except sqlite3.Error as e:
            return self.reply(500, "<h1>Database error</h1><pre>sqlite3.OperationalError: %s</pre>" % e)

    def do_POST(self):
        u = urlparse(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 65536)).decode("utf-8", "replace")
        f = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        try:
            if u.path == "/login":
                rows = run("SELECT id, username FROM users WHERE username = '" + f.get("username", "") +
                           "' AND password = '" + f.get("password", "") + "'")
                if rows:
                    return self.reply(200, "<h1>Welcome %s</h1>" % rows[0][1])
                return self.reply(403, "<h1>Login failed</h1>")
            return self.reply(404, "<h1>Not found</h1>")
        except sqlite3.Error as e:
            return self.reply(500, "<h1>Database error</h1><pre>sqlite3.OperationalError: %s</pre>" % e)


if __name__ == "__main__":
    srv = ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H)
    srv.daemon_threads = True
    srv.serve_forever()
