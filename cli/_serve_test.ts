import assert from "node:assert/strict";
import { join } from "node:path";
import { fileExists, settingsFile } from "./_serve.ts";

Deno.test("settingsFile: --config wins; else config.json in the data directory; neither: none", async () => {
  assert.equal(settingsFile("my.json", "/var/lib/ids"), "my.json");
  assert.equal(settingsFile(undefined, "/var/lib/ids"), join("/var/lib/ids", "config.json"));
  assert.equal(settingsFile(undefined, undefined), undefined);
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(fileExists(join(dir, "config.json")), false);
    await Deno.writeTextFile(join(dir, "config.json"), "{}");
    assert.equal(fileExists(join(dir, "config.json")), true);
    assert.equal(fileExists(dir), false, "a directory is not a settings file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
