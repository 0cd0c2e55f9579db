/**
 * `ids blocks` against a real store (SQLite in a temporary data directory): simulated blocks are
 * listed from the store, lifted by hand without any firewall privilege, and kept for audit.
 */
import assert from "node:assert/strict";
import { Store } from "../store/store.ts";
import { MAIN } from "./_live_util.ts";

const T = Date.now();

async function ids(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "blocks", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("ids blocks: list, unblock and audit a store's simulated blocks", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-blocks-cli-" });
  try {
    const store = Store.open(dir);
    store.recordBlock({
      id: `203.0.113.9@${T - 5_000}`,
      ip: "203.0.113.9",
      status: "simulated",
      atMs: T - 5_000,
      startMs: T - 5_000,
      durationS: 600,
      expiresMs: T + 595_000,
      backend: "simulated",
      type: "port_scan",
      label: "Port Scan (Heuristic)",
      severity: 2,
      alertSeq: 12,
    });
    store.recordBlock({
      id: `203.0.113.8@${T - 900_000}`,
      ip: "203.0.113.8",
      status: "expired",
      atMs: T - 840_000,
      startMs: T - 900_000,
      durationS: 60,
      expiresMs: T - 840_000,
      backend: "nftables",
      type: "syn_flood",
    });
    store.close();

    const list = await ids("list", "--json", "--data", dir);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { ip: string; status: string; backend: string; type: string }[];
    assert.deepEqual(rows.map((r) => [r.ip, r.status, r.backend, r.type]), [
      ["203.0.113.9", "SIMULATED", "simulated", "port_scan"],
    ]);
    const text = await ids("list", "--data", dir);
    assert.match(
      text.stdout,
      /^IP +STATUS +BACKEND +TYPE +EXPIRES IN +DROPPED\n203\.0\.113\.9 +SIMULATED +simulated +port_scan +(9|10) min +-$/m,
    );

    const un = await ids("unblock", "203.0.113.9", "--data", dir);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stderr, /unblocked 203\.0\.113\.9/);
    assert.deepEqual(JSON.parse((await ids("list", "--json", "--data", dir)).stdout), []);

    const audit = await ids("list", "--history", "10", "--json", "--data", dir);
    assert.equal(audit.code, 0, audit.stderr);
    assert.deepEqual(
      (JSON.parse(audit.stdout) as { ip: string; status: string; severity: number; alertSeq: number }[])
        .map((r) => [r.ip, r.status, r.severity, r.alertSeq]),
      [["203.0.113.9", "unblocked", 2, 12], ["203.0.113.8", "expired", null, null]],
      "every row is kept, with the severity and seq of the alert that caused it",
    );
    const history = await ids("list", "--history", "10", "--data", dir);
    assert.match(history.stdout, /^TIME +IP +STATUS +BACKEND +TYPE +SEVERITY +DURATION +REASON +ERROR$/m);
    assert.match(
      history.stdout,
      /203\.0\.113\.9 +UNBLOCKED +simulated +port_scan +medium +600 s +unblocked by hand +-/,
    );
    assert.match(history.stdout, /203\.0\.113\.8 +EXPIRED +nftables +syn_flood +- +60 s +- +-/);

    const missing = await ids("list", "--history", "5", "--data", `${dir}/nowhere`);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^ids blocks: no database at .*nowhere.ids\.db \(run ids with --data .*nowhere first\)\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
