import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { prereq } from "../testing/prereq.ts";

const SCRIPT = fileURLToPath(new URL("./ab_replay.ts", import.meta.url));

/** The exit code and stderr of a run (what the argument checks are about). */
const codeAndErr = (r: { code: number; err: string }) => ({ code: r.code, err: r.err });

/**
 * A directory anyone may write (the own-group test runs as nobody) with a tree whose replay prints an empty report and a
 * capture tcpdump reads (no packets).
 */
async function fakeTree(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ab-replay-test-" });
  await Deno.chmod(dir, 0o777);
  await Deno.writeTextFile(`${dir}/main.ts`, "console.log(JSON.stringify({ alerts: {} }));\n");
  const pcap = new Uint8Array(24);
  new DataView(pcap.buffer).setUint32(0, 0xa1b2c3d4, true);
  new DataView(pcap.buffer).setUint16(4, 2, true);
  new DataView(pcap.buffer).setUint16(6, 4, true);
  new DataView(pcap.buffer).setUint32(16, 65535, true);
  new DataView(pcap.buffer).setUint32(20, 1, true);
  await Deno.writeFile(`${dir}/empty.pcap`, pcap);
  return dir;
}

/** Runs bench/ab_replay.ts, or as `user` (via setpriv) its copy in `user.dir`; exit code and stderr. */
async function abReplay(
  args: string[],
  user?: { uid: number; dir: string },
  env?: Record<string, string>,
): Promise<{ code: number; err: string; out: string }> {
  const script = user === undefined ? SCRIPT : `${user.dir}/ab_replay.ts`;
  const deno = [Deno.execPath(), "run", "-A", script, ...args];
  const [cmd, ...rest] = user === undefined
    ? deno
    : ["setpriv", `--reuid=${user.uid}`, `--regid=${user.uid}`, "--clear-groups", ...deno];
  env ??= user === undefined ? undefined : { HOME: user.dir, DENO_DIR: user.dir };
  const cwd = user?.dir;
  const r = await new Deno.Command(cmd, { args: rest, cwd, env, stdout: "piped", stderr: "piped" }).output();
  return { code: r.code, err: new TextDecoder().decode(r.stderr), out: new TextDecoder().decode(r.stdout) };
}

Deno.test("ab_replay: --rounds without a number stops with one line before any round", async () => {
  assert.deepEqual(codeAndErr(await abReplay(["--a", "/nonexistent", "--rounds"])), {
    code: 2,
    err: "Cannot run the A/B: --rounds needs a value\n",
  });
  assert.deepEqual(codeAndErr(await abReplay(["--a", "/nonexistent", "--rounds", "ten"])), {
    code: 2,
    err: 'Cannot run the A/B: --rounds needs a whole number of rounds >= 1, not "ten"\n',
  });
  assert.deepEqual(codeAndErr(await abReplay(["--a", "/nonexistent", "--rounds", "0"])), {
    code: 2,
    err: 'Cannot run the A/B: --rounds needs a whole number of rounds >= 1, not "0"\n',
  });
});

Deno.test("ab_replay: --extra takes a value that starts with --, as in the module doc's example", async () => {
  // the parse gets past --extra to the check of tree A (which does not exist), before any round
  assert.deepEqual(
    codeAndErr(await abReplay(["--a", "/nonexistent", "--b", ".", "--extra", "--no-detect", "--rounds", "1"])),
    {
      code: 2,
      err: "Cannot run the A/B: /nonexistent/main.ts is not a file (--a and --b are source trees)\n",
    },
  );
  assert.deepEqual(codeAndErr(await abReplay(["--a", "/nonexistent", "--extra"])), {
    code: 2,
    err: "Cannot run the A/B: --extra needs a value\n",
  });
});

Deno.test("ab_replay: --own-group where the autogroup's nice value cannot be set stops with one line", async (t) => {
  // unprivileged: as root, the test drops to uid 65534 (nobody) and runs a copy of the script in a temporary
  // directory (the checkout may sit where nobody cannot read, e.g. under /root)
  const root = Deno.uid() === 0;
  const setpriv = (await new Deno.Command("sh", { args: ["-c", "command -v setpriv"] }).output()).code === 0;
  if (root && !prereq(t.name, setpriv, "needs setpriv (util-linux)")) return;
  // a tree whose replay runs (and a capture tcpdump reads): without the check every round would run and pass
  const dir = await fakeTree();
  try {
    await Deno.copyFile(SCRIPT, `${dir}/ab_replay.ts`);
    await Deno.chmod(`${dir}/ab_replay.ts`, 0o644);
    const { code, err } = await abReplay(
      ["--a", dir, "--b", dir, "--file", `${dir}/empty.pcap`, "--own-group", "--rounds", "1"],
      root ? { uid: 65534, dir } : undefined,
    );
    assert.equal(code, 2, err);
    assert.match(err, /^Cannot run in an own autogroup: \S.*\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ab_replay: --cpu prints each tree's CPU time and the per-round differences", async (t) => {
  const perf = (await new Deno.Command("sh", { args: ["-c", "perf stat -e task-clock -- true"] }).output()).code === 0;
  if (!prereq(t.name, perf, "needs a working perf stat")) return;
  const dir = await fakeTree();
  try {
    const { code, err, out } = await abReplay([
      "--a",
      dir,
      "--b",
      dir,
      "--file",
      `${dir}/empty.pcap`,
      "--cpu",
      "--rounds",
      "3",
    ]);
    assert.equal(code, 0, err);
    const rows = out.split("\n").filter((l) => l.startsWith(`| ${dir} | `));
    // two wall rows, then two CPU rows: a positive median and its quartiles
    assert.equal(rows.length, 4, out);
    for (const row of rows.slice(2)) assert.match(row, /^\| \S+ \| \d+\.\d \| \d+\.\d–\d+\.\d \|$/);
    assert.match(out, /\nB − A CPU per round: median -?\d+\.\d ms; B used less in \d of 3 rounds\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ab_replay: --cpu without perf stops with one line before any round", async () => {
  const dir = await fakeTree();
  try {
    // no perf on the PATH (nor tcpdump: the check comes first)
    const { code, err } = await abReplay(
      ["--a", dir, "--b", dir, "--file", `${dir}/empty.pcap`, "--cpu", "--rounds", "1"],
      undefined,
      { PATH: dir },
    );
    assert.equal(code, 2, err);
    assert.match(err, /^Cannot measure CPU time: \S.*\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
