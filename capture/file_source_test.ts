/**
 * FileSource: format and gzip detection, streaming across buffer boundaries, truncated and corrupt
 * files (plain and gzip), empty and non-capture files, and reading in constant memory.
 */
import assert from "node:assert/strict";
import { ByteStream } from "./_byte_stream.ts";
import { FileSource } from "./file_source.ts";
import { type Frame, frameBytes, type SourceSummary } from "./packet_source.ts";
import {
  gzip,
  type NgBlock,
  pcapFile,
  pcapHeader,
  pcapngFile,
  type PcapRecord,
  tempFile,
} from "./_test_pcap_writer.ts";

function data(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 13 + i * 7) & 255;
  return b;
}

/** Runs a FileSource over `path`; returns copies of the frames. */
async function run(path: string, bufferSize?: number) {
  const src = new FileSource(path, { bufferSize });
  const frames: { data: number[]; tsUs: number; linkType: number; iface: number }[] = [];
  const summary = await src.run((f: Frame) => {
    frames.push({ data: [...frameBytes(f)], tsUs: f.tsUs, linkType: f.linkType, iface: f.iface });
  });
  return { src, frames, summary };
}

const temps: string[] = [];
async function temp(bytes: Uint8Array, suffix = ".pcap"): Promise<string> {
  const p = await tempFile(bytes, suffix);
  temps.push(p);
  return p;
}

// sizes straddle every small buffer size used below; one record is much larger than the buffer
const RECS: PcapRecord[] = [60, 1514, 0, 4000, 1, 333, 65535, 2, 17, 1500].map((n, i) => ({
  sec: 1_600_000_000 + i,
  frac: i * 1000,
  data: data(n, i),
}));
const NG_BLOCKS: NgBlock[] = [
  { type: "idb", linkType: 1 },
  { type: "idb", linkType: 113, tsresol: 9 },
  ...RECS.map((r, i): NgBlock => ({
    type: "epb",
    iface: i % 2,
    ticks: i % 2 ? BigInt(r.sec * 1e6 + r.frac) * 1000n : BigInt(r.sec * 1e6 + r.frac),
    data: r.data,
  })),
];

function checkFrames(frames: { data: number[]; tsUs: number }[], summary: SourceSummary, what: string) {
  assert.equal(summary.error, undefined, `${what}: ${summary.error?.message}`);
  assert.equal(summary.packets, RECS.length, what);
  assert.equal(frames.length, RECS.length, what);
  RECS.forEach((r, i) => {
    assert.deepEqual(frames[i].data, [...r.data], `${what} #${i}`);
    assert.equal(frames[i].tsUs, r.sec * 1e6 + r.frac, `${what} #${i} ts`);
  });
}

Deno.test("pcap and pcapng files, plain and gzip, across read-buffer sizes", async () => {
  const pcapLe = pcapFile(RECS), pcapBe = pcapFile(RECS, { le: false }), ng = pcapngFile([{ blocks: NG_BLOCKS }]);
  const ngBe = pcapngFile([{ le: false, blocks: NG_BLOCKS }]);
  const files: [string, Uint8Array, "pcap" | "pcapng"][] = [
    ["pcap LE", pcapLe, "pcap"],
    ["pcap BE", pcapBe, "pcap"],
    ["pcapng LE", ng, "pcapng"],
    ["pcapng BE", ngBe, "pcapng"],
  ];
  for (const [name, bytes, format] of files) {
    for (const gz of [false, true]) {
      const path = await temp(gz ? await gzip(bytes) : bytes, gz ? ".gz" : ".cap");
      for (const bufferSize of [16, 64, 1000, 4096, 1 << 20]) {
        const { src, frames, summary } = await run(path, bufferSize);
        checkFrames(frames, summary, `${name} gzip=${gz} buffer=${bufferSize}`);
        assert.equal(src.format, format);
        assert.equal(src.gzip, gz);
      }
    }
  }
});

