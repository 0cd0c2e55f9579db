/**
 * pcapng reader: sections of both byte orders, several interfaces with different link types and
 * timestamp resolutions, EPB / SPB / obsolete PB, blocks it must skip, truncation at every offset.
 */
import assert from "node:assert/strict";
import { concat, type NgBlock, ngBlock, ngEncode, ngShb, pcapngFile, readBytes } from "./_test_pcap_writer.ts";

function data(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 17 + i * 3) & 255;
  return b;
}

const US = 1_700_000_000_123_456; // a timestamp in µs
const NS = BigInt(US) * 1000n + 789n;

/** Blocks pcapng readers must skip: NRB, ISB, DSB, custom (both kinds), an unknown type. */
const SKIPPED: NgBlock[] = [
  { type: "other", blockType: 4, body: new Uint8Array([1, 0, 4, 0, 10, 0, 0, 1, 0, 0, 0, 0]) }, // NRB
  { type: "other", blockType: 5, body: new Uint8Array(12) }, // ISB
  { type: "other", blockType: 0x0000000a, body: new Uint8Array(8) }, // DSB
  { type: "other", blockType: 0x00000bad, body: new Uint8Array([0x00, 0x00, 0x7e, 0x6b, 9, 9, 9]) }, // custom
  { type: "other", blockType: 0x40000bad, body: new Uint8Array([0x00, 0x00, 0x7e, 0x6b]) }, // custom, no copy
  { type: "other", blockType: 0x12345678, body: new Uint8Array(0) }, // unknown
];

Deno.test("pcapng: several interfaces with different link types and resolutions (6, 9, binary, 3)", async () => {
  for (const le of [true, false]) {
    const file = pcapngFile([{
      le,
      options: [{ code: 4, value: new TextEncoder().encode("test writer") }],
      blocks: [
        { type: "idb", linkType: 1, snaplen: 262144, name: "eth0" }, // default resolution: µs
        { type: "idb", linkType: 101, snaplen: 65535, tsresol: 9, name: "tun0" },
        { type: "idb", linkType: 113, tsresol: 0x80 | 20 }, // 2^20 ticks per second
        { type: "idb", linkType: 276, tsresol: 3 }, // milliseconds
        { type: "idb", linkType: 0, tsresol: 6 },
        ...SKIPPED.slice(0, 2),
        { type: "epb", iface: 0, ticks: BigInt(US), data: data(60, 0), origLen: 60 },
        { type: "epb", iface: 1, ticks: NS, data: data(41, 1), origLen: 1500 },
        { type: "epb", iface: 2, ticks: (BigInt(US) << 20n) / 1_000_000n + 1n, data: data(7, 2) },
        { type: "epb", iface: 3, ticks: 1_700_000_000_123n, data: data(33, 3) },
        { type: "epb", iface: 4, ticks: BigInt(US), data: data(24, 4) },
        ...SKIPPED.slice(2),
        {
          type: "epb",
          iface: 1,
          ticks: 1_700_000_000_000_000_999n,
          data: data(3, 5),
          options: [{ code: 1, value: new TextEncoder().encode("comment") }],
        },
      ],
    }]);
    const { frames, summary } = await readBytes(file);
    assert.equal(summary.error, undefined, `le=${le}`);
    assert.equal(summary.packets, 6);
    assert.equal(summary.bytes, 60 + 41 + 7 + 33 + 24 + 3);
    assert.deepEqual(frames.map((f) => f.linkType), [1, 101, 113, 276, 0, 101]);
    assert.deepEqual(frames.map((f) => f.iface), [0, 1, 2, 3, 4, 1]);
    assert.deepEqual(frames.map((f) => f.caplen), [60, 41, 7, 33, 24, 3]);
    assert.deepEqual(frames.map((f) => f.len), [60, 1500, 7, 33, 24, 3]);
    const binTicks = (BigInt(US) << 20n) / 1_000_000n + 1n;
    assert.deepEqual(frames.map((f) => f.tsUs), [
      US,
      US, // ns, rounded down to the µs
      Number((binTicks * 1_000_000n) >> 20n),
      1_700_000_000_123_000,
      US,
      1_700_000_000_000_000,
    ]);
    assert.deepEqual(frames[1].data, [...data(41, 1)]);
    assert.deepEqual(frames[5].data, [...data(3, 5)]);
  }
});

