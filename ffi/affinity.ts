/**
 * Which CPUs a thread may run on (Linux `sched_getaffinity` / `sched_setaffinity` through FFI).
 *
 * Used to keep a replay's capture Worker from losing its core to the flow model's start-up: while a
 * capture runs, onnxruntime's Worker and V8's background threads (which compile its WASM) are confined
 * to the last half of the CPUs, so the capture Worker always finds one free; afterwards every thread may run
 * anywhere again. A thread's own affinity can be narrowed and widened again without privileges.
 *
 * Everywhere else (Windows, macOS, no `--allow-ffi`, a single CPU) every function does nothing and
 * says so; none ever prompts for a permission.
 *
 * @module
 */

/** The native side. */
export interface AffinityApi {
  /** CPUs thread `tid` (0: the calling thread) may run on; `undefined` when it cannot be read. */
  get(tid: number): number[] | undefined;
  /** Lets thread `tid` (0: the calling thread) run only on `cpus`; false when refused. */
  set(tid: number, cpus: readonly number[]): boolean;
}

/** Bytes of the CPU mask passed to the kernel: room for 1024 CPUs (glibc's `cpu_set_t`). */
const MASK_BYTES = 128;

/** `sched_getaffinity` / `sched_setaffinity` of glibc (`libc.so.6`), or `undefined` (not Linux, no FFI permission, no glibc). */
export function linuxAffinity(os: typeof Deno.build.os = Deno.build.os): AffinityApi | undefined {
  if (os !== "linux") return undefined;
  try {
    // query, never request: a missing permission must not turn into a prompt
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
    const lib = Deno.dlopen("libc.so.6", {
      sched_getaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
      sched_setaffinity: { parameters: ["i32", "usize", "buffer"], result: "i32" },
    });
    const mask = new Uint8Array(MASK_BYTES);
    return {
      get(tid) {
        mask.fill(0);
        if (lib.symbols.sched_getaffinity(tid, BigInt(MASK_BYTES), mask) !== 0) return undefined;
        const cpus: number[] = [];
        for (let i = 0; i < MASK_BYTES * 8; i++) if (mask[i >> 3] & (1 << (i & 7))) cpus.push(i);
        return cpus;
      },
      set(tid, cpus) {
        mask.fill(0);
        for (const c of cpus) if (c >= 0 && c < MASK_BYTES * 8) mask[c >> 3] |= 1 << (c & 7);
        return lib.symbols.sched_setaffinity(tid, BigInt(MASK_BYTES), mask) === 0;
      },
    };
  } catch {
    return undefined; // no libc.so.6
  }
}

let api: AffinityApi | null | undefined;

/** The platform's {@link AffinityApi}, or `undefined` where there is none (see module docs). */
export function affinityApi(): AffinityApi | undefined {
  if (api === undefined) api = linuxAffinity() ?? null;
  return api ?? undefined;
}

/**
 * The thread ids of V8's background worker threads in this process (they compile and optimize code
 * for every isolate, onnxruntime's WASM included): Linux names them `V8 DefaultWorke…`. Empty where
 * `/proc` cannot be read.
 */
export function v8WorkerThreads(): number[] {
  return processThreads((tid) => Deno.readTextFileSync(`/proc/self/task/${tid}/comm`).startsWith("V8 "));
}

/** The thread ids of this process that `keep` accepts (all without it); empty where `/proc` cannot be read. */
function processThreads(keep: (tid: number) => boolean = () => true): number[] {
  const dir = "/proc/self/task";
  try {
    if (Deno.permissions.querySync({ name: "read", path: dir }).state !== "granted") return [];
    const tids: number[] = [];
    for (const t of Deno.readDirSync(dir)) {
      try {
        if (keep(Number(t.name))) tids.push(Number(t.name));
      } catch { /* the thread ended */ }
    }
    return tids;
  } catch {
    return [];
  }
}

/**
 * The CPUs the flow model's start-up is confined to while a capture runs: the last half of the CPUs
 * this thread may use (one of two, two of four, eight of sixteen: V8's background threads also
 * collect garbage and optimize code for every isolate), when it may use at least two (with one,
 * confining would take nothing away from anyone); `undefined` where affinity is not available.
 */
export function sideCpus(using: AffinityApi | undefined = affinityApi()): number[] | undefined {
  const cpus = using?.get(0);
  if (cpus === undefined || cpus.length < 2) return undefined;
  return cpus.slice(cpus.length - Math.floor(cpus.length / 2));
}

/** Threads confined by {@link confineV8Workers} and the CPUs each had before; how many confinements hold them. */
const confined = new Map<number, number[]>();
let holders = 0;
/** The CPUs the calling thread had at the first of the confinements that hold, and the CPU sets they confine to. */
let before: number[] | undefined;
const confinedTo = new Set<string>();

/**
 * Confines V8's background threads to `cpus` and returns the function that lets each of them run on
 * the CPUs it had before (idempotent). Confinements nest: the threads are let go when the last one
 * is released. Then every other thread of the process on exactly one of the confined CPU sets gets the CPUs the
 * calling thread had at the first confinement: threads that confined threads (the model Worker's) started meanwhile
 * inherited the narrow set (tokio's runtime threads, made at the first use when the Worker's code was not compiled
 * before). Threads narrowed to another set (`keepCallerOff`) keep it. Does nothing (and returns a no-op) without
 * affinity support.
 */
export function confineV8Workers(cpus: readonly number[], using: AffinityApi | undefined = affinityApi()): () => void {
  if (using === undefined) return () => {};
  if (holders++ === 0) before = using.get(0);
  confinedTo.add([...cpus].sort((a, b) => a - b).join(",")); // as `get` reports a set: sorted
  for (const tid of v8WorkerThreads()) {
    const had = confined.get(tid) ?? using.get(tid);
    if (had !== undefined && using.set(tid, cpus)) confined.set(tid, had);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders > 0) return;
    for (const [tid, had] of confined) using.set(tid, had);
    if (before !== undefined) {
      for (const tid of processThreads((tid) => !confined.has(tid))) {
        if (confinedTo.has(using.get(tid)?.join(",") ?? "")) using.set(tid, before);
      }
    }
    confined.clear();
    confinedTo.clear();
    before = undefined;
  };
}

/**
 * Keeps the calling thread off `cpus` (on the other CPUs it may use) and returns the function that lets it run on
 * the CPUs it had before (idempotent; call it on the same thread). For a capture that runs on the calling thread
 * while the model's start is confined to `cpus` ({@link confineV8Workers}): each batch posted to the model's Worker
 * wakes that Worker, and woken on the capture's core it takes the core from the capture for milliseconds. Threads the
 * calling thread starts meanwhile inherit the narrower set (a Worker named with its CPUs sets its own). Does nothing
 * (and returns a no-op) without affinity support or when no CPU would be left.
 */
export function keepCallerOff(cpus: readonly number[], using: AffinityApi | undefined = affinityApi()): () => void {
  const had = using?.get(0);
  if (using === undefined || had === undefined) return () => {};
  const rest = had.filter((c) => !cpus.includes(c));
  if (rest.length === 0 || rest.length === had.length || !using.set(0, rest)) return () => {};
  let released = false;
  return () => {
    if (released) return;
    released = true;
    using.set(0, had);
  };
}
