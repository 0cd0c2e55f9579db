#!/usr/bin/env python3
"""A minimal inetd for test captures: accept on ADDR:PORT, run PROGRAM with the connection as
stdin/stdout/stderr (how telnetd expects to be started). Usage: tiny_inetd.py ADDR PORT PROGRAM [ARGS...]
"""
import os
import signal
import socket
import sys

signal.signal(signal.SIGCHLD, signal.SIG_IGN)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
while True:
    c, _ = s.accept()
    if os.fork() == 0:
        s.close()
        for fd in (0, 1, 2):
            os.dup2(c.fileno(), fd)
        os.execv(sys.argv[3], sys.argv[3:])
    c.close()
