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
