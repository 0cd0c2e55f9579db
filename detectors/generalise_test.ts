/**
 * Probes beyond the corpus (tests/generalise/, real tools in namespaces: see generate.sh there):
 * scan shapes, floods and application-layer attacks the labelled corpus does not show, and benign
 * look-alikes, replayed through every detector on the default configuration. Each attack must be
 * reported with its type from its attacker to the victim, with no alert of a type it is not (a
 * one-port sweep is no SYN flood); each benign capture must raise nothing.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FileSource } from "../capture/file_source.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";
import { ipToString } from "../decode/packet.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import type { Detection } from "./detection.ts";
import { createDetectors } from "./mod.ts";

const DIR = new URL("../tests/generalise/", import.meta.url);

async function replay(name: string): Promise<Detection[]> {
  const out: Detection[] = [];
  const cfg = DEFAULT_CONFIG;
  const p = new Pipeline({
    maxFlows: cfg.limits.max_flows,
    timeouts: cfg.flow_timeouts_s,
    detectors: createDetectors(cfg),
    emit: (d) => out.push(d),
  });
  await new FileSource(fileURLToPath(new URL(`${name}.pcap.gz`, DIR))).run(p.handle);
  p.finish();
  return out;
}

const show = (d: Detection) => `${d.type} ${ipToString(d.src)} -> ${ipToString(d.dst)} ${d.reason}`;

interface Probe {
  /** Capture name (tests/generalise/NAME.pcap.gz). */
  name: string;
  /** The type that must be reported from `attacker` to `victim`. */
  type: string;
  attacker: string;
  victim?: string;
  /** Types that may appear besides `type` (on this capture, as other detectors see it too). */
  also?: string[];
}

const V = "10.77.1.1";
const PROBES: Probe[] = [
  { name: "nmap_fin", type: "port_scan", attacker: "10.77.1.66" },
  { name: "nmap_xmas", type: "port_scan", attacker: "10.77.1.67" },
  { name: "nmap_null", type: "port_scan", attacker: "10.77.1.68" },
  // decoys are real sources on the wire: each is reported as a scanner (and none as a DDoS source)
  { name: "nmap_decoy", type: "port_scan", attacker: "10.77.1.66", also: ["exploit_probe"] },
  { name: "nmap_ipv6", type: "port_scan", attacker: "fd77:1::67", victim: "fd77:1::1", also: ["exploit_probe"] },
  // one port on 40 hosts: a sweep, never a SYN flood
  { name: "nmap_horizontal", type: "port_scan", attacker: "10.77.1.68", victim: "*", also: ["exploit_probe"] },
  // ICMP echoes through a gateway to 64 addresses, 3 of which answer
  { name: "ping_sweep_routed", type: "port_scan", attacker: "10.77.1.66", victim: "*" },
  { name: "ping_sweep_default", type: "port_scan", attacker: "10.77.1.67", victim: "*" },
  { name: "udp_flood_ports", type: "udp_flood", attacker: "10.77.1.67", also: ["port_scan"] },
  // hping3 -A / -R from one source to port 80: a new source port per packet
  { name: "ack_flood", type: "ddos", attacker: "10.77.1.66" },
  { name: "rst_flood", type: "ddos", attacker: "10.77.1.67" },
  { name: "udp_ddos_multi", type: "ddos", attacker: "10.77.1.66", also: ["udp_flood"] },
  { name: "sqli_json", type: "sql_injection", attacker: "10.77.1.68" },
  { name: "sqli_cookie", type: "sql_injection", attacker: "10.77.1.68" },
  { name: "sqli_header", type: "sql_injection", attacker: "10.77.1.68" },
  // hydra http-get against Basic authentication: every guess answered 401
  { name: "brute_http_basic", type: "brute_force", attacker: "10.77.1.66" },
  // hydra redis: AUTH guesses on 4 connections, every one answered -WRONGPASS
  { name: "brute_redis", type: "brute_force", attacker: "10.77.1.67" },
  { name: "brute_pop3", type: "brute_force", attacker: "10.77.1.68" },
  { name: "brute_imap", type: "brute_force", attacker: "10.77.1.66" },
];

for (const p of PROBES) {
  Deno.test(`generalise ${p.name}: ${p.type} from ${p.attacker}`, async () => {
    const dets = await replay(p.name);
    const victim = p.victim ?? V;
    assert.ok(
      dets.some((d) =>
        d.type === p.type && ipToString(d.src) === p.attacker && (victim === "*" || ipToString(d.dst) === victim)
      ),
      `${p.name}: no ${p.type} from ${p.attacker}; got ${JSON.stringify(dets.map(show))}`,
    );
    const allowed = new Set([p.type, ...(p.also ?? [])]);
    const wrong = dets.filter((d) => !allowed.has(d.type));
    assert.deepEqual(wrong.map(show), [], `${p.name}: alerts of another type`);
  });
}

// (benign_redis_wrongpass: one stale password retried every second by redis-cli)
for (const name of ["benign_basic_auth", "benign_dns_resolver", "benign_redis_app", "benign_redis_wrongpass"]) {
  Deno.test(`generalise ${name}: silent`, async () => {
    assert.deepEqual((await replay(name)).map(show), []);
  });
}
