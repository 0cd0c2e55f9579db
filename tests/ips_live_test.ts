/**
 * The IPS for real: two network namespaces joined by a veth pair; `ids run --ips` in the victim
 * namespace detects a port scan from the attacker namespace and blocks it with nftables; the
 * attacker's packets are then dropped (connections fail, the set element's counter shows drops);
 * the block expires and traffic passes again; `ids blocks unblock` removes a block by hand; and an
 * `ids` killed with SIGKILL leaves no block beyond its timeout.
 */
import assert from "node:assert/strict";
import { parseNftSetJson } from "../ips/nftables.ts";
import { hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import { canCreateLivePair, createLivePair, IdsProcess, MAIN, parseEveLines, runIn, startIn } from "./_live_util.ts";

const NAME = "IPS live: nftables blocks a scanner, drops its packets, expires, unblocks, survives SIGKILL";
const OK = canCreateLivePair() && hasCommand("nft", ["--version"]) && hasCommand("nmap", ["--version"]) &&
  hasCommand("nc", ["-h"]);
const WHY = "needs root, libpcap, ip netns, ethtool, nft (nftables), nmap and nc (netcat-openbsd)";
// long enough for step 2 (the EVE alert, a refused connection, three pings, the counter) to end before the block
// does on a loaded machine: with 4 s the element was once gone before the test read its counter
const BLOCK_S = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: NAME,
  ignore: ignoreUnless(NAME, OK, WHY),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!prereq(NAME, OK, WHY)) return;
    const tag = `ip${(Deno.pid % 100000).toString(36)}`.slice(0, 7);
    const pair = await createLivePair(tag, Deno.pid % 64);
    const dir = await Deno.makeTempDir({ prefix: "ids-ips-live-" });
    let ids: IdsProcess | undefined;
    const server = startIn(pair.nsB, 120, ["python3", "-m", "http.server", "8080", "--bind", pair.addrB]);
    try {
      const connects = async () => (await runIn(pair.nsA, 5, ["nc", "-z", "-w", "1", pair.addrB, "8080"])).code === 0;
      const waitFor = async (what: string, pred: () => Promise<boolean>, ms: number) => {
        const end = Date.now() + ms;
        while (!(await pred())) {
          if (Date.now() > end) {
            const eveText = await Deno.readTextFile(`${dir}/eve.json`).catch(() => "");
            throw new Error(`${what} did not happen within ${ms} ms; ids stderr: ${ids?.stderr}\nEVE: ${eveText}`);
          }
          await sleep(100);
        }
      };
      const blocked = async () => {
        const r = await runIn(pair.nsB, 5, ["nft", "-j", "list", "set", "inet", "ids", "blocked4"]);
        return r.code === 0 ? parseNftSetJson(r.stdout, Date.now()) : [];
      };
      const attackerBlocked = async () => (await blocked()).some((b) => b.ip === pair.addrA);
      // the attacker's block as the store records it (`ids blocks list`: a row has its start; a firewall entry
      // without a row has none). The row is written right after the firewall took the block: wait for it before
      // acting on the block from another process or killing ids
      // an `ids` command run beside the sensor, on its data directory
      const idsCli = (...args: string[]) =>
        runIn(pair.nsB, 30, [Deno.execPath(), "run", "-A", MAIN, ...args, "--data", data]);
      const storedBlock = async () => {
        const r = await idsCli("blocks", "list", "--json");
        if (r.code !== 0) return undefined;
        return (JSON.parse(r.stdout) as { ip: string; startedAt?: number }[])
          .find((b) => b.ip === pair.addrA && b.startedAt !== undefined);
      };
      const scan = (from: number) =>
        runIn(pair.nsA, 30, [
          "nmap",
          "-n",
          "-Pn",
          "-sS",
          "--max-retries",
          "0",
          "-p",
          `${from}-${from + 30}`,
          pair.addrB,
        ]);

      await waitFor("the server answering the attacker", connects, 10_000);
      const config = `${dir}/ids.json`;
      await Deno.writeTextFile(
        config,
        JSON.stringify({
          block_seconds: BLOCK_S,
          ips: { enabled: true },
          // a 3 s scan window: the detector re-alerts a new scan from the same source after 3 s, not 10 s
          port_scan: { window_s: 3 },
        }),
      );
      const eve = `${dir}/eve.json`;
      const data = `${dir}/data`;
      const start = () => {
        const p = new IdsProcess([
          "run",
          "--iface",
          pair.ifB,
          "--eve",
          eve,
          "--config",
          config,
          "--ips",
          "--data",
          data,
        ], {
          ns: pair.nsB,
          maxSeconds: 120,
        });
        return p;
      };
      ids = start();
      await ids.capturing();
      assert.match(ids.stderr, /IPS: blocking with nftables \(table inet ids\)/);
      assert.deepEqual(await blocked(), [], "nothing blocked before the attack");
      assert.equal(await connects(), true);

      // 1. detect and block
      await scan(1000);
      await waitFor("the block", attackerBlocked, 10_000);
      const t1 = Date.now();
      await waitFor("the block's row", async () => (await storedBlock()) !== undefined, 10_000);
      const started = (await storedBlock())!.startedAt!;
      await waitFor("the EVE alert", async () => {
        try {
          return parseEveLines(await Deno.readTextFile(eve)).some((a) => a.src_ip === pair.addrA);
        } catch {
          return false;
        }
      }, 5_000);
      const alerts = parseEveLines(await Deno.readTextFile(eve));
      const scanAlert = alerts.find((a) => a.src_ip === pair.addrA && a.alert.metadata.tag[0] === "port_scan");
      assert.ok(scanAlert, `a port_scan alert from the attacker; got ${JSON.stringify(alerts.map((a) => a.alert))}`);
      assert.equal((scanAlert.alert as unknown as { action: string }).action, "blocked");

      // 2. the attacker's packets are dropped, and the set's counter shows it
      assert.equal(await connects(), false, "a TCP connection from the attacker fails while blocked");
      const ping = await runIn(pair.nsA, 10, ["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1", pair.addrB]);
      assert.notEqual(ping.code, 0, "pings are dropped");
      const [element] = (await blocked()).filter((b) => b.ip === pair.addrA);
      assert.ok(element, `still blocked ${Date.now() - started} ms after the block's start`);
      assert.ok((element.packets ?? 0) >= 4, `the element counted the dropped packets: ${JSON.stringify(element)}`);
      assert.ok(element.expiresAt - Date.now() <= BLOCK_S * 1000 + 1000);

      // 3. after expiry traffic passes again
      await waitFor("the expiry", async () => !(await attackerBlocked()), (BLOCK_S + 4) * 1000);
      // from the block's own start (its row is written just after the firewall took it, hence the slack), not from
      // when this test saw it: on a busy machine that can be late
      assert.ok(Date.now() - started >= BLOCK_S * 1000 - 500, `not before its time (${Date.now() - started} ms)`);
      assert.equal(await connects(), true, "traffic passes after the block expired");

      // 4. manual unblock from another process
      await sleep(Math.max(0, t1 + 3_100 - Date.now())); // past the detector's re-alert spacing
      await scan(2000);
      await waitFor("the second block", attackerBlocked, 10_000);
      await waitFor("the second block's row", async () => (await storedBlock()) !== undefined, 10_000);
      assert.equal(await connects(), false);
      const un = await idsCli("blocks", "unblock", pair.addrA);
      assert.equal(un.code, 0, un.stderr);
      assert.match(un.stderr, new RegExp(`unblocked ${pair.addrA.replaceAll(".", "\\.")}`));
      assert.equal(await attackerBlocked(), false);
      assert.equal(await connects(), true, "traffic passes right after the manual unblock");

      // 5. SIGKILL leaves nothing beyond the block's timeout
      await sleep(3_100); // past the detector's re-alert spacing
      await scan(3000);
      await waitFor("the third block", attackerBlocked, 10_000);
      const t3 = Date.now();
      await waitFor("the third block's row", async () => (await storedBlock()) !== undefined, 10_000);
      ids.kill("SIGKILL");
      await ids.wait();
      assert.equal(await attackerBlocked(), true, "the block outlives the process");
      assert.equal(await connects(), false);
      await waitFor("the kernel's expiry", async () => !(await attackerBlocked()), (BLOCK_S + 4) * 1000);
      assert.ok(Date.now() - t3 <= (BLOCK_S + 4) * 1000);
      assert.equal(await connects(), true, "traffic passes after the dead process's block expired");
      const list = await idsCli("blocks", "list", "--json");
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(JSON.parse(list.stdout), [], "nothing in force: the killed run's row is past its time");

      // 6. the store kept every block for audit: expired, unblocked by hand, and the killed run's one
      const audit = await idsCli("blocks", "list", "--history", "10", "--json");
      assert.equal(audit.code, 0, audit.stderr);
      type AuditRow = { ip: string; status: string; backend: string; type: string; severity: number | null };
      const rows = (JSON.parse(audit.stdout) as AuditRow[]).filter((r) => r.ip === pair.addrA);
      assert.deepEqual(rows.map((r) => [r.status, r.backend, r.type]), [
        ["active", "nftables", "port_scan"], // the killed run never saw it end: the next run's reconcile closes it
        ["unblocked", "nftables", "port_scan"],
        ["expired", "nftables", "port_scan"],
      ]);
      // the severity of the alert that caused each block reached its row (the killed run's may have died first)
      assert.deepEqual(rows.slice(1).map((r) => typeof r.severity), ["number", "number"], audit.stdout);
      // 7. a new run reconciles: the row whose time passed while nothing ran is closed
      const next = new IdsProcess([
        "run",
        "--iface",
        pair.ifB,
        "--config",
        config,
        "--ips",
        "--data",
        data,
        "--duration",
        "1",
      ], {
        ns: pair.nsB,
        maxSeconds: 60,
      });
      assert.equal((await next.wait()).code, 0, next.stderr);
      assert.match(next.stderr, /IPS: reconciled: 0 blocks in force, 1 expired while stopped/);
      const after = await idsCli("blocks", "list", "--history", "1", "--json");
      assert.equal(JSON.parse(after.stdout)[0].status, "expired");
    } finally {
      ids?.kill("SIGKILL");
      await ids?.wait();
      await server.stop();
      await pair.cleanup();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
