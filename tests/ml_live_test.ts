/**
 * The flow model in a live run (issue 11, "ML-labelled alerts appear in `ids run` output"): `ids run` in namespace B
 * with the committed model (on by default) while hping3 in namespace A floods it with SYNs. The alert line on
 * stderr and the EVE record carry the model's label (`SYN Flood (ML: 99.9%)`, EVE tag `ml`).
 *
 * Needs root, libpcap, ip netns, ethtool, ping and hping3: skipped with the reason otherwise, failed under CI=true.
 * The flood is bounded by count and by `timeout`, between the test's own namespaces.
 */
import assert from "node:assert/strict";
import { hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import {
  attackType,
  canCreateLivePair,
  createLivePair,
  type EveAlert,
  IdsProcess,
  parseEveLines,
  runIn,
} from "./_live_util.ts";

const OK = canCreateLivePair() && hasCommand("hping3");
const WHY = "needs root, libpcap, ip netns, ethtool, ping and hping3 — run the tests as root";
/** The EVE signature (the alert label). */
const signature = (a: EveAlert): string => (a.alert as unknown as { signature: string }).signature;
const NAME = "ids run: a real SYN flood gets the model's label on the alert line and in EVE (tag ml)";

Deno.test({
  name: NAME,
  ignore: ignoreUnless(NAME, OK, WHY),
  async fn() {
    prereq(NAME, OK, WHY);
    const p = await createLivePair("ml", 44);
    const dir = await Deno.makeTempDir({ prefix: "idslive-ml-" });
    const eve = `${dir}/eve.json`;
    const ids = new IdsProcess(["run", "--iface", p.ifB, "--eve", eve, "--alert-lines", "--no-data"], {
      ns: p.nsB,
      maxSeconds: 60,
    });
    try {
      await ids.capturing();
      const r = await runIn(p.nsA, 20, ["hping3", "-q", "-S", "-p", "80", "-i", "u300", "-c", "3000", p.addrB]);
      assert.match(r.stdout + r.stderr, /^3000 packets transmitted/m, r.stdout + r.stderr);
      await new Promise((res) => setTimeout(res, 500));
      const { status } = await ids.stop("SIGINT");
      assert.equal(status.code, 0, ids.stderr);
      assert.doesNotMatch(ids.stderr, /heuristics only/, "the committed model loaded");

      const syn = parseEveLines(await Deno.readTextFile(eve)).filter((a) => attackType(a) === "syn_flood");
      assert.ok(syn.length > 0, `a syn_flood alert; stderr: ${ids.stderr}`);
      const byModel = syn.filter((a) => a.alert.metadata.tag.includes("ml"));
      assert.ok(byModel.length > 0, `labels: ${syn.map(signature).join()}`);
      for (const a of byModel) {
        assert.match(signature(a), /^SYN Flood \(ML: \d{2,3}\.\d%\)$/);
        assert.equal(a.src_ip, p.addrA);
      }
      const lines = ids.stderr.split("\n").filter((l) => l.includes("SYN Flood (ML: "));
      assert.ok(lines.length > 0, `an alert line with the model's label on stderr:\n${ids.stderr}`);
      assert.ok(lines[0].includes(p.addrA), lines[0]);
    } finally {
      ids.kill("SIGKILL");
      await ids.wait();
      await p.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
