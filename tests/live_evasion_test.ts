/**
 * The evasion cases live: `ids run` inside namespace B captures on its veth while namespace A sends
 * a fragmented nmap scan, overlapping fragments with different data (scapy), SQL injection over HTTP
 * on port 9999 (curl), and the decoy / bad-checksum insertions against B's logging HTTP server
 * (scapy). Each must appear in the EVE file.
 *
 * Needs root, libpcap, ip netns, nmap, curl, /usr/bin/python3 with scapy and iptables: skipped with
 * the reason otherwise, failed under CI=true. Traffic stays between the test's own namespaces.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import {
  attackType,
  canCreateLivePair,
  createLivePair,
  curlArgs,
  type EveAlert,
  IdsProcess,
  mustRunIn,
  parseEveLines,
  startIn,
} from "./_live_util.ts";

const LIB = fileURLToPath(new URL("./evasion/lib/", import.meta.url));
const PY = "/usr/bin/python3";

function hasScapy(): boolean {
  try {
    return new Deno.Command(PY, { args: ["-c", "import scapy.all"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

const missing = ["nmap", "curl", "iptables"].filter((t) => !hasCommand(t));
if (!hasScapy()) missing.push("python3-scapy");
const OK = canCreateLivePair() && missing.length === 0;
const WHY = `needs root, libpcap, ip netns, nmap, curl, iptables and python3-scapy` +
  (missing.length ? ` (missing: ${missing.join(", ")})` : "") + " — run the tests as root";
const NAME = "ids run: fragmented scan, fragment overlap, HTTP on port 9999, decoy and bad-checksum insertions";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: NAME,
  ignore: ignoreUnless(NAME, OK, WHY),
  async fn() {
    prereq(NAME, OK, WHY);
    const p = await createLivePair("ev", 40);
    const dir = await Deno.makeTempDir({ prefix: "idslive-ev-" });
    const eve = `${dir}/eve.json`, log80 = `${dir}/server80.log`, log9999 = `${dir}/server9999.log`;
    const s80 = startIn(p.nsB, 90, [PY, `${LIB}http_log_server.py`, p.addrB, "80", log80]);
    const s9999 = startIn(p.nsB, 90, [PY, `${LIB}http_log_server.py`, p.addrB, "9999", log9999]);
    const ids = new IdsProcess(["run", "--iface", p.ifB, "--eve", eve], { ns: p.nsB, maxSeconds: 90 });
    try {
      await ids.capturing();
      await mustRunIn(p.nsA, 30, ["nmap", "-sS", "-f", "-n", "-Pn", "-p", "1-100", "--max-retries", "0", p.addrB]);
      await mustRunIn(p.nsA, 30, [PY, `${LIB}frag_overlap.py`, p.addrA, p.addrB]);
      const curl = await mustRunIn(
        p.nsA,
        20,
        curlArgs(`http://${p.addrB}:9999/item?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--%20-`),
      );
      assert.equal(curl.stdout, "200");
      // the throttle passes one alert per source and type every 2 s: space the second of each type
      await sleep(2300);
      await mustRunIn(p.nsA, 10, [
        "iptables",
        "-A",
        "OUTPUT",
        "-p",
        "tcp",
        "--tcp-flags",
        "RST",
        "RST",
        "-d",
        p.addrB,
        "--dport",
        "80",
        "-j",
        "DROP",
      ]);
      await mustRunIn(p.nsA, 30, [PY, `${LIB}tcp_insertion.py`, "decoy", p.addrA, p.addrB, "80", "41001"]);
      await mustRunIn(p.nsA, 30, [PY, `${LIB}tcp_insertion.py`, "badsum", p.addrA, p.addrB, "80", "41002"]);
      await sleep(300);
      const { status } = await ids.stop("SIGINT");
      assert.equal(status.code, 0, `exit 0; stderr: ${ids.stderr}`);

      // what the server kept: the decoy (first copy) on the first connection, the injection on the second
      const kept = (await Deno.readTextFile(log80)).trim().split("\n");
      assert.deepEqual(kept.map((l) => l.includes("UNION")), [false, true], kept.join("\n"));

      const alerts = parseEveLines(await Deno.readTextFile(eve));
      const of = (type: string) => alerts.filter((a: EveAlert) => attackType(a) === type && a.src_ip === p.addrA);
      const summary = alerts.map((a) => `${attackType(a)} ${a.src_ip}->${a.dest_ip}:${a.dest_port}`).join(", ");
      assert.ok(of("port_scan").length >= 1, `port_scan from the fragmented scan: ${summary}`);
      const evasion = of("evasion");
      const tags = evasion.flatMap((a) => a.alert.metadata.tag);
      assert.ok(tags.includes("ip_fragment_overlap"), `fragment overlap reported: ${summary}`);
      assert.ok(tags.includes("tcp_segment_overlap"), `segment overlap reported: ${summary}`);
      const sqli = of("sql_injection");
      assert.deepEqual(
        sqli.map((a) => a.dest_port as number).sort((x, y) => x - y),
        [80, 9999],
        `SQL injections: ${summary}`,
      );
    } finally {
      ids.kill("SIGKILL");
      await ids.wait();
      await s80.stop();
      await s9999.stop();
      await p.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
