/**
 * Real captures (tests/fixtures/, made by real tools, see its README) replayed through FileSource +
 * Decoder and compared packet by packet with tshark's own dissection: packet count, timestamps,
 * lengths, interface, IPv4/IPv6 addresses, ports, TCP flags, VLAN ids, and no malformed-frame events.
 *
 * Needs tshark. Under CI=true a missing tshark fails; elsewhere the comparison is skipped with a reason.
 * Every fixture is committed, so a missing one fails.
 */
import assert from "node:assert/strict";
import { FileSource } from "../capture/file_source.ts";
import { Decoder } from "../decode/decoder.ts";
import { DECODE_EVENTS, DecodeEvents } from "../decode/events.ts";
import { IpProto, ipToString, Packet } from "../decode/packet.ts";

const DIR = new URL("./fixtures/", import.meta.url);
const CI = Deno.env.get("CI") === "true";

/** Fixtures the issue names; qinq.pcap is optional (generate.sh skips it on kernels without QinQ). */
const KNOWN = [
  "mixed.pcap",
  "mixed_ns.pcap",
  "mixed.pcapng",
  "mixed.pcap.gz",
  "mixed.pcapng.gz",
  "vlan.pcap",
  "qinq.pcap",
  "sll.pcap",
  "sll2.pcap",
  "raw.pcap",
  "two_ifaces.pcapng",
  "demo.pcapng.gz",
  // encapsulations (generate_encap.sh)
  "mpls.pcap",
  "pppoe.pcap",
  "ppp.pcap",
  "ppp_hdlc.pcap",
  "nflog.pcap",
  "wlan.pcap",
  "radiotap.pcap",
  "tso_bigtcp.pcap.gz",
];
const OPTIONAL = new Set(["qinq.pcap"]);

/** Decode events a real capture may raise: protocols we do not decode, not broken frames. */
const KNOWN_EVENTS = new Set<string>(DECODE_EVENTS.filter((k) => !DecodeEvents.isMalformed(k)));

const FIELDS = [
  "frame.number",
  "ip.src",
  "ipv6.src",
  "ip.dst",
  "ipv6.dst",
  "tcp.srcport",
  "udp.srcport",
  "tcp.dstport",
  "udp.dstport",
  "tcp.flags",
  "vlan.id",
  "ieee8021ad.id",
  "frame.time_epoch",
  "frame.len",
  "frame.cap_len",
  "frame.interface_id",
] as const;
type Field = typeof FIELDS[number];

async function tsharkVersion(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("tshark", { args: ["-v"], stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).split("\n")[0] : undefined;
  } catch {
    return undefined;
  }
}

/** tshark's dissection: one record per frame, each field's occurrences in order. */
async function tshark(path: string): Promise<Record<Field, string[]>[]> {
  const args = ["-r", path, "-n", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-T", "fields"];
  for (const f of FIELDS) args.push("-e", f);
  args.push("-E", "separator=,", "-E", "aggregator=;", "-E", "occurrence=a");
  const out = await new Deno.Command("tshark", { args, stdout: "piped", stderr: "piped" }).output();
  const err = new TextDecoder().decode(out.stderr).replace(/^Running as user "root".*\n?/m, "").trim();
  assert.ok(out.success, `tshark failed on ${path}: ${err}`);
  const lines = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.length > 0);
  return lines.map((line) => {
    const cols = line.split(",");
    assert.equal(cols.length, FIELDS.length, `tshark line: ${line}`);
    const rec = {} as Record<Field, string[]>;
    FIELDS.forEach((f, i) => rec[f] = cols[i] === "" ? [] : cols[i].split(";"));
    return rec;
  });
}

/** What our decoder saw in one frame. */
interface Ours {
  tsUs: number;
  len: number;
  caplen: number;
  iface: number;
  ipVersion: number;
  src: string;
  dst: string;
  proto: number;
  hasL4: boolean;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  vlanId: number;
  vlanCount: number;
  events: string[];
}

