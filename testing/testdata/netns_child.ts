/**
 * Test helper run as a subprocess by testing/netns_test.ts: creates a veth namespace and a live pair with the
 * SAME tag and index as its sibling process, holds them while the sibling does the same, checks they still
 * work (ping both ways), and prints one JSON line with the names, addresses and results.
 *
 * @module
 */
import { createVethNamespace, sh } from "../netns.ts";
import { createLivePair, runIn } from "../../tests/_live_util.ts";

const holdMs = Number(Deno.args[0] ?? "1500");
const v = await createVethNamespace("dup", 0);
const p = await createLivePair("dup", 0);
try {
  await new Promise((r) => setTimeout(r, holdMs));
  const vethPing = await sh(["ping", "-q", "-n", "-c", "2", "-i", "0.05", "-W", "1", v.nsAddr], { allowFail: true });
  const pairPing = await runIn(p.nsA, 10, ["ping", "-q", "-n", "-c", "2", "-i", "0.05", "-W", "1", p.addrB]);
  const netns = await sh(["ip", "netns", "list"]);
  console.log(JSON.stringify({
    names: [v.ns, v.hostIf, v.nsIf, p.nsA, p.nsB, p.ifA, p.ifB],
    hostAddr: v.hostAddr,
    vethOk: / 0% packet loss/.test(vethPing),
    pairOk: / 0% packet loss/.test(pairPing.stdout),
    nsPresent: [v.ns, p.nsA, p.nsB].every((n) => netns.split("\n").some((l) => l.split(" ")[0] === n)),
  }));
} finally {
  await v.cleanup();
  await p.cleanup();
}
