/**
 * The IPS in replays: simulated by default (the firewall is never touched without --ips-firewall),
 * blocks decided on packet time, and a spoofed-source flood makes no block at all.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Alert } from "../core/alert.ts";
import type { BlockEvent } from "../core/block.ts";
import { validateConfig } from "../config/schema.ts";
import { createIps } from "../ips/setup.ts";
import { Hub } from "../sensor/hub.ts";
import { replayFiles } from "../sensor/replay.ts";
import { sh } from "../testing/netns.ts";
import { canUseNetns, hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import { MAIN } from "./_live_util.ts";

const corpus = (name: string) => fileURLToPath(new URL(`./corpus/${name}`, import.meta.url));

async function replayWithIps(file: string) {
  const config = validateConfig({ ips: { enabled: true } });
  const hub = new Hub();
  const blocks: BlockEvent[] = [];
  const alerts: Alert[] = [];
  hub.subscribe({ name: "blocks", kinds: ["block"], handle: (e) => void (e.kind === "block" && blocks.push(e.block)) });
  const lines: string[] = [];
  const ips = await createIps({ config, mode: "simulated", bus: hub, clock: "packet", log: (l) => lines.push(l) });
  try {
    await replayFiles([file], { config, hub, ips: ips.stage, onAlert: (a) => alerts.push(a) });
  } finally {
    ips.close();
    await hub.close();
  }
  return { alerts, blocks, lines, ips };
}

Deno.test("IPS replay: a spoofed-source SYN flood makes zero blocks, and the alerts say why", async () => {
  const { alerts, blocks, ips } = await replayWithIps(corpus("syn_flood_spoofed.pcap.gz"));
  assert.ok(alerts.length > 0, "the flood is detected");
  assert.ok(alerts.every((a) => a.spoofed && a.action === "allowed"));
  for (const a of alerts) assert.match(a.reason, /IPS: spoofed sources, not blocked per source/);
  assert.deepEqual(blocks, []);
  assert.deepEqual(ips.ips.active(), []);
});

Deno.test("IPS replay: a real scan gets a simulated block on packet time; the alert stays allowed", async () => {
  const { alerts, blocks, lines } = await replayWithIps(corpus("nmap_syn.pcap.gz"));
  const scan = alerts.find((a) => a.type === "port_scan");
  assert.ok(scan, "a port scan alert");
  assert.equal(scan.action, "allowed", "a simulated block is not a block");
  assert.match(scan.reason, /IPS: simulated block for 60 s/);
  assert.equal(blocks.length, 1);
  const [b] = blocks;
  assert.deepEqual([b.ip, b.status, b.backend, b.durationS, b.type], [
    scan.src,
    "simulated",
    "simulated",
    60,
    "port_scan",
  ]);
  assert.equal(b.startMs, Math.floor(scan.tsUs / 1000), "starts at the alert's packet time");
  assert.equal(b.expiresMs, b.startMs + 60_000);
  assert.match(lines.join("\n"), /IPS: simulated blocks \(the firewall is not touched\)/);
});

Deno.test("ids replay: --ips-firewall and --no-ips together are bad usage", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "replay", corpus("nmap_syn.pcap.gz"), "--ips-firewall", "--no-ips"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /--ips-firewall and --no-ips contradict each other/);
});

const NS_OK = canUseNetns() && hasCommand("nft", ["--version"]);
const NS_NAME = "ids replay --ips in a namespace leaves the firewall untouched; --ips-firewall blocks for real";
Deno.test({
  name: NS_NAME,
  ignore: ignoreUnless(NS_NAME, NS_OK, "needs root, ip netns and nft"),
  async fn() {
    if (!prereq(NS_NAME, NS_OK, "needs root, ip netns and nft")) return;
    const ns = `idsips-r${Deno.pid}`;
    await sh(["ip", "netns", "add", ns]);
    try {
      const replay = (flag: string) =>
        new Deno.Command("ip", {
          args: [
            "netns",
            "exec",
            ns,
            Deno.execPath(),
            "run",
            "-A",
            MAIN,
            "replay",
            corpus("nmap_syn.pcap.gz"),
            flag,
            "--eve",
            "-",
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
      const sim = await replay("--ips");
      assert.equal(sim.code, 0, new TextDecoder().decode(sim.stderr));
      assert.match(new TextDecoder().decode(sim.stderr), /ids: IPS \(simulated\): 0 blocked, 1 simulated, 0 failed/);
      assert.equal(await sh(["ip", "netns", "exec", ns, "nft", "list", "ruleset"]), "", "nothing touched");
      const real = await replay("--ips-firewall");
      const stderr = new TextDecoder().decode(real.stderr);
      assert.equal(real.code, 0, stderr);
      assert.match(stderr, /IPS: blocking with nftables/);
      assert.match(stderr, /ids: IPS \(nftables\): 1 blocked, 0 simulated, 0 failed/);
      const eve = new TextDecoder().decode(real.stdout).trim().split("\n").map((l) => JSON.parse(l));
      const scan = eve.find((a) => a.alert.metadata.tag[0] === "port_scan");
      assert.equal(scan.alert.action, "blocked");
      const set = await sh(["ip", "netns", "exec", ns, "nft", "list", "set", "inet", "ids", "blocked4"]);
      assert.match(set, new RegExp(`elements = \\{ ${scan.src_ip.replaceAll(".", "\\.")} `));
    } finally {
      await sh(["ip", "netns", "del", ns], { allowFail: true });
    }
  },
});
