import assert from "node:assert/strict";
import { join } from "node:path";
import { buildAlert } from "../core/alert.ts";
import type { DetectionEvent } from "../core/detection.ts";
import { type EveSink, EveWriter } from "./eve_writer.ts";
import { validateEve } from "./eve_schema_test_util.ts";

function alertNo(i: number, overrides: Partial<DetectionEvent> = {}) {
  return buildAlert({
    type: "port_scan",
    tsUs: 1_795_272_623_000_000 + i,
    src: "10.77.0.66",
    dst: "10.77.0.1",
    srcPort: 40000 + i,
    dstPort: 22,
    proto: 6,
    severity: 2,
    reason: `${10 + i} ports in 60 s`,
    flowId: i + 1,
    ...overrides,
  });
}

/** A sink that records every write, optionally accepting only a few bytes per call. */
class MemorySink implements EveSink {
  chunks: Uint8Array[] = [];
  closed = false;
  constructor(readonly maxPerWrite = Infinity) {}
  writeSync(p: Uint8Array): number {
    const n = Math.min(p.length, this.maxPerWrite);
    this.chunks.push(p.slice(0, n));
    return n;
  }
  close(): void {
    this.closed = true;
  }
  get text(): string {
    const all = new Uint8Array(this.chunks.reduce((sum, c) => sum + c.length, 0));
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return new TextDecoder().decode(all);
  }
}

function lines(text: string): Record<string, unknown>[] {
  assert.ok(text === "" || text.endsWith("\n"), "ends with a newline");
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

Deno.test("EveWriter buffers lines and writes them on flush", () => {
  const sink = new MemorySink();
  const eve = new EveWriter(sink, { flushIntervalMs: 60_000 });
  for (let i = 0; i < 10; i++) eve.write(alertNo(i));
  assert.equal(sink.chunks.length, 0, "nothing written before flush");
  assert.equal(eve.count, 10);
  eve.flush();
  assert.equal(sink.chunks.length, 1, "one write for ten lines");
  const records = lines(sink.text);
  assert.equal(records.length, 10);
  for (const record of records) assert.deepEqual(validateEve(record), []);
  eve.close();
  assert.equal(sink.closed, false, "a wrapped sink is not closed by default");
});

Deno.test("EveWriter writes when the buffer fills and for long lines", () => {
  const sink = new MemorySink();
  const eve = new EveWriter(sink, { bufferBytes: 1024, flushIntervalMs: 60_000 });
  for (let i = 0; i < 20; i++) eve.write(alertNo(i));
  assert.ok(sink.chunks.length >= 2, "the full buffer was written");
  eve.write(alertNo(99, { reason: "x".repeat(5000) }));
  eve.close();
  const records = lines(sink.text);
  assert.equal(records.length, 21);
  assert.equal(
    ((records[20].alert as Record<string, unknown>).metadata as { reason: string[] }).reason[0].length,
    5000,
  );
});

Deno.test("EveWriter keeps UTF-8 and escapes attacker bytes", () => {
  const sink = new MemorySink();
  const eve = new EveWriter(sink, { bufferBytes: 64, flushIntervalMs: 60_000 });
  const reason = "Inyección SQL: ' OR 1=1 --\n\u0000\u001b[31m 🚨";
  eve.write(alertNo(1, { type: "sql_injection", reason }));
  eve.close();
  assert.equal(sink.text.split("\n").length, 2, "one line only");
  const [record] = lines(sink.text);
  assert.equal(((record.alert as Record<string, unknown>).metadata as { reason: string[] }).reason[0], reason);
  assert.deepEqual(validateEve(record), []);
});

Deno.test("EveWriter completes partial writes", () => {
  const sink = new MemorySink(7);
  const eve = new EveWriter(sink, { flushIntervalMs: 0 });
  for (let i = 0; i < 3; i++) eve.write(alertNo(i));
  assert.equal(lines(sink.text).length, 3, "flushIntervalMs 0 writes every line at once");
  eve.close();
});

Deno.test("EveWriter flushes on its own after flushIntervalMs", async () => {
  const sink = new MemorySink();
  const eve = new EveWriter(sink, { flushIntervalMs: 20 });
  eve.write(alertNo(1));
  assert.equal(sink.text, "");
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(lines(sink.text).length, 1);
  eve.close();
});

Deno.test("EveWriter refuses writes after close and reports sink errors", () => {
  const eve = new EveWriter(new MemorySink());
  eve.close();
  eve.close();
  assert.ok(eve.closed);
  assert.throws(() => eve.write(alertNo(1)), /^Error: Cannot write EVE record: writer is closed$/);

  const failing = new EveWriter({
    writeSync() {
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    },
  }, { flushIntervalMs: 0 });
  assert.throws(() => failing.write(alertNo(1)), /Cannot write EVE output: Broken pipe/);
  assert.throws(() => new EveWriter(new MemorySink(), { bufferBytes: 10 }), RangeError);
});

Deno.test("EveWriter.open() appends to a file, or truncates on request", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "eve.json");
    let eve = EveWriter.open(path, { inIface: "eth0" });
    eve.write(alertNo(1));
    eve.write(alertNo(2));
    eve.close();
    eve = EveWriter.open(path);
    eve.write(alertNo(3));
    eve.close();
    let records = lines(await Deno.readTextFile(path));
    assert.equal(records.length, 3);
    assert.equal(records[0].in_iface, "eth0");
    assert.equal(records[2].in_iface, undefined);
    for (const record of records) assert.deepEqual(validateEve(record), []);

    {
      using truncating = EveWriter.open(path, { truncate: true });
      truncating.write(alertNo(4));
    }
    records = lines(await Deno.readTextFile(path));
    assert.equal(records.length, 1);
    assert.equal(records[0].src_port, 40004);

    assert.throws(() => EveWriter.open(join(dir, "missing", "eve.json")), /^Error: Cannot open EVE output .*missing/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("EveWriter on stdout writes only EVE lines and flushes them on SIGTERM", async () => {
  const writerUrl = new URL("./eve_writer.ts", import.meta.url).href;
  const alertUrl = new URL("../core/alert.ts", import.meta.url).href;
  const script = `
import { EveWriter } from "${writerUrl}";
import { buildAlert } from "${alertUrl}";
const eve = EveWriter.open("-", { inIface: "eth0", flushIntervalMs: 3_600_000 });
Deno.addSignalListener("SIGTERM", () => { eve.close(); Deno.exit(0); });
for (let i = 0; i < 5; i++) {
  eve.write(buildAlert({ type: "ddos", tsUs: 1_795_272_623_000_000 + i, src: "2001:db8::66", dst: "2001:db8::1",
    srcPort: 1000 + i, dstPort: 80, proto: 6, severity: 1, spoofed: true, reason: "many sources", flowId: i + 1 },
    { action: "blocked" }));
}
console.error("ready");
setInterval(() => {}, 1000);
`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!stderr.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  assert.match(stderr, /ready/);
  child.kill("SIGTERM");
  const [status, stdout] = await Promise.all([child.status, new Response(child.stdout).text()]);
  await reader.cancel();
  assert.equal(status.code, 0);
  const records = lines(stdout);
  assert.equal(records.length, 5, "every buffered alert was flushed");
  for (const record of records) {
    assert.deepEqual(validateEve(record), []);
    assert.equal(record.in_iface, "eth0");
    assert.equal((record.alert as Record<string, unknown>).action, "blocked");
    assert.deepEqual(((record.alert as Record<string, unknown>).metadata as { tag: string[] }).tag, [
      "ddos",
      "heuristic",
      "spoofed",
    ]);
  }
});
