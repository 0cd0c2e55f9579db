#!/usr/bin/env python3
"""Tiny plaintext login servers that refuse every password, each on the port given, so real clients
(curl for FTP/SMTP/POP3/IMAP/Telnet, ssh, nmap's RDP probe) produce real failed-login exchanges.

Usage: login_servers.py HOST FTP SMTP POP3 IMAP TELNET RDP   (ports)
"""
import socketserver
import sys
import threading

HOST = sys.argv[1]
PORTS = dict(zip(["ftp", "smtp", "pop3", "imap", "telnet", "rdp"], map(int, sys.argv[2:8])))


def lines(rfile):
    while True:
        line = rfile.readline(1024)
        if not line:
            return
        yield line.decode("latin1").rstrip("\r\n")


class Ftp(socketserver.StreamRequestHandler):
    def handle(self):
        w = self.wfile.write
        w(b"220 ids-lab FTP server ready\r\n")
        for line in lines(self.rfile):
            cmd = line.split(" ")[0].upper()
            if cmd == "USER":
                w(b"331 Please specify the password.\r\n")
            elif cmd == "PASS":
                w(b"530 Login incorrect.\r\n")
            elif cmd == "QUIT":
                w(b"221 Goodbye.\r\n")
                return
            else:
                w(b"530 Please login with USER and PASS.\r\n")


class Smtp(socketserver.StreamRequestHandler):
    def handle(self):
        w = self.wfile.write
        w(b"220 mx.ids-lab ESMTP ready\r\n")
        for line in lines(self.rfile):
            cmd = line.split(" ")[0].upper()
            if cmd in ("EHLO", "HELO"):
                w(b"250-mx.ids-lab\r\n250 AUTH PLAIN LOGIN\r\n")
            elif cmd == "AUTH":
                if len(line.split(" ")) < 3:
                    w(b"334 \r\n")  # ask for the credentials, then refuse them
                    self.rfile.readline(1024)
                w(b"535 5.7.8 Authentication credentials invalid\r\n")
            elif cmd == "QUIT":
                w(b"221 Bye\r\n")
                return
            else:
                w(b"530 5.7.0 Authentication required\r\n")


class Pop3(socketserver.StreamRequestHandler):
    def handle(self):
        w = self.wfile.write
        w(b"+OK ids-lab POP3 ready\r\n")
        for line in lines(self.rfile):
            cmd = line.split(" ")[0].upper()
            if cmd == "CAPA":
                w(b"+OK\r\nUSER\r\n.\r\n")
            elif cmd == "USER":
                w(b"+OK\r\n")
            elif cmd == "PASS":
                w(b"-ERR [AUTH] Authentication failed.\r\n")
            elif cmd == "QUIT":
                w(b"+OK Bye\r\n")
                return
            else:
                w(b"-ERR Unknown command\r\n")


class Imap(socketserver.StreamRequestHandler):
    def handle(self):
        w = self.wfile.write
        w(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ids-lab ready\r\n")
        for line in lines(self.rfile):
            parts = line.split(" ")
            tag, cmd = parts[0], (parts[1].upper() if len(parts) > 1 else "")
            if cmd == "CAPABILITY":
                w(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag.encode() + b" OK done\r\n")
            elif cmd in ("LOGIN", "AUTHENTICATE"):
                if cmd == "AUTHENTICATE" and len(parts) < 4:
                    w(b"+ \r\n")
                    self.rfile.readline(1024)
                w(tag.encode() + b" NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
            elif cmd == "LOGOUT":
                w(b"* BYE\r\n" + tag.encode() + b" OK\r\n")
                return
            else:
                w(tag.encode() + b" BAD unknown\r\n")


class Telnet(socketserver.StreamRequestHandler):
    def handle(self):
        w = self.wfile.write
        w(b"\xff\xfd\x18\xff\xfd\x20\xff\xfb\x01\xff\xfb\x03")  # DO TTYPE, DO TSPEED, WILL ECHO, WILL SGA
        w(b"ids-lab login: ")
        got = lines(self.rfile)
        for _ in range(3):
            user = next(got, None)
            if user is None:
                return
            w(b"Password: ")
            if next(got, None) is None:
                return
            w(b"\r\nLogin incorrect\r\nids-lab login: ")


class Rdp(socketserver.StreamRequestHandler):
    def handle(self):
        self.rfile.read(11)
        # X.224 Connection Confirm with a negotiation failure (no TLS offered here)
        self.wfile.write(bytes([3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0, 3, 0, 8, 0, 2, 0, 0, 0]))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


for name, cls in [("ftp", Ftp), ("smtp", Smtp), ("pop3", Pop3), ("imap", Imap), ("telnet", Telnet), ("rdp", Rdp)]:
    srv = Server((HOST, PORTS[name]), cls)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
