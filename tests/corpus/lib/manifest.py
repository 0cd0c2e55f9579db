#!/usr/bin/env python3
"""Build tests/corpus/manifest.json from per-scenario metadata + the captures.

  manifest.py add META_JSONL key=value ...     append one scenario's metadata
      keys: name file kind type attackers(comma list) victim spoofed(0/1) tool
            filter (tshark display filter selecting the attack/benign packets
            whose first/last timestamps become start/end)
  manifest.py build META_JSONL MANIFEST PCAP_DIR NAME...
      (re)computes start/end from the captures with tshark, merges with the
      existing MANIFEST (scenarios not regenerated are kept) and writes it in
      the order given by NAME...
"""
import json
import os
import subprocess
import sys
from datetime import datetime, timezone


def iso(ts):
    d = datetime.fromtimestamp(ts, tz=timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def times(pcap, flt):
    out = subprocess.run(
        ["tshark", "-r", pcap, "-Y", flt, "-T", "fields", "-e", "frame.time_epoch"],
        capture_output=True, text=True, check=False).stdout.split()
    ts = [float(x) for x in out if x]
    if not ts:
        return None, None, 0
    return min(ts), max(ts), len(ts)


def add(meta_path, kv):
    m = dict(a.split("=", 1) for a in kv)
    with open(meta_path, "a") as f:
        f.write(json.dumps(m) + "\n")


def build(meta_path, manifest_path, pcap_dir, order):
    existing = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            for s in json.load(f).get("scenarios", []):
                existing[s["name"]] = s
    metas = []
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            metas = [json.loads(l) for l in f if l.strip()]
    for m in metas:
        pcap = os.path.join(pcap_dir, m["file"])
        start, end, n = times(pcap, m["filter"])
        if start is None:
            print("WARNING: no packets match %r in %s" % (m["filter"], m["file"]), file=sys.stderr)
        e = {"name": m["name"], "file": m["file"], "kind": m["kind"]}
        if m["kind"] == "attack":
            attackers = [a for a in m.get("attackers", "").split(",") if a]
            e["type"] = m["type"]
            e["attacker"] = attackers[0] if attackers else None
            if len(attackers) > 1:
                e["attackers"] = attackers
        e["victim"] = m.get("victim")
        e["spoofed"] = m.get("spoofed", "0") == "1"
        e["start"] = iso(start) if start is not None else None
        e["end"] = iso(end) if end is not None else None
        e["tool"] = m["tool"]
        existing[m["name"]] = e
        print("  %-26s %-7s %6d matching pkts  %s .. %s" % (m["name"], m["kind"], n, e["start"], e["end"]),
              file=sys.stderr)
    names = [n for n in order if n in existing] + sorted(n for n in existing if n not in order)
    with open(manifest_path, "w") as f:
        json.dump({"scenarios": [existing[n] for n in names]}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    if sys.argv[1] == "add":
        add(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        sys.exit(__doc__)
