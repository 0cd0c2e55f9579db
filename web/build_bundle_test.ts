import assert from "node:assert/strict";
import { buildBundleModule, BUNDLE_MODULE } from "./build_bundle.ts";

Deno.test("the committed client bundle (web/_bundle.gen.ts) is up to date with its sources", async () => {
  const fresh = await buildBundleModule();
  const committed = await Deno.readTextFile(BUNDLE_MODULE);
  assert.ok(committed === fresh, "web/_bundle.gen.ts is out of date: run `deno task bundle` and commit it");
});

Deno.test("the client bundle needs nothing from the network", async () => {
  const { CLIENT_JS } = await import("./_bundle.gen.ts");
  assert.ok(CLIENT_JS.length > 10_000);
  // no import of another module at run time (one self-contained ES module), no CDN
  assert.doesNotMatch(CLIENT_JS, /\bimport\s*\(|(^|[;}])import[\s{*]|\bfrom\s*"\.|https?:\/\/(?!www\.w3\.org)/);
});

Deno.test("the client bundle's sources are all under web/ (a change elsewhere never stales the bundle)", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "web/client/main.tsx"],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(r.success);
  const graph = JSON.parse(new TextDecoder().decode(r.stdout)) as { modules: { specifier: string }[] };
  const root = new URL("..", import.meta.url).href;
  const local = graph.modules.map((m) => m.specifier).filter((s) => s.startsWith(root)).map((s) =>
    s.slice(root.length)
  );
  assert.ok(local.length > 5);
  assert.deepEqual(local.filter((p) => !p.startsWith("web/")), []);
});
