/**
 * Durability: a sensor killed with SIGKILL while it writes loses nothing it committed, and the
 * database it leaves behind passes `PRAGMA integrity_check`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Store } from "../store/store.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const WRITER = `
import { Store } from "${join(ROOT, "store/store.ts")}";
import { testAlert } from "${join(ROOT, "store/_test_alerts.ts")}";
const store = Store.open(Deno.args[0]);
const enc = new TextEncoder();
let n = 0;
for (;;) {
  const batch = Array.from({ length: 200 }, (_, i) => testAlert(n + i));
  store.writeBatch(batch);
  n += batch.length;
  // said only after COMMIT returned
  Deno.stdout.writeSync(enc.encode("committed " + n + "\\n"));
}
`;

Deno.test("SIGKILL while writing: integrity_check ok and every committed alert is there", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-durability-" });
  try {
    const script = join(dir, "writer.ts");
    await Deno.writeTextFile(script, WRITER);
    for (const killAfter of [3_000, 20_000]) {
      const data = join(dir, `data-${killAfter}`);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script, data],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      let committed = 0;
      let buffered = "";
      const reader = child.stdout.getReader();
      const dec = new TextDecoder();
      while (committed < killAfter) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += dec.decode(value);
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const l of lines) committed = Math.max(committed, Number(l.split(" ")[1]));
      }
      child.kill("SIGKILL");
      // lines already in the pipe were committed too
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += dec.decode(value);
      }
      for (const l of buffered.split("\n")) {
        if (l.startsWith("committed ")) committed = Math.max(committed, Number(l.split(" ")[1]));
      }
      const status = await child.status;
      assert.equal(status.signal, "SIGKILL");
      assert.ok(committed >= killAfter, `the writer committed ${committed}`);

      const store = Store.open(data);
      try {
        assert.equal(store.integrityCheck(), "ok");
        const rows = store.stats({ sinceUs: 0 }).total;
        assert.ok(rows >= committed, `${rows} rows after reopening, ${committed} were committed`);
        assert.equal(rows % 200, 0, "a transaction is all or nothing");
        // every committed alert, by its reason text
        const have = store.db.prepare("SELECT count(DISTINCT reason) AS n FROM attacks WHERE reason IN (?, ?, ?)")
          .get("test alert 0", `test alert ${committed - 1}`, `test alert ${Math.floor(committed / 2)}`) as {
            n: number;
          };
        assert.equal(Number(have.n), 3);
      } finally {
        store.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
