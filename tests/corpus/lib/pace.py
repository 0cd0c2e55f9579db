#!/usr/bin/env python3
"""Prints RATE syslog-style lines per second for SECONDS seconds (fed to `logger`).
Usage: pace.py RATE SECONDS
"""
import random
import sys
import time

rate, secs = int(sys.argv[1]), float(sys.argv[2])
apps = ["sshd", "nginx", "kernel", "cron", "postfix/smtpd", "dockerd"]
t0 = time.monotonic()
n = 0
while time.monotonic() - t0 < secs:
    app = random.choice(apps)
    sys.stdout.write(f"{app}[{random.randint(100, 9999)}]: request {n} from 10.{random.randint(0, 255)}.{random.randint(0, 255)}.7 "
                     f"took {random.randint(1, 900)} ms status={random.choice([200, 200, 200, 304, 404, 500])}\n")
    sys.stdout.flush()
    n += 1
    delay = t0 + n / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
