/**
 * `ids run --eve -` stops cleanly on SIGINT and SIGTERM (issue "Live capture"): within 3 s, exit 0, stdout
 * holds only EVE lines, and alerts raised just before the signal are written — including the port scan,
 * whose verdict waits for its probes' grace period and so only comes from the flush at stop.
 *
 * Needs root, `ip netns`, ethtool, nmap, hping3 and libpcap: skipped with the reason otherwise, failed
 * under CI=true. Traffic stays between the test's own namespaces; generators are bounded.
 */
import assert from "node:assert/strict";
import { validateEve } from "../alerts/eve_schema_test_util.ts";
import { hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import {
  attackType,
  canCreateLivePair,
  createLivePair,
  IdsProcess,
  mustRunIn,
  parseEveLines,
  parseExitCounters,
  runIn,
} from "./_live_util.ts";

const TOOLS = ["nmap", "hping3"];
const missingTools = TOOLS.filter((t) => !hasCommand(t));
const OK = canCreateLivePair() && missingTools.length === 0;
const WHY = `needs root, libpcap, ip netns, ethtool, ping and ${TOOLS.join(", ")}` +
  (missingTools.length ? ` (missing: ${missingTools.join(", ")})` : "") + " — run the tests as root";

for (const [i, signal] of (["SIGINT", "SIGTERM"] as const).entries()) {
  const name = `ids run --eve -: ${signal} stops within 3 s with exit 0, flushing the alerts raised just before`;
  Deno.test({
    name,
    ignore: ignoreUnless(name, OK, WHY),
    async fn() {
      prereq(name, OK, WHY);
      const p = await createLivePair(`s${i}`, 8 + i);
      const ids = new IdsProcess(["run", "--iface", p.ifB, "--eve", "-"], { ns: p.nsB, maxSeconds: 40 });
      try {
        await ids.capturing();
        // a SYN flood then a scan (SYNs to many ports within the flood window would make the flood a scan)
        const h = await runIn(p.nsA, 20, ["hping3", "-q", "-S", "-p", "80", "-i", "u1000", "-c", "100", p.addrB]);
        assert.match(h.stderr + h.stdout, /^100 packets transmitted/m);
        await mustRunIn(p.nsA, 20, ["nmap", "-sS", "-n", "-Pn", "-p", "1000-1030", "--max-retries", "0", p.addrB]);
        // the signal right after the traffic: the scan's verdict (and maybe the flood's) is still pending
        const { status, ms } = await ids.stop(signal);
        assert.equal(status.code, 0, `exit 0 after ${signal}; stderr: ${ids.stderr}`);
        assert.ok(ms < 3000, `stopped ${ms.toFixed(0)} ms after ${signal}`);

        const alerts = parseEveLines(ids.stdout); // throws on any line that is not a JSON object
        for (const a of alerts) assert.deepEqual(validateEve(a), [], `invalid EVE: ${JSON.stringify(a)}`);
        const types = alerts.filter((a) => a.src_ip === p.addrA && a.dest_ip === p.addrB).map(attackType);
        assert.ok(types.includes("syn_flood"), `syn_flood on stdout: ${ids.stdout}`);
        assert.ok(types.includes("port_scan"), `port_scan flushed at stop: ${ids.stdout}`);
        assert.ok(ids.stdout.endsWith("\n"), "the last EVE line is complete");

        const c = parseExitCounters(ids.stderr);
        assert.ok(c, `counters on stderr: ${ids.stderr}`);
        assert.equal(Object.values(c.alerts).reduce((s, n) => s + n, 0), alerts.length, "every alert written");
        assert.doesNotMatch(ids.stderr, /Stack backtrace|Uncaught|error:/i);
      } finally {
        ids.kill("SIGKILL");
        await ids.wait();
        await p.cleanup();
      }
    },
  });
}