Deno.test("truncated files: one clear error with the byte offset and the packets read, earlier packets delivered", async () => {
  const file = pcapFile(RECS);
  const starts = [24];
  for (const r of RECS) starts.push(starts[starts.length - 1] + 16 + r.data.length);
  const cases: [string, number, RegExp, number][] = [
    ["inside the global header", 10, /^Cannot read pcap header: file truncated at byte 10 /, 0],
    [
      "inside a record header",
      starts[3] + 7,
      new RegExp(`partial record header of 7 bytes at byte ${starts[3]}\\)$`),
      3,
    ],
    [
      "inside record data",
      starts[6] + 16 + 100,
      new RegExp(`at byte ${starts[6] + 116} \\(record at byte ${starts[6]} needs 65551 bytes, 116 left\\)$`),
      6,
    ],
  ];
  for (const [what, cut, re, packets] of cases) {
    const path = await temp(file.slice(0, cut));
    for (const bufferSize of [64, 1 << 20]) {
      const { frames, summary } = await run(path, bufferSize);
      assert.equal(frames.length, packets, what);
      assert.equal(summary.packets, packets, what);
      assert.ok(summary.error, what);
      assert.equal(summary.error.packets, packets, what);
      assert.match(summary.error.message, re, `${what}: ${summary.error.message}`);
      assert.match(summary.error.message, /file truncated at byte \d+/);
      frames.forEach((f, i) => assert.deepEqual(f.data, [...RECS[i].data]));
    }
  }
  // inside a pcapng block
  const ng = pcapngFile([{ blocks: NG_BLOCKS }]);
  const cut = ng.length - 700;
  const { frames, summary } = await run(await temp(ng.slice(0, cut), ".pcapng"), 256);
  assert.equal(frames.length, RECS.length - 1);
  assert.equal(summary.error?.packets, RECS.length - 1);
  assert.match(
    summary.error!.message,
    new RegExp(
      `^Cannot read pcapng block: file truncated at byte ${cut} \\(block at byte ${
        summary.error!.offset
      } needs \\d+ bytes, \\d+ left\\)$`,
    ),
  );
});

Deno.test("a truncated .gz ends with one error after the packets it held", async () => {
  const many = Array.from({ length: 3000 }, (_, i) => ({ sec: i, frac: 0, data: data(200, i) }));
  const gz = await gzip(pcapFile(many));
  for (
    const [cut, what] of [[gz.length - 4, "checksum trailer cut"], [Math.floor(gz.length / 2), "halfway"]] as const
  ) {
    const path = await temp(gz.slice(0, cut), ".pcap.gz");
    let n = 0;
    const summary = await new FileSource(path).run((f) => {
      assert.deepEqual([...frameBytes(f)], [...many[n].data]);
      n++;
    });
    assert.ok(summary.error, what);
    assert.equal(summary.packets, n, what);
    assert.equal(summary.error.packets, n, what);
    assert.ok(n > 0, what);
    assert.match(summary.error.message, /at byte \d+/, what);
    assert.match(summary.error.message, /gzip data/, what);
  }
  // cut inside the gzip header: a clear rejection, not "empty"
  const path = await temp(gz.slice(0, 12), ".pcap.gz");
  await assert.rejects(new FileSource(path).run(() => {}), /Cannot open capture: .*: gzip data corrupt or truncated/);
  // gzip of garbage: decompresses fine, but is not a capture
  const junk = await temp(await gzip(new TextEncoder().encode("hello world, not a capture")), ".gz");
  await assert.rejects(
    new FileSource(junk).run(() => {}),
    /: not a pcap or pcapng file \(magic 0x6c6c6568\) inside the gzip data/,
  );
});

Deno.test("empty, tiny, missing and non-capture files are refused with a clear message", async () => {
  const empty = await temp(new Uint8Array(0));
  await assert.rejects(
    new FileSource(empty).run(() => {}),
    new RegExp(`^OpenCaptureError: Cannot open capture: ${empty}: empty or shorter than 4 bytes$`),
  );
  const tiny = await temp(new Uint8Array([0xd4, 0xc3]));
  await assert.rejects(new FileSource(tiny).run(() => {}), /: empty or shorter than 4 bytes/);
  const text = await temp(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ".txt");
  await assert.rejects(
    new FileSource(text).run(() => {}),
    new RegExp(`^OpenCaptureError: Cannot open capture: ${text}: not a pcap or pcapng file \\(magic 0x20544547\\)$`),
  );
  await assert.rejects(
    new FileSource("/nonexistent/x.pcap").run(() => {}),
    /^OpenCaptureError: Cannot open capture: \/nonexistent\/x.pcap: no such file$/,
  );
  const dir = await Deno.makeTempDir();
  temps.push(dir);
  await assert.rejects(new FileSource(dir).run(() => {}), /^OpenCaptureError: Cannot open capture: /);
  // a pcap header only 4 bytes long: a header truncation, not a rejection
  const { summary } = await run(await temp(pcapHeader().slice(0, 4)));
  assert.equal(summary.packets, 0);
  assert.match(summary.error!.message, /^Cannot read pcap header: file truncated at byte 4/);
});

