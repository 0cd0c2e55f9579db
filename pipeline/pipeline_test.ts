import assert from "node:assert/strict";
import { LinkType, newFrame } from "../capture/packet_source.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { cat, eth, ipv4, tcp } from "../decode/_test_frames.ts";
import type { Detection } from "../detectors/detection.ts";
import { createDetectors } from "../detectors/mod.ts";
import { Pipeline } from "./pipeline.ts";

const T0 = 1_780_000_000_000_000;

function synFrame(dport: number) {
  return cat(
    eth(0x0800),
    ipv4({ src: "10.1.0.66", dst: "10.1.0.1", proto: 6 }, tcp({ sp: 40000, dp: dport, flags: 0x02 })),
  );
}

function scan(p: Pipeline, ports: number) {
  const f = newFrame();
  f.linkType = LinkType.ETHERNET;
  for (let i = 0; i < ports; i++) {
    f.buf = synFrame(1000 + i);
    f.caplen = f.len = f.buf.length;
    f.tsUs = T0 + i * 1000;
    p.handle(f);
  }
}

Deno.test("pipeline.tick: a port scan followed by silence is reported when packet time advances without packets", () => {
  const got: Detection[] = [];
  const p = new Pipeline({ detectors: createDetectors(DEFAULT_CONFIG), emit: (d) => got.push(d) });
  scan(p, 30);
  assert.equal(got.filter((d) => d.type === "port_scan").length, 0, "probes wait for their grace period");
  p.tick(T0 + 1_000_000); // too early: nothing due yet
  assert.equal(got.filter((d) => d.type === "port_scan").length, 0);
  p.tick(T0 + 5_000_000);
  const scans = got.filter((d) => d.type === "port_scan");
  assert.equal(scans.length, 1);
  assert.equal(scans[0].src, (10 << 24 | 1 << 16 | 66) >>> 0);
});

Deno.test("pipeline.tick never moves packet time backwards", () => {
  const p = new Pipeline({ detectors: createDetectors(DEFAULT_CONFIG) });
  scan(p, 3);
  const now = p.flows.nowUs;
  p.tick(now - 10_000_000);
  assert.equal(p.flows.nowUs, now);
});
