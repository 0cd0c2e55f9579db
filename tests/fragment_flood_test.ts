/**
 * A real fragment flood: hping3 in namespace A sends UDP fragments with the more-fragments flag set
 * (`-x`: none ever completes) from random sources (`--rand-source`), each with a new IP id, while
 * tcpdump in namespace B records them. `ids replay` of that capture must hold the defrag stage at
 * its caps (evictions counted as decode events), keep its peak RSS bounded, and still reassemble a
 * real fragmented datagram sent after the flood.
 *
 * Needs root, ip netns, hping3, tcpdump and ping: skipped with the reason otherwise, failed under CI=true.
 */
import assert from "node:assert/strict";
import { hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import { canCreateLivePair, createLivePair, fragmentFloodArgs, MAIN, runIn, startIn } from "./_live_util.ts";

const FRAGMENTS = 60_000;
const RSS_LIMIT_MB = 400;
const missing = ["hping3", "tcpdump"].filter((t) => !hasCommand(t));
const OK = canCreateLivePair() && missing.length === 0;
const WHY = `needs root, ip netns, hping3 and tcpdump${missing.length ? ` (missing: ${missing.join(", ")})` : ""}`;
const NAME =
  `defrag under a real fragment flood (${FRAGMENTS} never-completing fragments, random sources) stays capped`;

Deno.test({
  name: NAME,
  ignore: ignoreUnless(NAME, OK, WHY),
  async fn() {
    prereq(NAME, OK, WHY);
    const p = await createLivePair("ff", 41);
    const dir = await Deno.makeTempDir({ prefix: "ids-fragflood-" });
    const pcap = `${dir}/flood.pcap`, cfg = `${dir}/config.json`;
    try {
      const cap = startIn(p.nsB, 60, ["tcpdump", "-i", p.ifB, "-n", "-s", "0", "-U", "-w", pcap, "ip"]);
      await new Promise((r) => setTimeout(r, 1000));
      const flood = await runIn(p.nsA, 60, fragmentFloodArgs(FRAGMENTS, p.addrB));
      assert.match(flood.stdout + flood.stderr, new RegExp(`${FRAGMENTS} packets transmitted`));
      // after the flood, one real fragmented datagram (the kernel fragments a 3000-byte ping)
      await runIn(p.nsA, 10, ["ping", "-c", "1", "-s", "3000", "-W", "1", p.addrB]);
      await new Promise((r) => setTimeout(r, 1000));
      await cap.stop();

      // small caps so the flood meets them: 4096 datagrams, 1 MiB in total
      await Deno.writeTextFile(
        cfg,
        JSON.stringify({ defrag: { max_datagrams: 4096, max_mb: 1, max_mb_per_source: 1 } }),
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "replay", pcap, "--json", "--config", cfg],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, err);
      const r = JSON.parse(new TextDecoder().decode(out.stdout));
      console.log(
        `fragment flood: ${JSON.stringify(r.defrag)}; decode events ${JSON.stringify(r.decode_events)}; ` +
          `peak RSS ${r.peak_rss_mb} MB`,
      );
      assert.ok(r.defrag.fragments >= FRAGMENTS * 0.99, `fragments seen: ${r.defrag.fragments}`);
      assert.ok(r.defrag.held_at_end <= 4096, `held ${r.defrag.held_at_end}`);
      assert.ok(r.defrag.evicted >= FRAGMENTS - 4096 - 1000, `evicted ${r.defrag.evicted}`);
      assert.equal(r.decode_events["defrag.evicted"], r.defrag.evicted);
      // the ping request is rebuilt (B's own kernel, its fragment memory full of the flood, may not answer it)
      assert.ok(r.defrag.reassembled >= 1, `the ping after the flood was rebuilt: ${r.defrag.reassembled}`);
      assert.ok(r.peak_rss_mb < RSS_LIMIT_MB, `peak RSS ${r.peak_rss_mb} MB`);
    } finally {
      await p.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