Deno.test("ByteStream: ensure grows for big records and keeps stream offsets", async () => {
  const bytes = data(10_000, 1);
  const path = await temp(bytes, ".bin");
  const s = await ByteStream.open(path, 16);
  try {
    assert.equal(s.gzip, false);
    assert.ok(await s.ensure(10));
    assert.equal(s.buf[s.pos], bytes[0]);
    s.pos += 10;
    assert.equal(s.offset, 10);
    assert.ok(await s.ensure(5000));
    assert.ok(s.buf.length >= 5000);
    assert.equal(s.buf[s.pos], bytes[10]);
    assert.equal(s.offset, 10);
    s.pos += 5000;
    assert.ok(await s.ensure(4990));
    assert.equal(s.offset, 5010);
    assert.equal(s.buf[s.pos + 4989], bytes[9999]);
    assert.equal(await s.ensure(4991), false);
    assert.equal(s.available, 4990);
    assert.equal(s.eof, true);
  } finally {
    s.close();
  }
  const m = ByteStream.fromBytes(new Uint8Array([1, 2, 3]));
  assert.ok(await m.ensure(3));
  assert.equal(await m.ensure(4), false);
});

Deno.test("ByteStream: a regular file's first read fills a whole first chunk at once, after the sniffed bytes", async () => {
  const bytes = data(3 << 20, 7);
  const path = await temp(bytes, ".bin");
  const s = await ByteStream.open(path);
  try {
    assert.ok(await s.ensure(1));
    // not just the two bytes taken to detect gzip: those and the file's next bytes, read without waiting
    assert.ok(s.available >= 256 << 10, `first read gave ${s.available} bytes`);
    assert.deepEqual(s.buf.subarray(s.pos, s.pos + 16), bytes.subarray(0, 16));
    let total = 0;
    while (await s.ensure(1)) {
      assert.equal(s.buf[s.pos], bytes[total], `byte ${total}`);
      total += s.available;
      s.pos = s.end;
    }
    assert.equal(total, bytes.length);
  } finally {
    s.close();
  }
});

Deno.test("ByteStream: a regular file is read with three reads in flight, every byte in order at any chunk size", async () => {
  // a read waits for one of the runtime's I/O threads; with one read ahead the capture stalled whenever that thread
  // waited for a CPU. 16 KiB = 4 chunks of 4096 read ahead at once, and the tail shorter than a chunk
  for (const [size, chunk] of [[16_400, 4096], [100_003, 64], [8192, 4096], [4096 + 2, 4096]]) {
    const bytes = data(size, size);
    const path = await temp(bytes, ".bin");
    const s = await ByteStream.open(path, chunk);
    try {
      assert.ok(await s.ensure(1)); // the first chunk, read at once on this thread
      let total = 0;
      let most = 0;
      while (await s.ensure(1)) {
        most = Math.max(most, s.readsAhead);
        assert.deepEqual(s.buf.subarray(s.pos, s.end), bytes.subarray(total, total + s.available), `at ${total}`);
        total += s.available;
        s.pos = s.end;
      }
      assert.equal(total, size, `${size} bytes in chunks of ${chunk}`);
      assert.equal(most, size - chunk > 2 * chunk ? 3 : most, `reads in flight, ${size} bytes in chunks of ${chunk}`);
    } finally {
      s.close();
    }
  }
  // a FIFO or stdin is read one read at a time, in order (its data comes once)
  const m = ByteStream.fromBytes(new Uint8Array([1, 2, 3]));
  assert.equal(m.readsAhead, 0);
});

Deno.test("ByteStream: reads still in flight when the stream closes fail harmlessly (no stream error)", async () => {
  // a stop mid-file closes the stream with three reads in flight: their descriptors close under them and they reject
  // ("operation canceled"); that must not read as a corrupt input
  const path = await temp(data(4 << 20, 5), ".bin");
  for (let i = 0; i < 3; i++) {
    const s = await ByteStream.open(path, 256 << 10);
    assert.ok(await s.ensure(1));
    assert.equal(s.readsAhead, 3);
    s.close();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.streamError, undefined);
  }
});

