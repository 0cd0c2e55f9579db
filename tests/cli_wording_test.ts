/**
 * First contact with the CLI (issue 7 items 6, 7, 12, 13, 14, 15): one clear line for a file that is no capture,
 * the skipped link type named, relative paths from the caller's directory under `deno task`, UDP length lies
 * counted, a BOM accepted and duplicate keys refused, and usage mistakes refused instead of guessed.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { pcapFile, tempFile } from "../capture/_test_pcap_writer.ts";
import { cat, eth, ipv4, udp } from "../decode/_test_frames.ts";
import { EtherType } from "../decode/link.ts";
import { configCommand } from "../config/cli.ts";
import { runMain } from "../testing/run_main.ts";

/** `ids config check FILE` with its output captured. */
async function configCheck(path: string): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const code = await configCommand(["check", path], { stdout: (t) => out += t, stderr: (t) => err += t });
  return { code, out, err };
}

const REPO = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const temps: string[] = [];
async function temp(bytes: Uint8Array | string, suffix = ".pcap"): Promise<string> {
  const p = await tempFile(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes, suffix);
  temps.push(p);
  return p;
}

Deno.test("item 6: a file that cannot be opened or is not a capture is one line, exit 1, no report of zeros", async () => {
  for (
    const [path, reason] of [
      ["/nonexistent/x.pcap", "no such file"],
      [await temp("hello, not a capture\n", ".txt"), "not a pcap or pcapng file (magic 0x6c6c6568)"],
      [await temp(new Uint8Array(0)), "empty or shorter than 4 bytes"],
    ] as const
  ) {
    for (const json of [[], ["--json"]]) {
      const r = await runMain("replay", path, ...json);
      assert.equal(r.code, 1);
      assert.equal(r.out, "", "nothing on stdout");
      assert.equal(r.err, `ids replay: Cannot open capture: ${path}: ${reason}`);
    }
  }
});

Deno.test("item 7: a capture of an unsupported link type names it and exits non-zero", async () => {
  const frame = cat(eth(EtherType.IPV4), ipv4({ src: "10.0.0.1", dst: "10.0.0.2", proto: 17 }, udp(1, 2)));
  const path = await temp(pcapFile([{ sec: 1, frac: 0, data: frame }], { linkType: 147 })); // LINKTYPE_USER0
  const r = await runMain("replay", path);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /Cannot decode any frame: link type LINKTYPE_147 \(147\)/);
  assert.doesNotMatch(r.err, /alerts {5}none\s*$/);
});

Deno.test("item 12: deno task ids replay rel/path resolves against the caller's directory (INIT_CWD)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "ids", "replay", "mixed.pcap", "--json"],
    cwd: `${REPO}/tests/fixtures`,
    // as typed in a shell: no INIT_CWD yet (a surrounding `deno task test` would have set its own)
    clearEnv: true,
    env: Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([k]) => k !== "INIT_CWD")),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, err);
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(report.files, ["mixed.pcap"]);
  assert.equal(report.packets, 329);
});

Deno.test("item 13: a UDP length field larger than the IP payload is a decode event", async () => {
  const lie = cat(
    eth(EtherType.IPV4),
    ipv4({ src: "10.0.0.1", dst: "10.0.0.2", proto: 17 }, udp(53, 53, [1, 2, 3, 4], 400)),
  );
  const fine = cat(
    eth(EtherType.IPV4),
    ipv4({ src: "10.0.0.1", dst: "10.0.0.2", proto: 17 }, udp(53, 53, [1, 2, 3, 4])),
  );
  const path = await temp(pcapFile([{ sec: 1, frac: 0, data: lie }, { sec: 1, frac: 1, data: fine }]));
  const r = await runMain("replay", path, "--json");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).decode_events, { "udp.length_exceeds_payload": 1 });
});

Deno.test("item 14: config with a UTF-8 BOM is read; duplicate keys are refused with the key and line", async () => {
  const bom = await temp('\ufeff{"syn_flood": {"threshold": 20}}\n', ".json");
  const ok = await configCheck(bom);
  assert.equal(ok.code, 0, ok.err);
  const dup = await temp('{\n  "syn_flood": {"threshold": 20},\n  "syn_flood": {"threshold": 5}\n}\n', ".json");
  const r = await configCheck(dup);
  assert.equal(r.code, 1);
  assert.match(r.err, /duplicate key "syn_flood" \(line 3\)/);
  const nested = await temp('{"port_scan": {"threshold": 20, "window_s": 30, "threshold": 12}}', ".json");
  assert.match((await configCheck(nested)).err, /duplicate key "port_scan\.threshold" \(line 1\)/);
  // the same key in two different objects is fine
  const two = await temp('{"syn_flood": {"threshold": 20}, "ddos": {"threshold": 900}}', ".json");
  assert.equal((await configCheck(two)).code, 0);
});

Deno.test("item 15: usage mistakes are refused in one line, without doubled prefixes", async () => {
  const none = await runMain("replay");
  assert.equal(none.code, 2);
  assert.equal(none.err, 'ids replay: needs at least one capture FILE (- reads stdin) (run "ids replay --help")');
  const ev = await runMain("eval");
  assert.match(ev.err, /^ids eval: needs exactly one MANIFEST /);
  const path = await temp(pcapFile([]));
  const twice = await runMain("replay", path, "--eve", "/tmp/a.json", "--eve", "/tmp/b.json");
  assert.equal(twice.code, 2);
  assert.match(twice.err, /^ids replay: option --eve given twice \("\/tmp\/a\.json", "\/tmp\/b\.json"\): give it once/);
  const noDetect = await runMain("replay", path, "--no-detect", "--eve", "-");
  assert.equal(noDetect.code, 2);
  assert.match(noDetect.err, /--no-detect runs no detectors, so --eve would stay empty/);
  const version = await runMain("version", "--bogus");
  assert.equal(version.code, 2);
  const bad = await runMain("run", "--duration", "0");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--duration must be a number of seconds above 0/);
});

Deno.test("item 15: --pcap-library naming a file that is no library says so, without an apt hint", async () => {
  const r = await runMain("interfaces", "--pcap-library", "/etc/passwd");
  assert.equal(r.code, 1);
  assert.equal(r.err.split("\n").length, 1, r.err);
  assert.doesNotMatch(r.err, /Could not open library: Could not open library/);
  assert.doesNotMatch(r.err, /apt-get/);
  assert.match(r.err, /^ids interfaces: Cannot load libpcap: \/etc\/passwd: .* — --pcap-library must name the libpcap/);
});

Deno.test("item 15: eval prints its table with aligned columns", async () => {
  const r = await runMain("eval", `${REPO}/tests/corpus/manifest.json`);
  const rows = r.out.split("\n").filter((l) => l.startsWith("|"));
  assert.ok(rows.length > 10);
  const bars = (l: string) => [...l].flatMap((c, i) => c === "|" ? [i] : []).join(",");
  assert.ok(rows.every((l) => bars(l) === bars(rows[0])), `columns line up:\n${rows.slice(0, 4).join("\n")}`);
});

globalThis.addEventListener("unload", () => {
  for (const p of temps) {
    try {
      Deno.removeSync(p);
    } catch { /* gone */ }
  }
});
