/**
 * The test suite and the CLI stand on their own (issue 7, items 1 and 16): a manifest that cannot be read
 * fails its test, EVE records are validated on a clone with no ../shared beside it (Suricata's schema
 * skipped with a printed reason, required under CI=true), and the CLI's import map holds no package that
 * only tests use (`deno task` installs every package of the import map, so one would break the CLI offline).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

async function run(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? REPO,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("corpus test: an unreadable or broken manifest, or a missing capture, fails instead of being ignored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ids-corpus-" });
  try {
    const broken = await run(["test", "-A", "detectors/corpus_test.ts"], { env: { IDS_CORPUS_DIR: dir, CI: "" } });
    assert.notEqual(broken.code, 0, broken.out);
    assert.match(broken.out, /Cannot read corpus manifest .*manifest\.json/);

    await Deno.writeTextFile(`${dir}/manifest.json`, "{not json");
    const bad = await run(["test", "-A", "detectors/corpus_test.ts"], { env: { IDS_CORPUS_DIR: dir, CI: "" } });
    assert.notEqual(bad.code, 0, bad.out);
    assert.match(bad.out, /Cannot read corpus manifest/);

    await Deno.writeTextFile(
      `${dir}/manifest.json`,
      JSON.stringify({
        scenarios: [{ name: "x", file: "x.pcap", kind: "benign", victim: "10.0.0.1", spoofed: false }],
      }),
    );
    const missing = await run(["test", "-A", "detectors/corpus_test.ts"], { env: { IDS_CORPUS_DIR: dir, CI: "" } });
    assert.notEqual(missing.code, 0, missing.out);
    assert.match(missing.out, /x\.pcap missing/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("EVE validation works with no ../shared: own schema always, Suricata's skipped with a reason (CI: required)", async () => {
  const root = await Deno.makeTempDir({ prefix: "ids-clone-" });
  try {
    // a clone's layout with nothing beside it: <root>/repo/{alerts,testing}
    const files = [
      "alerts/eve_schema_test_util.ts",
      "alerts/eve_schema.json",
      "testing/prereq.ts",
      "testing/json_schema.ts",
    ];
    for (const f of files) {
      await Deno.mkdir(`${root}/repo/${f.replace(/\/[^/]+$/, "")}`, { recursive: true });
      await Deno.copyFile(`${REPO}/${f}`, `${root}/repo/${f}`);
    }
    const good = {
      timestamp: "2026-11-21T14:50:23.531762+0000",
      flow_id: 7,
      event_type: "alert",
      src_ip: "10.77.0.66",
      dest_ip: "10.77.0.1",
      proto: "ICMP",
      host: "sensor",
      alert: {
        action: "allowed",
        gid: 1,
        signature_id: 9000007,
        rev: 1,
        signature: "ICMP Flood (Heuristic)",
        category: "Attempted Denial of Service",
        severity: 1,
        metadata: { tag: ["icmp_flood", "heuristic"] },
      },
    };
    const script = `import { validateEve } from "./repo/alerts/eve_schema_test_util.ts";
const good = ${JSON.stringify(good)};
console.log(JSON.stringify([validateEve(good), validateEve({ ...good, timestamp: "2026-11-21T14:50:23Z" })]));`;
    await Deno.writeTextFile(`${root}/check.ts`, script);
    const r = await run(["run", "-A", "--no-config", "check.ts"], { cwd: root, env: { CI: "" } });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^skip: EVE cross-check against Suricata's schema: .*not beside the repository/m);
    const [ok, bad] = JSON.parse(r.out.trim().split("\n").at(-1)!);
    assert.deepEqual(ok, []);
    assert.match(bad[0], /^\/timestamp: must match/);

    const ci = await run(["run", "-A", "--no-config", "check.ts"], { cwd: root, env: { CI: "true" } });
    assert.notEqual(ci.code, 0, ci.out);
    assert.match(ci.out, /Cannot validate EVE against Suricata's schema: .*CI=true requires it/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the CLI needs no test-only package: every npm package in deno.json imports is in main.ts's graph", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO}/deno.json`));
  const npmImports = Object.entries((config.imports ?? {}) as Record<string, string>)
    .filter(([, v]) => v.startsWith("npm:"))
    .map(([k, v]) => ({ key: k, pkg: v.slice(4).replace(/^(@?[^@]+)@.*$/, "$1") }));
  const info = await run(["info", "--json", "main.ts"]);
  assert.equal(info.code, 0, info.out);
  const graph = JSON.parse(info.out.slice(info.out.indexOf("{")));
  const used = new Set(
    Object.keys(graph.npmPackages ?? {}).map((id) => id.replace(/^(@?[^@]+)@.*$/, "$1")),
  );
  const testOnly = npmImports.filter((i) => !used.has(i.pkg)).map((i) => `${i.key} (${i.pkg})`);
  assert.deepEqual(testOnly, [], "packages in the import map that main.ts never imports (deno task would fetch them)");
});