async function decodeFile(path: string): Promise<{ frames: Ours[]; error?: string; decoder: Decoder }> {
  const dec = new Decoder();
  const pkt = new Packet();
  const frames: Ours[] = [];
  const prev = new Float64Array(DECODE_EVENTS.length);
  const summary = await new FileSource(path).run((f) => {
    const before = dec.events.n;
    dec.decode(f, pkt);
    const events: string[] = [];
    if (dec.events.n !== before) {
      for (let k = 0; k < DECODE_EVENTS.length; k++) {
        if (dec.events.counts[k] !== prev[k]) events.push(DECODE_EVENTS[k]);
        prev[k] = dec.events.counts[k];
      }
    }
    frames.push({
      tsUs: f.tsUs,
      len: f.len,
      caplen: f.caplen,
      iface: f.iface,
      ipVersion: pkt.ipVersion,
      src: pkt.ipVersion ? ipToString(pkt.src) : "",
      dst: pkt.ipVersion ? ipToString(pkt.dst) : "",
      proto: pkt.proto,
      hasL4: pkt.hasL4,
      srcPort: pkt.srcPort,
      dstPort: pkt.dstPort,
      tcpFlags: pkt.tcpFlags,
      vlanId: pkt.vlanId,
      vlanCount: pkt.vlanCount,
      events,
    });
  });
  return { frames, error: summary.error?.message, decoder: dec };
}

/** tshark's frame.time_epoch ("1700000000.123456789") as µs, rounded down like the readers. */
function epochToUs(s: string): number {
  const [sec, frac = ""] = s.split(".");
  return Number(sec) * 1e6 + Number((frac + "000000").slice(0, 6));
}

/** Compares one frame; returns the differences (empty when equal). */
function compare(o: Ours, t: Record<Field, string[]>, isPcapng: boolean): string[] {
  const diff: string[] = [];
  const eq = (what: string, ours: unknown, theirs: unknown) => {
    if (ours !== theirs) diff.push(`${what}: ours ${JSON.stringify(ours)}, tshark ${JSON.stringify(theirs)}`);
  };
  eq("time", o.tsUs, epochToUs(t["frame.time_epoch"][0]));
  eq("frame.len", o.len, Number(t["frame.len"][0]));
  eq("frame.cap_len", o.caplen, Number(t["frame.cap_len"][0]));
  if (isPcapng) eq("interface", o.iface, Number(t["frame.interface_id"][0] ?? 0));
  // addresses: the outermost IP header (tshark lists embedded ICMP-error headers after it)
  const v4src = t["ip.src"][0], v6src = t["ipv6.src"][0];
  if (o.ipVersion === 4) {
    eq("ip.src", o.src, v4src);
    eq("ip.dst", o.dst, t["ip.dst"][0]);
  } else if (o.ipVersion === 6) {
    eq("ipv6.src", o.src, v6src);
    eq("ipv6.dst", o.dst, t["ipv6.dst"][0]);
    if (v4src !== undefined) diff.push(`tshark sees IPv4 ${v4src} inside an IPv6 packet`);
  } else if (v4src !== undefined || v6src !== undefined) {
    diff.push(`tshark sees IP ${v4src ?? v6src}, we decoded no IP header (events ${o.events.join(" ") || "none"})`);
  }
  // ports and flags of the outer TCP/UDP header
  const isIcmp = o.proto === IpProto.ICMP || o.proto === IpProto.ICMPV6;
  const tcpSp = t["tcp.srcport"][0], udpSp = t["udp.srcport"][0];
  if (o.hasL4 && o.proto === IpProto.TCP) {
    eq("tcp.srcport", o.srcPort, Number(tcpSp));
    eq("tcp.dstport", o.dstPort, Number(t["tcp.dstport"][0]));
    eq("tcp.flags", o.tcpFlags, Number(t["tcp.flags"][0]) & 0xff);
  } else if (o.hasL4 && o.proto === IpProto.UDP) {
    eq("udp.srcport", o.srcPort, Number(udpSp));
    eq("udp.dstport", o.dstPort, Number(t["udp.dstport"][0]));
  } else if (!isIcmp && (tcpSp !== undefined || udpSp !== undefined)) {
    // (ICMP errors quote the offending packet's ports: tshark shows those, we do not)
    diff.push(`tshark sees ports ${tcpSp ?? udpSp}, we decoded none (proto ${o.proto})`);
  }
  // VLAN tags: 802.1ad tags (outer) then 802.1Q tags; our vlanId is the innermost
  const tags = [...t["ieee8021ad.id"], ...t["vlan.id"]].map(Number);
  eq("vlan count", o.vlanCount, tags.length);
  eq("vlan.id", o.vlanId, tags.length > 0 ? tags[tags.length - 1] : 0);
  return diff;
}

