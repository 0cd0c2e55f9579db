import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain } from "../testing/run_main.ts";

Deno.test("ids run without --config reads the dashboard's settings in DATA/config.json (a bad one: one line, exit 1)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-run-settings-" });
  try {
    const file = join(dir, "config.json");
    await Deno.writeTextFile(file, JSON.stringify({ port_scan: { threshold: -1 } }));
    const r = await runMain("run", "--data", dir, "--iface", "lo", "--duration", "1");
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`${file.replaceAll(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: 1 problem`));
    assert.match(r.err, /port_scan\.threshold: must be .*\(got -1\)/);
    // --config FILE takes precedence over the data directory's file
    const other = join(dir, "other.json");
    await Deno.writeTextFile(other, JSON.stringify({ port_scan: { threshold: "x" } }));
    const r2 = await runMain("run", "--data", dir, "--config", other, "--iface", "lo", "--duration", "1");
    assert.equal(r2.code, 1);
    assert.match(r2.err, /other\.json: 1 problem/);
    assert.doesNotMatch(r2.err, /config\.json/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
