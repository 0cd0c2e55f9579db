/**
 * The tree passes `deno lint` and `deno fmt --check` (the rules and exclusions of `deno.json`), so the test command a
 * contributor runs also catches what CI would otherwise let through: `.ci/run` runs only the README's test command.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");

/** Runs `deno <args>` in the project root; its exit status and output (colours off). */
async function deno(args: string[]): Promise<{ success: boolean; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { success: out.success, text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) };
}

Deno.test("style: deno lint finds nothing in the tree", async () => {
  const r = await deno(["lint"]);
  assert.ok(r.success, `deno lint failed:\n${r.text.slice(-4000)}`);
});

Deno.test("style: deno fmt --check finds nothing to reformat", async () => {
  const r = await deno(["fmt", "--check"]);
  assert.ok(r.success, `deno fmt --check failed:\n${r.text.slice(-4000)}`);
});
