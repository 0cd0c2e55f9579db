/** pcap reader: both byte orders, µs and ns, truncation at every offset, corrupt records. */
import assert from "node:assert/strict";
import { ByteStream } from "./_byte_stream.ts";
import { isPcapMagic, MAX_RECORD, readPcap } from "./pcap_reader.ts";
import { pcapFile, type PcapRecord, readBytes } from "./_test_pcap_writer.ts";

function data(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i) & 255;
  return b;
}

const RECS: PcapRecord[] = [
  { sec: 1_700_000_000, frac: 0, data: data(60, 1) },
  { sec: 1_700_000_000, frac: 999_999, data: data(1514, 2), origLen: 1514 },
  { sec: 1_700_000_001, frac: 1, data: data(96, 3), origLen: 1500 }, // snaplen cut
  { sec: 0, frac: 0, data: new Uint8Array(0), origLen: 0 }, // empty record
  { sec: 4_294_967_295, frac: 123_456, data: data(1, 4) },
];

Deno.test("pcap µs, little- and big-endian: every field exact", async () => {
  for (const le of [true, false]) {
    const { frames, summary } = await readBytes(pcapFile(RECS, { le, linkType: 113 }));
    assert.equal(summary.error, undefined);
    assert.equal(summary.packets, RECS.length);
    assert.equal(summary.bytes, 60 + 1514 + 96 + 0 + 1);
    assert.equal(frames.length, RECS.length);
    RECS.forEach((r, i) => {
      assert.deepEqual(frames[i].data, [...r.data], `le=${le} #${i} data`);
      assert.equal(frames[i].caplen, r.data.length);
      assert.equal(frames[i].len, r.origLen ?? r.data.length);
      assert.equal(frames[i].tsUs, r.sec * 1e6 + r.frac, `le=${le} #${i} ts`);
      assert.equal(frames[i].linkType, 113);
      assert.equal(frames[i].iface, 0);
    });
  }
});

Deno.test("pcap ns, little- and big-endian: timestamps exact to the µs (rounded down)", async () => {
  const recs: PcapRecord[] = [
    { sec: 1_700_000_000, frac: 0, data: data(10, 1) },
    { sec: 1_700_000_000, frac: 999, data: data(10, 2) },
    { sec: 1_700_000_000, frac: 1_000, data: data(10, 3) },
    { sec: 1_700_000_000, frac: 123_456_789, data: data(10, 4) },
    { sec: 1_700_000_000, frac: 999_999_999, data: data(10, 5) },
    { sec: 4_294_967_295, frac: 999_999_999, data: data(10, 6) },
  ];
  for (const le of [true, false]) {
    const { frames, summary } = await readBytes(pcapFile(recs, { le, nano: true }));
    assert.equal(summary.error, undefined);
    assert.deepEqual(frames.map((f) => f.tsUs), [
      1_700_000_000_000_000,
      1_700_000_000_000_000,
      1_700_000_000_000_001,
      1_700_000_000_123_456,
      1_700_000_000_999_999,
      4_294_967_295_999_999,
    ]);
  }
});

Deno.test("pcap magic numbers and the FCS bits of the link type field", async () => {
  assert.ok(isPcapMagic(0xa1b2c3d4) && isPcapMagic(0xd4c3b2a1) && isPcapMagic(0xa1b23c4d) && isPcapMagic(0x4d3cb2a1));
  assert.ok(!isPcapMagic(0x0a0d0d0a) && !isPcapMagic(0));
  // FCS length 4 present: 0x24000001 → Ethernet
  for (const le of [true, false]) {
    const { frames } = await readBytes(pcapFile([RECS[0]], { le, linkType: 0x24000001 }));
    assert.equal(frames[0].linkType, 1);
  }
  const { frames } = await readBytes(pcapFile([RECS[0]], { linkType: 276 }));
  assert.equal(frames[0].linkType, 276);
});

Deno.test("pcap header only: no packets, no error", async () => {
  for (const le of [true, false]) {
    const { frames, summary } = await readBytes(pcapFile([], { le }));
    assert.equal(frames.length, 0);
    assert.deepEqual(summary, { packets: 0, bytes: 0 });
  }
});