/** Reads `s` to its end; returns the bytes read (the stream is closed). */
async function readAll(s: ByteStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  try {
    while (await s.ensure(1)) {
      parts.push(s.buf.slice(s.pos, s.end));
      s.pos = s.end;
    }
  } finally {
    s.close();
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

Deno.test("ByteStream: a file truncated, grown or replaced while it is read: its bytes in order, no error", async () => {
  const size = 4 << 20, chunk = 64 << 10;
  const bytes = data(size, 9);
  // truncated after the first chunk: every byte read is the file's, up to where it ended
  {
    const path = await temp(bytes, ".bin");
    const s = await ByteStream.open(path, chunk);
    assert.ok(await s.ensure(1));
    await Deno.truncate(path, 1 << 20);
    const got = await readAll(s);
    assert.equal(s.streamError, undefined);
    assert.ok(got.length >= 1 << 20 && got.length <= size, `${got.length} bytes`);
    assert.deepEqual(got, bytes.subarray(0, got.length));
  }
  // grown after the first chunk: the bytes in order, at least the size it had
  {
    const path = await temp(bytes.subarray(0, 1 << 20), ".bin");
    const s = await ByteStream.open(path, chunk);
    assert.ok(await s.ensure(1));
    const f = await Deno.open(path, { append: true });
    await f.write(bytes.subarray(1 << 20));
    f.close();
    const got = await readAll(s);
    assert.equal(s.streamError, undefined);
    assert.ok(got.length >= 1 << 20, `${got.length} bytes`);
    assert.deepEqual(got, bytes.subarray(0, got.length));
  }
  // replaced by a rename once open (before the lanes open by its path): the old file is read whole
  {
    const path = await temp(bytes, ".bin");
    const other = await temp(data(size, 10), ".bin");
    const s = await ByteStream.open(path, chunk);
    await Deno.rename(other, path);
    const got = await readAll(s);
    assert.equal(s.streamError, undefined);
    assert.equal(got.length, size);
    assert.ok(got.every((b, i) => b === bytes[i]), "the old file's bytes");
  }
});

/** Reads a capture in a fresh process through decoder + flow table; prints its RSS before and at peak. */
const MEMORY_CHILD = `
import { FileSource } from "${new URL("./file_source.ts", import.meta.url).href}";
import { Decoder } from "${new URL("../decode/decoder.ts", import.meta.url).href}";
import { Packet } from "${new URL("../decode/packet.ts", import.meta.url).href}";
import { FlowTable } from "${new URL("../flow/flow_table.ts", import.meta.url).href}";
const path = Deno.args[0];
const dec = new Decoder(), pkt = new Packet(), flows = new FlowTable({ maxFlows: 4096 });
// warm up (JIT, read buffer) on the first megabyte, then take the baseline
await new FileSource(path).run((f) => dec.decode(f, pkt), AbortSignal.abort());
const hwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))[1]) * 1024;
const base = Deno.memoryUsage().rss;
let peak = base, n = 0;
const t0 = performance.now();
const summary = await new FileSource(path).run((f) => {
  dec.decode(f, pkt);
  flows.update(pkt);
  if (++n % 50000 === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
});
peak = Math.max(peak, hwm());
console.log(JSON.stringify({ base, peak, packets: summary.packets, bytes: summary.bytes, error: summary.error, flows: flows.size, secs: (performance.now() - t0) / 1000 }));
`;

Deno.test("a ~200 MB pcap streams in constant memory (RSS growth < 64 MB)", async () => {
  const path = await Deno.makeTempFile({ prefix: "ids-big-", suffix: ".pcap" });
  temps.push(path);
  const FRAMES = 1_500_000;
  // write in 4 MB chunks: IPv4 TCP/UDP frames between many hosts, 60..239 bytes
  const file = await Deno.open(path, { write: true, truncate: true });
  let size = 24;
  try {
    await file.write(pcapHeader());
    const chunk = new Uint8Array(4 << 20);
    const view = new DataView(chunk.buffer);
    let o = 0;
    for (let i = 0; i < FRAMES; i++) {
      const n = 60 + (i * 37) % 180;
      view.setUint32(o, 1_700_000_000 + Math.floor(i / 1000), true);
      view.setUint32(o + 4, (i % 1000) * 1000, true);
      view.setUint32(o + 8, n, true);
      view.setUint32(o + 12, n, true);
      const b = o + 16;
      chunk.fill(i & 255, b, b + n);
      chunk.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45, 0, (n - 14) >> 8, (n - 14) & 255], b);
      chunk.set(
        [0, 0, 0, 0, 64, i % 2 ? 6 : 17, 0, 0, 10, (i >> 16) & 255, (i >> 8) & 255, i & 255, 10, 0, 0, 1],
        b + 18,
      );
      chunk.set([(i >> 8) & 255, i & 255, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x12, 0, 0], b + 34);
      o = b + n;
      if (o > chunk.length - 512 || i === FRAMES - 1) {
        let w = 0;
        while (w < o) w += await file.write(chunk.subarray(w, o));
        size += o;
        o = 0;
      }
    }
  } finally {
    file.close();
  }
  assert.equal((await Deno.stat(path)).size, size);
  assert.ok(size > 150e6, `file is ${size} bytes`);
  const script = await temp(new TextEncoder().encode(MEMORY_CHILD), ".ts");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", script, path],
    stderr: "inherit",
  })
    .output();
  assert.equal(out.code, 0);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  console.log(
    `streamed ${(size / 1e6).toFixed(0)} MB, ${r.packets} frames in ${r.secs.toFixed(1)} s; RSS ${
      (r.base / 1e6).toFixed(0)
    } MB → peak ${(r.peak / 1e6).toFixed(0)} MB (+${((r.peak - r.base) / 1e6).toFixed(1)} MB)`,
  );
  assert.equal(r.error, undefined);
  assert.equal(r.packets, FRAMES);
  assert.equal(r.bytes, size - 24 - 16 * FRAMES);
  assert.ok(r.flows <= 4096);
  assert.ok(r.peak - r.base < 64e6, `RSS grew by ${((r.peak - r.base) / 1e6).toFixed(1)} MB`);
});

