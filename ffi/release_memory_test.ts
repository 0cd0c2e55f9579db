import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  failedBackgroundTrims,
  glibcTrimmer,
  mapBlocksApartWhile,
  type MemoryTrimmer,
  releaseFreedMemory,
  releaseFreedMemoryEvery,
  releaseFreedMemoryOnTicks,
  residentMb,
} from "./release_memory.ts";

const linuxGlibc = Deno.build.os === "linux" && glibcTrimmer() !== undefined;

function rssMb(): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) / 1024;
}

/** A trimmer whose background trims wait for the test's `finish()`; counts background and calling-thread trims. */
function backgroundTrimmer(): { started: number; sync: number; finish?: () => void; trimmer: MemoryTrimmer } {
  const bg: { started: number; sync: number; finish?: () => void; trimmer: MemoryTrimmer } = {
    started: 0,
    sync: 0,
    trimmer: {
      trim: () => (bg.sync++, true),
      trimInBackground: () => {
        bg.started++;
        const p = Promise.withResolvers<void>();
        bg.finish = p.resolve;
        return p.promise;
      },
    },
  };
  return bg;
}

Deno.test({
  name: "releaseFreedMemory: freed malloc memory held by glibc leaves the resident set",
  ignore: !linuxGlibc,
  fn() {
    const libc = Deno.dlopen("libc.so.6", {
      malloc: { parameters: ["usize"], result: "pointer" },
      free: { parameters: ["pointer"], result: "void" },
      memset: { parameters: ["pointer", "i32", "usize"], result: "pointer" },
    });
    try {
      // 64 MB in 64 KB blocks (below the mmap threshold: they come from the arena), touched; all freed
      // but the last, which pins the arena's top so glibc cannot shrink it by itself
      const blocks: Deno.PointerValue[] = [];
      for (let i = 0; i < 1024; i++) {
        const p = libc.symbols.malloc(65536n);
        libc.symbols.memset(p, 1, 65536n);
        blocks.push(p);
      }
      for (let i = 0; i < blocks.length - 1; i++) libc.symbols.free(blocks[i]);
      const before = rssMb();
      assert.equal(releaseFreedMemory(), true);
      const after = rssMb();
      libc.symbols.free(blocks.at(-1)!);
      assert.ok(before - after > 40, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB`);
    } finally {
      libc.close();
    }
  },
});

Deno.test("releaseFreedMemory: nothing to call elsewhere; without --allow-ffi it does nothing and never prompts", async () => {
  assert.equal(glibcTrimmer("windows"), undefined);
  assert.equal(glibcTrimmer("darwin"), undefined);
  const script = `import { releaseFreedMemory } from ${
    JSON.stringify(new URL("./release_memory.ts", import.meta.url).href)
  };
console.log(releaseFreedMemory());`;
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/trim.ts`;
    await Deno.writeTextFile(file, script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `--allow-read=${fileURLToPath(new URL(".", import.meta.url))},${dir}`, file],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "false");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("releaseFreedMemoryEvery: trims on its interval until stopped, and never keeps the process alive", async () => {
  let calls = 0;
  const stop = releaseFreedMemoryEvery(10, { trim: () => (calls++, true) });
  // the period, measured against a reference interval of the same 10 ms started right after it: a busy machine
  // delays both alike (a late interval fires once per turn of the event loop, in deadline order), so by the
  // reference's 10th tick the trimmer has trimmed about 10 times too; a period 10 times too long trims once
  let ticks = 0;
  await new Promise<void>((resolve) => {
    const reference = setInterval(() => {
      if (++ticks < 10) return;
      clearInterval(reference);
      resolve();
    }, 10);
  });
  stop();
  const seen = calls;
  assert.ok(seen >= 5, `trimmed ${seen} times in 10 ticks of a 10 ms reference interval`);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(calls, seen, "no trim after stop()");
});

Deno.test("releaseFreedMemoryEvery: trims in the background where it can, one trim at a time", async () => {
  const bg = backgroundTrimmer();
  const stop = releaseFreedMemoryEvery(5, bg.trimmer);
  try {
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(bg.started, 1, "the next trim waits for the one still running");
    bg.finish!();
    await new Promise((r) => setTimeout(r, 60));
    assert.ok(bg.started >= 2, `a trim once the first ended (${bg.started})`);
    assert.equal(bg.sync, 0, "never on the calling thread");
  } finally {
    stop();
    bg.finish?.();
  }
  // glibc's trim, on a blocking thread: it returns (malloc_trim's 0 or 1)
  if (linuxGlibc) assert.ok([0, 1].includes(await glibcTrimmer()!.trimInBackground!() as number));
});

Deno.test({
  name: "releaseFreedMemoryEvery: an unreferenced timer does not hold a script open",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const mod = fileURLToPath(new URL("./release_memory.ts", import.meta.url));
    const code = `import { releaseFreedMemoryEvery } from ${JSON.stringify(mod)}; releaseFreedMemoryEvery(50);`;
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", code],
      stderr: "piped",
      signal: AbortSignal.timeout(20_000),
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.ok(performance.now() - t0 < 20_000);
  },
});

Deno.test("releaseFreedMemoryEvery: a background trim that fails is counted and ignored, not an unhandled rejection", async () => {
  const before = failedBackgroundTrims();
  let started = 0;
  const stop = releaseFreedMemoryEvery(5, {
    trim: () => true,
    trimInBackground: () => (started++, Promise.reject(new Error("Cannot trim: test"))),
  });
  try {
    await new Promise((r) => setTimeout(r, 60));
  } finally {
    stop();
  }
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(started >= 2, `trims go on after a failure (${started})`);
  assert.equal(failedBackgroundTrims() - before, started);
});

Deno.test("releaseFreedMemoryOnTicks: trims at ticks half an interval apart, opens the trimmer at the first, no timer", async () => {
  let opened = 0;
  let trims = 0;
  const ticks = releaseFreedMemoryOnTicks(200, () => (opened++, { trim: () => (trims++, true) }));
  ticks.tick(); // at once: under half the interval since the start
  assert.equal(opened, 0, "nothing opened before a trim is due");
  assert.equal(trims, 0);
  await new Promise((r) => setTimeout(r, 110));
  ticks.tick();
  assert.equal(trims, 1, "a tick over half the interval after the start trims");
  ticks.tick();
  assert.equal(trims, 1, "a tick right after a trim does not");
  await new Promise((r) => setTimeout(r, 110));
  ticks.tick();
  assert.equal(trims, 2);
  assert.equal(opened, 1, "the trimmer is opened once");
  // no ticks, no trims: nothing runs by itself
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(trims, 2);
});

Deno.test("releaseFreedMemoryOnTicks: in the background where it can, one trim at a time", async () => {
  const bg = backgroundTrimmer();
  const ticks = releaseFreedMemoryOnTicks(2, () => bg.trimmer);
  await new Promise((r) => setTimeout(r, 5));
  ticks.tick();
  await new Promise((r) => setTimeout(r, 5));
  ticks.tick();
  assert.equal(bg.started, 1, "the next trim waits for the one still running");
  bg.finish!();
  await new Promise((r) => setTimeout(r, 5));
  ticks.tick();
  assert.equal(bg.started, 2, "a trim once the first ended");
  assert.equal(bg.sync, 0, "never on the calling thread");
  bg.finish!();
});

/** A trimmer that records what {@link mapBlocksApartWhile} set. */
function recordingTrimmer(): { calls: string[]; trimmer: MemoryTrimmer } {
  const calls: string[] = [];
  return {
    calls,
    trimmer: {
      trim: () => true,
      mapFrom: (bytes) => (calls.push(`map ${bytes}`), true),
      trimFrom: (bytes) => (calls.push(`trim ${bytes}`), true),
    },
  };
}

Deno.test("mapBlocksApartWhile: sets the threshold for the work only, and glibc's starting values after, also on a rejection", async () => {
  const r = recordingTrimmer();
  const seen: string[] = [];
  const v = await mapBlocksApartWhile(() => {
    seen.push(...r.calls);
    return Promise.resolve(7);
  }, { fromBytes: 32768, using: r.trimmer });
  assert.equal(v, 7);
  assert.deepEqual(seen, ["map 32768"]);
  assert.deepEqual(r.calls, ["map 32768", "map 131072", "trim 131072"]);
  const failing = recordingTrimmer();
  await assert.rejects(
    mapBlocksApartWhile(() => Promise.reject(new Error("boom")), { fromBytes: 32768, using: failing.trimmer }),
    /boom/,
  );
  assert.deepEqual(failing.calls, ["map 32768", "map 131072", "trim 131072"]);
});

Deno.test({
  name: "mapBlocksApartWhile: below whenResidentMb (or where nothing can set it) the work runs as it is",
  ignore: residentMb() === undefined,
  async fn() {
    const r = recordingTrimmer();
    assert.equal(
      await mapBlocksApartWhile(() => Promise.resolve(1), { fromBytes: 32768, whenResidentMb: 1e6, using: r.trimmer }),
      1,
    );
    assert.deepEqual(r.calls, []);
    await mapBlocksApartWhile(() => Promise.resolve(1), { fromBytes: 32768, whenResidentMb: 1, using: r.trimmer });
    assert.deepEqual(r.calls, ["map 32768", "map 131072", "trim 131072"]);
    assert.equal(
      await mapBlocksApartWhile(() => Promise.resolve(2), { fromBytes: 32768, using: { trim: () => false } }),
      2,
    );
  },
});

Deno.test({
  name: "mapBlocksApartWhile: 64 KiB blocks freed while it runs leave the resident set without a trim",
  ignore: !linuxGlibc,
  async fn() {
    // in a fresh process: blocks a thread's arena already holds free are handed out again whatever the threshold (it
    // only decides how an arena grows), and the test runner's arena has had every other test's
    const script = `import { mapBlocksApartWhile, releaseFreedMemory } from ${
      JSON.stringify(new URL("./release_memory.ts", import.meta.url).href)
    };
const libc = Deno.dlopen("libc.so.6", {
  malloc: { parameters: ["usize"], result: "pointer" },
  free: { parameters: ["pointer"], result: "void" },
  memset: { parameters: ["pointer", "i32", "usize"], result: "pointer" },
});
const rss = () => Number(/VmRSS:\\s+(\\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))[1]) / 1024;
// as in the first test: 64 MB in 64 KiB blocks, touched, all freed but the last (which pins the arena's top)
const churn = () => {
  const base = rss();
  const blocks = [];
  for (let i = 0; i < 1024; i++) {
    const p = libc.symbols.malloc(65536n);
    libc.symbols.memset(p, 1, 65536n);
    blocks.push(p);
  }
  for (let i = 0; i < blocks.length - 1; i++) libc.symbols.free(blocks[i]);
  const held = rss() - base;
  libc.symbols.free(blocks.at(-1));
  return held;
};
releaseFreedMemory();
const apart = await mapBlocksApartWhile(() => Promise.resolve(churn()), { fromBytes: 32768 });
releaseFreedMemory();
// after it: glibc's 128 KiB threshold again, the blocks come from the arena
console.log(JSON.stringify({ apart, inArena: churn() }));`;
    const dir = await Deno.makeTempDir();
    try {
      const file = `${dir}/apart.ts`;
      await Deno.writeTextFile(file, script);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", file],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const { apart, inArena } = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.ok(apart < 16, `held ${apart.toFixed(0)} MB with the blocks mapped apart`);
      assert.ok(inArena > 40, `held ${inArena.toFixed(0)} MB with the blocks in the arena`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
