/** ARP decoder at every truncation point, and ARP it does not handle. */
import assert from "node:assert/strict";
import { LinkType } from "../capture/packet_source.ts";
import { cat, eth, v4n } from "./_test_frames.ts";
import { checkEveryPrefix, decodeOne, makeSpec } from "./_test_model.ts";
import { EtherType } from "./link.ts";

Deno.test("ARP request and reply over Ethernet: every truncation point", () => {
  for (const op of [1, 2]) {
    const spec = makeSpec({
      name: `arp op ${op}`,
      linkType: LinkType.ETHERNET,
      link: { kind: "eth", etherType: EtherType.ARP },
      arp: { op, spa: "10.77.0.2", tpa: "10.77.0.1" },
    });
    assert.equal(spec.bytes.length, 14 + 28);
    const pkt = checkEveryPrefix(spec);
    assert.equal(pkt.isArp, true);
    assert.equal(pkt.arpOp, op);
    assert.equal(pkt.arpSpa, v4n("10.77.0.2"));
    assert.equal(pkt.arpTpa, v4n("10.77.0.1"));
    assert.equal(pkt.ipVersion, 0, "ARP is not an IP packet");
  }
});

Deno.test("ARP over 802.1Q with Ethernet padding", () => {
  const spec = makeSpec({
    name: "vlan arp",
    linkType: LinkType.ETHERNET,
    link: { kind: "eth", tags: [{ tpid: EtherType.VLAN, vid: 10 }], etherType: EtherType.ARP },
    arp: { op: 1, spa: "10.77.10.2", tpa: "10.77.10.1" },
  });
  checkEveryPrefix(spec);
  const padded = decodeOne(cat(spec.bytes, new Uint8Array(18)), LinkType.ETHERNET);
  assert.equal(padded.dec.events.total(), 0);
  assert.equal(padded.pkt.isArp, true);
  assert.equal(padded.pkt.vlanId, 10);
});

Deno.test("ARP with a non-IPv4 protocol address length is unsupported, not truncated", () => {
  // hardware type 1, protocol 0x86dd, hlen 6, plen 16
  const body = cat([0, 1, 0x86, 0xdd, 6, 16, 0, 1], new Uint8Array(6 + 16 + 6 + 16));
  const { pkt, dec } = decodeOne(cat(eth(EtherType.ARP), body), LinkType.ETHERNET);
  assert.deepEqual(dec.events.toObject(), { "arp.unsupported": 1 });
  assert.equal(pkt.isArp, false);
  assert.equal(pkt.arpOp, 1);
  // the same header with the addresses cut
  const cut = decodeOne(cat(eth(EtherType.ARP), body.subarray(0, 20)), LinkType.ETHERNET);
  assert.deepEqual(cut.dec.events.toObject(), { "arp.truncated": 1 });
});
