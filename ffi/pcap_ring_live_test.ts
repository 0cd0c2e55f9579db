/**
 * The capture ring libpcap really maps on Linux is `capture.buffer_mb`: live handles opened on a veth of a fresh
 * network namespace, for several (buffer size, snaplen) pairs and with the veth's offloads on and off, and the size
 * of their packet socket's mapping read from /proc/self/maps. Needs root, Linux, libpcap and `ip netns` (`ethtool`
 * for the offloads-off case): skipped with the reason otherwise, failed under CI=true.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadPcap, PcapHandle, type PcapLibrary } from "./npcap.ts";
import { libpcapLinuxRing, probeLinuxLink } from "./pcap_ring.ts";
import { canUseNetns, hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import { createVethNamespace, sh } from "../testing/netns.ts";

const MIB = 1024 * 1024;
let lib: PcapLibrary | undefined;
try {
  lib = loadPcap();
} catch {
  lib = undefined;
}
const OK = lib !== undefined && canUseNetns();
const WHY = "needs Linux, root, libpcap and `ip netns` (run the tests as root)";

/** Start → size (bytes) of this process's packet socket mappings (`socket:[inode]`, the capture rings). */
function socketMappings(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of Deno.readTextFileSync("/proc/self/maps").split("\n")) {
    if (!/ socket:\[\d+\]$/.test(line)) continue;
    const [from, to] = line.split(" ")[0].split("-");
    out.set(from, Number(BigInt(`0x${to}`) - BigInt(`0x${from}`)));
  }
  return out;
}

/** Opens a live handle on `iface`, returns the size of the ring it mapped, and closes it. */
function mappedRing(iface: string, bufferMb: number, snaplen: number): number {
  const before = socketMappings();
  const h = PcapHandle.openLive(lib!, iface, { snaplen, bufferSize: bufferMb * MIB });
  try {
    const added = [...socketMappings()].filter(([start]) => !before.has(start));
    assert.equal(added.length, 1, `one new packet socket mapping, got ${JSON.stringify(added)}`);
    return added[0][1];
  } finally {
    h.close();
  }
}

const PAIRS: [bufferMb: number, snaplen: number][] = [[32, 2048], [8, 2048], [16, 1500], [4, 65535], [2, 96], [
  64,
  9000,
]];

function checkPairs(iface: string): string[] {
  const link = probeLinuxLink(iface);
  const seen: string[] = [];
  for (const [mb, snaplen] of PAIRS) {
    const bytes = mappedRing(iface, mb, snaplen);
    const { blockSize } = libpcapLinuxRing(mb * MIB, { snaplen, immediate: true, link });
    seen.push(`${mb} MiB/${snaplen}: ${bytes / 1024} kB`);
    assert.ok(
      Math.abs(bytes - mb * MIB) <= blockSize,
      `buffer ${mb} MiB, snaplen ${snaplen} (${JSON.stringify(link)}): the ring is ${bytes} bytes, ` +
        `not ${mb * MIB} within one ${blockSize}-byte block`,
    );
  }
  return seen;
}

const NAME = "live capture ring on a veth: mapped size is the buffer size within one block, for several snaplens";
Deno.test({
  name: NAME,
  ignore: ignoreUnless(NAME, OK, WHY),
  async fn(t) {
    prereq(NAME, OK, WHY);
    const v = await createVethNamespace("ring", 7);
    try {
      await t.step("offloads on (the default on a veth)", () => {
        assert.equal(probeLinuxLink(v.hostIf).offload, true);
        console.log(checkPairs(v.hostIf).join("; "));
      });
      await t.step("offloads off (frames bounded by MTU + 18)", async () => {
        if (!prereq(`${NAME}: offloads off`, hasCommand("ethtool", ["--version"]), "needs ethtool")) return;
        await sh(["ethtool", "-K", v.hostIf, "tso", "off", "gso", "off", "gro", "off"]);
        const link = probeLinuxLink(v.hostIf);
        assert.deepEqual({ offload: link.offload, mtu: link.mtu }, { offload: false, mtu: 1500 });
        console.log(checkPairs(v.hostIf).join("; "));
      });
    } finally {
      await v.cleanup();
    }
  },
});