Deno.test("pcap truncated at every offset: one error naming the byte offset, all earlier packets delivered", async () => {
  for (const le of [true, false]) {
    const file = pcapFile(RECS, { le });
    // record boundaries
    const starts: number[] = [24];
    for (const r of RECS) starts.push(starts[starts.length - 1] + 16 + r.data.length);
    for (let cut = 4; cut < file.length; cut++) {
      const { frames, summary } = await readBytes(file.slice(0, cut));
      const complete = starts.filter((s, i) => i > 0 && s <= cut).length;
      const where = `le=${le} cut=${cut}`;
      assert.equal(frames.length, complete, `${where}: frames`);
      assert.equal(summary.packets, complete, `${where}: packets`);
      if (starts.includes(cut)) {
        assert.equal(summary.error, undefined, `${where}: a cut between records is a clean end`);
        continue;
      }
      const err = summary.error;
      assert.ok(err, `${where}: error expected`);
      assert.equal(err.packets, complete, `${where}: error.packets`);
      assert.match(err.message, new RegExp(`file truncated at byte ${cut}\\b`), `${where}: ${err.message}`);
      if (cut < 24) {
        assert.equal(err.offset, 0);
        assert.match(err.message, /^Cannot read pcap header/);
      } else {
        const recStart = starts[complete];
        assert.equal(err.offset, recStart, `${where}: offset of the cut record`);
        assert.match(err.message, new RegExp(`at byte ${recStart}\\b`));
        assert.match(err.message, /^Cannot read packet record: /);
      }
      // frames before the cut are intact
      frames.forEach((f, i) => assert.deepEqual(f.data, [...RECS[i].data]));
    }
  }
});

Deno.test("pcap corrupt record length ends the file; a corrupt timestamp fraction does not", async () => {
  for (const le of [true, false]) {
    const file = pcapFile(RECS.slice(0, 3), { le });
    const second = 24 + 16 + 60;
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(second + 8, MAX_RECORD + 1, le);
    const r1 = await readBytes(bad);
    assert.equal(r1.frames.length, 1);
    assert.equal(r1.summary.error?.offset, second);
    assert.equal(r1.summary.error?.packets, 1);
    assert.equal(
      r1.summary.error?.message,
      `Cannot read packet record: corrupt capture length ${MAX_RECORD + 1} at byte ${second}`,
    );
    // a huge length on the last record (not all buffered): same error, not a truncation
    const last = file.slice();
    new DataView(last.buffer).setUint32(second + 16 + 1514 + 8, 0xffffffff, le);
    const r2 = await readBytes(last);
    assert.equal(r2.frames.length, 2);
    assert.match(r2.summary.error!.message, /corrupt capture length 4294967295/);
    // a microsecond field >= 1,000,000 is a bad timestamp, not the end of the file: every record is read
    const frac = file.slice();
    new DataView(frac.buffer).setUint32(second + 4, 1_000_000, le);
    const r3 = await readBytes(frac);
    assert.equal(r3.frames.length, 3);
    assert.equal(r3.summary.error, undefined);
    assert.ok(Number.isNaN(r3.frames[1].tsUs), "the bad time is handed on as NaN for the decoder to count");
    // in a nanosecond file, 1e6 is a valid fraction
    const ns = pcapFile([{ sec: 1, frac: 1_000_000, data: data(4, 1) }], { le, nano: true });
    assert.equal((await readBytes(ns)).frames[0].tsUs, 1_001_000);
  }
});

Deno.test("an aborted signal stops the pcap reader without error", async () => {
  const many: PcapRecord[] = Array.from({ length: 50 }, (_, i) => ({ sec: i, frac: 0, data: data(20, i) }));
  const ac = new AbortController();
  ac.abort();
  const s = await readPcap(ByteStream.fromBytes(pcapFile(many)), () => {}, ac.signal);
  assert.equal(s.error, undefined);
  assert.ok(s.packets <= 50);
});