Deno.test("pcapng nanosecond timestamps are exact to the µs across many values", async () => {
  const blocks: NgBlock[] = [{ type: "idb", linkType: 1, tsresol: 9 }];
  const want: number[] = [];
  let x = 0x12345678;
  for (let i = 0; i < 3000; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    const us = 1_500_000_000_000_000 + x * 97 + i;
    want.push(us);
    blocks.push({ type: "epb", iface: 0, ticks: BigInt(us) * 1000n + BigInt(x % 1000), data: data(1, i) });
  }
  const { frames } = await readBytes(pcapngFile([{ blocks }]));
  assert.deepEqual(frames.map((f) => f.tsUs), want);
});

Deno.test("pcapng if_tsoffset (signed seconds) is added", async () => {
  for (const le of [true, false]) {
    const file = pcapngFile([{
      le,
      blocks: [
        { type: "idb", linkType: 1, tsoffset: 1_000_000_000n },
        { type: "idb", linkType: 1, tsoffset: -5n, tsresol: 9 },
        { type: "epb", iface: 0, ticks: 5_000_000n, data: data(1, 1) },
        { type: "epb", iface: 1, ticks: 10_000_000_000n, data: data(1, 1) },
      ],
    }]);
    const { frames } = await readBytes(file);
    assert.deepEqual(frames.map((f) => f.tsUs), [1_000_000_005_000_000, 5_000_000]);
  }
});

Deno.test("pcapng SPB (snaplen applies, no timestamp) and obsolete Packet Block", async () => {
  for (const le of [true, false]) {
    const file = pcapngFile([{
      le,
      blocks: [
        { type: "idb", linkType: 1, snaplen: 50 },
        { type: "idb", linkType: 101, tsresol: 9 },
        { type: "spb", data: data(64, 1), origLen: 64 }, // longer than the snaplen: cut to 50
        { type: "spb", data: data(30, 2), origLen: 30 }, // 2 bytes of block padding are not data
        { type: "spb", data: data(31, 3), origLen: 20 }, // padding bytes beyond the original length
        { type: "pb", iface: 1, ticks: NS, data: data(21, 4), origLen: 99 },
      ],
    }]);
    const { frames, summary } = await readBytes(file);
    assert.equal(summary.error, undefined);
    assert.deepEqual(frames.map((f) => f.caplen), [50, 30, 20, 21]);
    assert.deepEqual(frames.map((f) => f.len), [64, 30, 20, 99]);
    assert.deepEqual(frames.map((f) => f.tsUs), [0, 0, 0, US]);
    assert.deepEqual(frames.map((f) => f.linkType), [1, 1, 1, 101]);
    assert.deepEqual(frames.map((f) => f.iface), [0, 0, 0, 1]);
    assert.deepEqual(frames[0].data, [...data(64, 1).subarray(0, 50)]);
    assert.deepEqual(frames[3].data, [...data(21, 4)]);
  }
});

Deno.test("pcapng: several sections of alternating byte order; interfaces are per section", async () => {
  const file = pcapngFile([
    {
      le: true,
      blocks: [{ type: "idb", linkType: 1 }, { type: "epb", iface: 0, ticks: 1n, data: data(5, 1) }],
    },
    {
      le: false,
      blocks: [
        { type: "idb", linkType: 113, tsresol: 9 },
        { type: "idb", linkType: 101 },
        ...SKIPPED,
        { type: "epb", iface: 0, ticks: 2000n, data: data(6, 2) },
        { type: "epb", iface: 1, ticks: 3n, data: data(7, 3) },
      ],
    },
    { le: true, blocks: [] },
    {
      le: true,
      blocks: [{ type: "idb", linkType: 276 }, { type: "epb", iface: 0, ticks: 4n, data: data(8, 4) }],
    },
  ]);
  const { frames, summary } = await readBytes(file);
  assert.equal(summary.error, undefined);
  assert.deepEqual(frames.map((f) => [f.linkType, f.iface, f.tsUs, f.caplen]), [
    [1, 0, 1, 5],
    [113, 0, 2, 6],
    [101, 1, 3, 7],
    [276, 0, 4, 8],
  ]);
  // an interface of an earlier section is gone in the next one
  const stale = pcapngFile([
    { blocks: [{ type: "idb", linkType: 1 }, { type: "idb", linkType: 1 }] },
    { le: false, blocks: [{ type: "idb", linkType: 1 }, { type: "epb", iface: 1, ticks: 0n, data: data(1, 1) }] },
  ]);
  const r = await readBytes(stale);
  assert.equal(r.frames.length, 0);
  assert.match(r.summary.error!.message, /^Cannot read enhanced packet block: unknown interface 1 at byte \d+$/);
});

