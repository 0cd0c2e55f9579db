import assert from "node:assert/strict";
import {
  libpcapLinuxRing,
  linuxBufferSizeFor,
  linuxFrameSize,
  type LinuxLink,
  linuxPageSize,
  probeLinuxLink,
  type RingParams,
} from "./pcap_ring.ts";
import { posixPlatform, windowsPlatform } from "./npcap.ts";

const MIB = 1024 * 1024;
const ETH: LinuxLink = { cooked: false, ethernet: true, mtu: 1500, offload: true };
const defaults = (link: LinuxLink = ETH): RingParams => ({ snaplen: 2048, immediate: true, link });

Deno.test("linuxFrameSize: libpcap 1.10's TPACKET_V2 frame is the snaplen plus 68 bytes on Ethernet, aligned to 16", () => {
  assert.equal(linuxFrameSize(defaults()), 2128);
  assert.equal(linuxFrameSize({ ...defaults(), snaplen: 1960 }), 2032);
  assert.equal(linuxFrameSize({ ...defaults(), snaplen: 65535 }), 65616);
  // no offload: bounded by MTU + 18
  assert.equal(linuxFrameSize(defaults({ ...ETH, offload: false })), 1600);
  assert.equal(linuxFrameSize(defaults({ ...ETH, offload: false, mtu: 9000 })), 2128);
  // offload: bounded by 65,535 + 18
  assert.equal(linuxFrameSize({ ...defaults(), snaplen: 200_000 }), align16(68 + 65553));
  // cooked (`any`): no link header room, 8 bytes reserved, no MTU bound
  assert.equal(linuxFrameSize(defaults({ cooked: true, ethernet: false, mtu: 0, offload: false })), 2144);
  // non-Ethernet link (e.g. a tun): no MTU bound
  assert.equal(linuxFrameSize(defaults({ ...ETH, ethernet: false, offload: false })), 2128);
  // snaplen 0 or past MAXIMUM_SNAPLEN: 262,144; TPACKET_V3 (not immediate): 256 KiB "frames"
  assert.equal(linuxFrameSize({ ...defaults({ ...ETH, ethernet: false }), snaplen: 0 }), align16(68 + 262_144));
  assert.equal(linuxFrameSize({ ...defaults(), immediate: false }), 262_144);
});

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

Deno.test("libpcapLinuxRing: 32 MiB at the default 2,048-byte snaplen maps 63,076 kB (one frame per 4 KiB block)", () => {
  const ring = libpcapLinuxRing(32 * MIB, defaults());
  assert.deepEqual(ring, { frameSize: 2128, blockSize: 4096, framesPerBlock: 1, blocks: 15_769, bytes: 64_589_824 });
  assert.equal(ring.bytes / 1024, 63_076); // HL's /proc/PID/smaps reading
  assert.equal(libpcapLinuxRing(8 * MIB, defaults()).bytes / 1024, 15_772); // ditto for --buffer-mb 8
  // two frames per block below a ~1,960-byte snaplen: the ring is about the buffer size
  assert.equal(libpcapLinuxRing(32 * MIB, { ...defaults(), snaplen: 1960 }).framesPerBlock, 2);
  // TPACKET_V3: rounded up to 256 KiB blocks
  assert.equal(libpcapLinuxRing(32 * MIB + 1, { ...defaults(), immediate: false }).bytes, 32 * MIB + 256 * 1024);
});

Deno.test("linuxBufferSizeFor: libpcap's ring is the asked size within half a block, for any snaplen and link", () => {
  const links: LinuxLink[] = [
    ETH,
    { ...ETH, offload: false },
    { ...ETH, offload: false, mtu: 9000 },
    { ...ETH, mtu: 65536, pageSize: 65536 },
    { cooked: true, ethernet: false, mtu: 0, offload: false },
    { ...ETH, ethernet: false },
  ];
  let cases = 0;
  for (const link of links) {
    for (const immediate of [true, false]) {
      for (const snaplen of [0, 64, 96, 1500, 1518, 1960, 2048, 4000, 9000, 65535, 262_144, 300_000]) {
        for (const mb of [1, 2, 8, 32, 100, 256, 1024]) {
          const params = { snaplen, immediate, link };
          const asked = linuxBufferSizeFor(mb * MIB, params);
          const ring = libpcapLinuxRing(asked, params);
          const what = `${mb} MiB, snaplen ${snaplen}, immediate ${immediate}, ${JSON.stringify(link)}`;
          assert.ok(Number.isInteger(asked) && asked > 0 && asked < 2 ** 31, `${what}: asked ${asked}`);
          assert.ok(Math.abs(ring.bytes - mb * MIB) <= ring.blockSize / 2, `${what}: ring ${ring.bytes}`);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 6 * 2 * 12 * 7);
  // the defaults: 8,192 frames of 2,128 bytes
  assert.equal(linuxBufferSizeFor(32 * MIB, defaults()), 8192 * 2128);
  // at least one block; never past an int (`buffer_mb` goes to 4,096)
  assert.equal(libpcapLinuxRing(linuxBufferSizeFor(1, defaults()), defaults()).blocks, 1);
  const most = linuxBufferSizeFor(4096 * MIB, defaults());
  assert.ok(most <= 2 ** 31 - 1 && most > 2 ** 31 - 1 - 2128, String(most));
});

Deno.test("captureBufferSize: Linux asks libpcap for the ring's size; Windows, macOS and the BSDs pass the size on", () => {
  const probed: string[] = [];
  const probe = (iface: string): LinuxLink => (probed.push(iface), ETH);
  const capture = { iface: "eth1", snaplen: 2048, immediate: true };
  assert.equal(posixPlatform("linux", probe).captureBufferSize(32 * MIB, capture), 17_432_576);
  assert.deepEqual(probed, ["eth1"]);
  assert.equal(
    posixPlatform("linux", () => ({ ...ETH, offload: false })).captureBufferSize(32 * MIB, capture),
    8192 * 2 * 1600,
  );
  for (const os of ["darwin", "freebsd", "netbsd", "solaris"] as const) {
    assert.equal(posixPlatform(os, probe).captureBufferSize(32 * MIB, capture), 32 * MIB, os);
  }
  assert.deepEqual(probed, ["eth1"]); // not probed off Linux
  const win = windowsPlatform({ setDllDirectory: () => true });
  for (const mb of [1, 8, 32, 4096]) assert.equal(win.captureBufferSize(mb * MIB, capture), mb * MIB);
});

Deno.test({
  name: "probeLinuxLink: reads lo's link type and MTU, and the page size",
  ignore: Deno.build.os !== "linux",
  fn() {
    const lo = probeLinuxLink("lo");
    const mtu = Number(Deno.readTextFileSync("/sys/class/net/lo/mtu"));
    assert.deepEqual({ ...lo, offload: true }, {
      cooked: false,
      ethernet: true,
      mtu,
      offload: true,
      pageSize: lo.pageSize,
    });
    assert.ok(lo.pageSize !== undefined && lo.pageSize >= 4096 && (lo.pageSize & (lo.pageSize - 1)) === 0);
    assert.equal(linuxPageSize(), lo.pageSize);
    assert.equal(probeLinuxLink("any").cooked, true);
  },
});