/** Polls `ok` every 10 ms for up to 10 s. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `p`'s value, or "late" after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), ms));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

for (const gz of [false, true]) {
  Deno.test(`a FIFO whose writer stalls${gz ? " (gzip)" : ""}: a stop ends the pending read at once, no error for the record it cut`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "ids-fifo-stall-" });
    try {
      const fifo = `${dir}/in.pcap${gz ? ".gz" : ""}`;
      assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
      const whole = pcapFile(RECS);
      const zipped = await gzip(whole);
      // plain: every record but the last half of the last one; gzip: the first 60 % of the compressed bytes
      const bytes = gz
        ? zipped.subarray(0, Math.floor(zipped.length * 0.6))
        : whole.subarray(0, whole.length - (RECS.at(-1)!.data.length >> 1));
      const opening = Deno.open(fifo, { write: true });
      const stop = new AbortController();
      let frames = 0;
      const reading = new FileSource(fifo, { bufferSize: 4096 }).run(() => void frames++, stop.signal);
      const writer = await opening;
      try {
        await writer.write(bytes);
        await until(() => frames >= (gz ? 1 : RECS.length - 1), "the records written");
        await new Promise((r) => setTimeout(r, 50)); // the reader now waits for the writer
        stop.abort();
        const summary = await within(reading, 2_000);
        assert.notEqual(summary, "late", "the read still waited for its writer 2 s after the stop");
        if (summary === "late") return;
        assert.equal(summary.error, undefined, summary.error?.message);
        assert.equal(summary.packets, frames);
        if (!gz) assert.equal(summary.packets, RECS.length - 1);
      } finally {
        writer.close(); // (a read still waiting then ends)
        await reading;
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a FIFO that no writer opens: a stop ends the pending open at once, nothing read and no error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-fifo-stall-" });
  try {
    const fifo = `${dir}/in.pcap`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    const stop = new AbortController();
    const reading = new FileSource(fifo).run(() => {}, stop.signal);
    await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    const summary = await within(reading, 2_000);
    // the open still waits for a writer (abandoned by the source, or not): one opens so it completes
    Deno.openSync(fifo, { write: true }).close();
    await reading.catch(() => {});
    await new Promise((r) => setTimeout(r, 50)); // (the source closes the abandoned open)
    assert.deepEqual(summary, { packets: 0, bytes: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("clean up temp files", async () => {
  for (const p of temps) await Deno.remove(p, { recursive: true }).catch(() => {});
});