Deno.test("pcapng truncated at every offset: one error naming the byte offset, all earlier packets delivered", async () => {
  for (const le of [true, false]) {
    const blocks: NgBlock[] = [
      { type: "idb", linkType: 1 },
      { type: "epb", iface: 0, ticks: 1n, data: data(30, 1) },
      SKIPPED[0],
      { type: "epb", iface: 0, ticks: 2n, data: data(1, 2) },
      { type: "spb", data: data(9, 3) },
    ];
    const file = pcapngFile([{ le, blocks }]);
    // block boundaries and which are packets
    const ends: { end: number; packet: boolean }[] = [];
    let at = ngShb(le).length;
    ends.push({ end: at, packet: false });
    for (const b of blocks) {
      at += ngEncode(b, le).length;
      ends.push({ end: at, packet: b.type === "epb" || b.type === "spb" });
    }
    assert.equal(at, file.length);
    for (let cut = 4; cut < file.length; cut++) {
      const where = `le=${le} cut=${cut}`;
      const { frames, summary } = await readBytes(file.slice(0, cut));
      const complete = ends.filter((e) => e.end <= cut && e.packet).length;
      assert.equal(frames.length, complete, `${where}: frames`);
      assert.equal(summary.packets, complete, `${where}: packets`);
      if (ends.some((e) => e.end === cut)) {
        assert.equal(summary.error, undefined, `${where}: a cut between blocks is a clean end`);
        continue;
      }
      const err = summary.error;
      assert.ok(err, `${where}: error expected`);
      const blockStart = [0, ...ends.map((e) => e.end)].filter((e) => e <= cut).pop()!;
      assert.equal(err.offset, blockStart, `${where}: offset of the cut block`);
      assert.equal(err.packets, complete);
      assert.match(
        err.message,
        new RegExp(`^Cannot read pcapng block: file truncated at byte ${cut} \\(.*at byte ${blockStart}\\b`),
        `${where}: ${err.message}`,
      );
    }
  }
});

Deno.test("pcapng corrupt blocks: lengths, trailer, byte-order magic, first block, short blocks", async () => {
  const good = pcapngFile([{
    blocks: [{ type: "idb", linkType: 1 }, { type: "epb", iface: 0, ticks: 1n, data: data(8, 1) }],
  }]);
  const shbLen = ngShb().length, idbLen = ngEncode({ type: "idb", linkType: 1 }).length;
  const epbAt = shbLen + idbLen;
  const mutate = (f: (v: DataView) => void) => {
    const b = good.slice();
    f(new DataView(b.buffer));
    return readBytes(b);
  };
  const cases: [string, (v: DataView) => void, RegExp][] = [
    [
      "length not a multiple of 4",
      (v) => v.setUint32(epbAt + 4, 30, true),
      /^Cannot read pcapng block: corrupt block length 30 at byte 48$/,
    ],
    ["length below 12", (v) => v.setUint32(epbAt + 4, 8, true), /corrupt block length 8 at byte 48/],
    ["length huge", (v) => v.setUint32(epbAt + 4, 0x7ffffffc, true), /corrupt block length 2147483644 at byte 48/],
    ["trailer mismatch", (v) => v.setUint32(good.length - 4, 99, true), /trailing length does not match at byte 48/],
    ["bad byte-order magic", (v) => v.setUint32(8, 0x11223344, true), /bad byte-order magic at byte 8/],
    [
      "capture length past the block",
      (v) => v.setUint32(epbAt + 20, 100, true),
      /capture length 100 exceeds block at byte 48/,
    ],
    ["unknown interface", (v) => v.setUint32(epbAt + 8, 7, true), /unknown interface 7 at byte 48/],
  ];
  assert.equal(epbAt, 48);
  for (const [name, f, re] of cases) {
    const { frames, summary } = await mutate(f);
    assert.equal(frames.length, 0, name);
    assert.ok(summary.error, name);
    assert.match(summary.error.message, re, name);
    assert.equal(summary.error.packets, 0);
  }
  // blocks too short for their fixed fields
  for (
    const [type, re] of [[6, /enhanced packet block: too short/], [1, /interface description block: too short/], [
      3,
      /simple packet block: too short/,
    ], [2, /packet block: too short/]] as const
  ) {
    const file = concat(
      ngShb(),
      ngEncode({ type: "idb", linkType: 1 }),
      ngBlock(type, new Uint8Array(type === 3 ? 0 : 4)),
    );
    const { frames, summary } = await readBytes(file);
    assert.equal(frames.length, 0);
    assert.match(summary.error!.message, re);
  }
  // packets before an IDB
  const early = concat(ngShb(), ngEncode({ type: "spb", data: data(4, 1) }));
  assert.match(
    (await readBytes(early)).summary.error!.message,
    /^Cannot read simple packet block: no interface at byte 28$/,
  );
});
