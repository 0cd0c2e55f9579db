import assert from "node:assert/strict";
import { join } from "node:path";
import { configCommand } from "./cli.ts";
import { DEFAULT_CONFIG } from "./defaults.ts";
import { validateConfig } from "./schema.ts";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await configCommand(args, {
    stdout: (text) => stdout += text,
    stderr: (text) => stderr += text,
  });
  return { code, stdout, stderr };
}

Deno.test("ids config defaults prints the full default JSON", async () => {
  const { code, stdout, stderr } = await run(["defaults"]);
  assert.equal(code, 0);
  assert.equal(stderr, "");
  assert.equal(stdout, `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`);
  assert.deepEqual(validateConfig(JSON.parse(stdout)), DEFAULT_CONFIG);
});

Deno.test("ids config check FILE says ok or lists every problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = join(dir, "good.json");
    await Deno.writeTextFile(good, '{"syn_flood": {"threshold": 20}}');
    assert.deepEqual(await run(["check", good]), { code: 0, stdout: `ok: ${good}\n`, stderr: "" });

    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(bad, '{"syn_flood": {"threshold": -3}, "syn_flod": 1}');
    assert.deepEqual(await run(["check", bad]), {
      code: 1,
      stdout: "",
      stderr: `${bad}: 2 problems\n` +
        '  unknown key "syn_flod" (did you mean "syn_flood"?)\n' +
        "  syn_flood.threshold: must be an integer from 1 to 1000000 (got -3)\n",
    });

    const missing = join(dir, "missing.json");
    assert.deepEqual(await run(["check", missing]), {
      code: 1,
      stdout: "",
      stderr: `${missing}: 1 problem\n  cannot read the file: file not found\n`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ids config --help prints usage", async () => {
  for (const args of [["--help"], ["-h"], ["help"], ["check", "--help"]]) {
    const { code, stdout, stderr } = await run(args);
    assert.equal(code, 0);
    assert.ok(stdout.startsWith("Usage:\n  ids config defaults"), stdout);
    assert.equal(stderr, "");
  }
});

Deno.test("ids config exits 2 on bad usage", async () => {
  for (
    const [args, message] of [
      [[], "missing subcommand"],
      [["frobnicate"], 'unknown subcommand "frobnicate"'],
      [["check"], '"check" takes exactly one FILE (got 0)'],
      [["check", "a", "b"], '"check" takes exactly one FILE (got 2)'],
      [["check", "--strict"], "unknown option --strict"],
      [["defaults", "x"], '"defaults" takes no arguments (got x)'],
    ] as const
  ) {
    const { code, stdout, stderr } = await run([...args]);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stdout, "");
    assert.ok(stderr.startsWith(`ids config: ${message}\n\nUsage:`), stderr);
  }
});

Deno.test("configCommand() writes to the real stdout by default", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { configCommand } from "${new URL("./cli.ts", import.meta.url)}";
Deno.exit(await configCommand(["defaults"]));`,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  assert.equal(new TextDecoder().decode(stderr), "");
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), JSON.parse(JSON.stringify(DEFAULT_CONFIG)));
});