const version = await tsharkVersion();
const present = new Set<string>();
try {
  for (const e of Deno.readDirSync(DIR)) if (e.isFile && /\.(pcap|pcapng)(\.gz)?$/.test(e.name)) present.add(e.name);
} catch { /* no fixtures directory */ }
const names = [...new Set([...KNOWN, ...present])].sort();

if (version === undefined) {
  if (CI) {
    Deno.test("fixtures: tshark is installed (required under CI=true)", () => {
      assert.fail("tshark not found: install it (apt-get install tshark) to compare the fixtures with its dissection");
    });
  } else {
    console.log("fixtures_test: tshark not found — skipping the comparison with tshark (CI=true makes this a failure)");
    Deno.test({ name: "fixtures: compare with tshark (skipped: tshark not found)", ignore: true, fn() {} });
  }
} else {
  for (const name of names) {
    const url = new URL(name, DIR);
    if (!present.has(name)) {
      if (!OPTIONAL.has(name)) {
        Deno.test(`fixture ${name}: present (fixtures are committed)`, () => {
          assert.fail(`tests/fixtures/${name} is missing; regenerate with tests/fixtures/generate.sh`);
        });
      } else {
        Deno.test({ name: `fixture ${name} (skipped: not generated yet)`, ignore: true, fn() {} });
      }
      continue;
    }
    Deno.test(`fixture ${name}: every packet matches tshark (tshark ${/\d+\.\d+\.\d+/.exec(version)?.[0] ?? version})`, async () => {
      const path = url.pathname;
      const [ours, theirs] = await Promise.all([decodeFile(path), tshark(path)]);
      assert.equal(ours.error, undefined, `read error: ${ours.error}`);
      assert.ok(ours.frames.length > 0, "fixture holds packets");
      assert.equal(ours.frames.length, theirs.length, "packet count");
      const isPcapng = /\.pcapng(\.gz)?$/.test(name);
      const problems: string[] = [];
      let ip = 0, tcp = 0, udp = 0, v6 = 0, tagged = 0;
      ours.frames.forEach((o, i) => {
        const t = theirs[i];
        assert.equal(Number(t["frame.number"][0]), i + 1);
        const d = compare(o, t, isPcapng);
        const malformed = o.events.filter((k) => !KNOWN_EVENTS.has(k));
        if (malformed.length > 0) d.push(`decode events ${malformed.join(", ")}`);
        if (d.length > 0) problems.push(`frame ${i + 1}: ${d.join("; ")}`);
        if (o.ipVersion) ip++;
        if (o.ipVersion === 6) v6++;
        if (o.hasL4 && o.proto === IpProto.TCP) tcp++;
        if (o.hasL4 && o.proto === IpProto.UDP) udp++;
        if (o.vlanCount > 0) tagged++;
      });
      const ev = ours.decoder.events.toObject();
      console.log(
        `${name}: ${ours.frames.length} frames (${ip} IP, ${v6} IPv6, ${tcp} TCP, ${udp} UDP, ${tagged} tagged); ` +
          `events ${JSON.stringify(ev)}`,
      );
      assert.deepEqual(problems.slice(0, 20), [], `${problems.length} frames differ from tshark`);
      for (const k of Object.keys(ev)) assert.ok(KNOWN_EVENTS.has(k), `unexpected decode event ${k}`);
      assert.ok(ip > 0, "the fixture has IP traffic");
    });
  }
}
