/**
 * Hands heap memory the process freed back to the operating system.
 *
 * glibc keeps freed `malloc` memory in its per-thread arenas for reuse; it shows in the resident set
 * until a `malloc_trim`. Loading the flow model (onnxruntime's WASM runtime in its Worker) frees
 * about 40 MB of such memory, which would otherwise stay resident for the whole run. On Linux with
 * glibc and FFI permission {@link releaseFreedMemory} calls `malloc_trim(0)` (about 2 ms); everywhere
 * else (Windows, macOS, musl, no `--allow-ffi`) it does nothing and says so. It never prompts for a
 * permission.
 *
 * @module
 */

/** The native side: `malloc_trim` where the platform has one. */
export interface MemoryTrimmer {
  /** Returns freed heap memory to the OS; false when there is nothing that can do it here. */
  trim(): boolean;
  /**
   * The same on one of the runtime's blocking threads (resolves when done), where the platform can: the calling
   * thread goes on at once (the capture may run on it).
   */
  trimInBackground?(): Promise<unknown>;
  /**
   * Sets the size from which a block gets its own mapping, unmapped when freed (glibc: `mallopt(M_MMAP_THRESHOLD)`);
   * false when nothing can. See {@link mapBlocksApartWhile}.
   */
  mapFrom?(bytes: number): boolean;
  /** Sets how much free memory an arena's top may keep before `free` hands it back (glibc: `M_TRIM_THRESHOLD`). */
  trimFrom?(bytes: number): boolean;
}

const NONE: MemoryTrimmer = { trim: () => false };

/** glibc's `mallopt` parameters for the trim and mmap thresholds, and both values when a process starts (128 KiB). */
const M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3, GLIBC_START_THRESHOLD = 128 * 1024;

/** glibc's `malloc_trim(0)` through FFI, or `undefined` when unavailable (not Linux, not glibc, no permission). */
export function glibcTrimmer(os: typeof Deno.build.os = Deno.build.os): MemoryTrimmer | undefined {
  if (os !== "linux") return undefined;
  try {
    // query, never request: a missing permission must not turn into a prompt
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return undefined;
    const lib = Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32" },
      malloc_trim_nonblocking: { name: "malloc_trim", parameters: ["usize"], result: "i32", nonblocking: true },
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
    });
    return {
      trim: () => {
        lib.symbols.malloc_trim(0n);
        return true;
      },
      trimInBackground: () => lib.symbols.malloc_trim_nonblocking(0n),
      mapFrom: (bytes) => lib.symbols.mallopt(M_MMAP_THRESHOLD, bytes) === 1,
      trimFrom: (bytes) => lib.symbols.mallopt(M_TRIM_THRESHOLD, bytes) === 1,
    };
  } catch {
    return undefined; // musl or another libc: no malloc_trim
  }
}

let trimmer: MemoryTrimmer | undefined;
let failedTrims = 0;

/** How many background trims of {@link releaseFreedMemoryEvery} failed (rejected) so far in this process. */
export function failedBackgroundTrims(): number {
  return failedTrims;
}

/** Returns freed heap memory to the OS where possible (see module docs); true when it did. */
export function releaseFreedMemory(): boolean {
  trimmer ??= glibcTrimmer() ?? NONE;
  return trimmer.trim();
}

/**
 * Returns freed heap memory to the OS every `intervalMs` until the returned function is called.
 * Memory freed by other threads (file reads on the runtime's I/O threads, each with its own glibc
 * arena) otherwise stays resident and adds up to the peak. Each call takes 0.3–10 ms, on one of the runtime's
 * blocking threads where the trimmer can ({@link MemoryTrimmer.trimInBackground}: the calling thread may be running
 * the capture), else on the calling thread; a trim still running when the next is due skips it. Does nothing where
 * nothing can trim (see {@link releaseFreedMemory}); never keeps the
 * process alive.
 */
export function releaseFreedMemoryEvery(intervalMs: number, using?: MemoryTrimmer): () => void {
  const t = using ?? (trimmer ??= glibcTrimmer() ?? NONE);
  if (t === NONE) return () => {};
  const step = trimStep(t);
  const timer = setInterval(step, Math.max(1, intervalMs));
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

/** One trim: in the background where the trimmer can (skipped while the last one still runs), else now. */
function trimStep(t: MemoryTrimmer): () => void {
  const background = t.trimInBackground?.bind(t);
  let running = false;
  return () => {
    if (background === undefined) return void t.trim();
    if (running) return;
    running = true;
    // a failed trim is ignored (counted): the next one is due anyway, and a rejection left unhandled would end the run
    background().catch(() => failedTrims++).finally(() => running = false);
  };
}

/** This process's resident set in MB (Linux `VmRSS`), `undefined` where it cannot be read. */
export function residentMb(): number | undefined {
  const path = "/proc/self/status";
  try {
    // query, never request: a missing permission must not turn into a prompt
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
    const kb = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(path))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined; // not Linux, or no read permission there
  }
}

/** Options of {@link mapBlocksApartWhile}. */
export interface MapApartOptions {
  /** Blocks from this size on get their own mapping while the work runs. */
  fromBytes: number;
  /** Only when the process already holds at least this much (MB; see {@link residentMb}); default 0: always. */
  whenResidentMb?: number;
  /** The native side (default: glibc's, see {@link glibcTrimmer}). */
  using?: MemoryTrimmer;
}

/**
 * Runs `work` with every block of at least `fromBytes` mapped apart (glibc: the mmap threshold), so that freeing it
 * hands it back at once instead of leaving a hole in its thread's arena; resolves (or rejects) as `work` does. For a
 * start that allocates and frees much as it goes on one busy thread, where no trim can come in between: onnxruntime's
 * in the model Worker, whose start allocates and frees ~150 MB in 32 KiB blocks and ~45 MB in 8 KiB ones (most likely
 * V8's compilation zones) and leaves ~25 MB of holes in that Worker's arena until the trim after the load, on top of
 * whatever the process holds then.
 * Costs a mapping and fresh pages per block (~50 ms more CPU for that start), so `whenResidentMb` keeps it for a
 * process already holding much (a capture's full tables). Afterwards both thresholds are glibc's starting values
 * (128 KiB), fixed: setting one ends glibc's raising of them, so larger blocks keep their own mappings, as before the
 * first of them was freed, and an arena's top keeps at most 128 KiB free. Does nothing where nothing can set it.
 */
export async function mapBlocksApartWhile<T>(work: () => Promise<T>, o: MapApartOptions): Promise<T> {
  const resident = o.whenResidentMb === undefined || o.whenResidentMb <= 0 ? Infinity : residentMb();
  if (resident === undefined || resident < (o.whenResidentMb ?? 0)) return await work();
  const t = o.using ?? (trimmer ??= glibcTrimmer() ?? NONE);
  if (t.mapFrom?.(o.fromBytes) !== true) return await work();
  try {
    return await work();
  } finally {
    t.mapFrom(GLIBC_START_THRESHOLD);
    t.trimFrom?.(GLIBC_START_THRESHOLD);
  }
}

/** What {@link releaseFreedMemoryOnTicks} returns. */
export interface TickedTrims {
  /** The caller's clock ticked (about every `intervalMs`): trims unless the last trim was under half of it ago. */
  tick(): void;
}

/**
 * {@link releaseFreedMemoryEvery} driven by a clock the caller already has (a replay's counters, about once a second)
 * instead of a timer: a thread's first timer loads Deno's timer module (4–14 ms), and the native library is opened
 * only at the first tick due (~1–2 ms), not on the way to a capture that may run on this thread and end within a
 * second. `tick()` trims (as {@link releaseFreedMemoryEvery} does, in the background where it can) when at least half
 * of `intervalMs` passed since the last trim, or since the start for the first; the ticks' own spacing sets the pace.
 * Does nothing where nothing can trim.
 */
export function releaseFreedMemoryOnTicks(intervalMs: number, using?: () => MemoryTrimmer): TickedTrims {
  let last = performance.now();
  let step: (() => void) | undefined;
  return {
    tick() {
      const now = performance.now();
      if (now - last < intervalMs / 2) return;
      last = now;
      if (step === undefined) {
        const t = using?.() ?? (trimmer ??= glibcTrimmer() ?? NONE);
        step = t === NONE ? () => {} : trimStep(t);
      }
      step();
    },
  };
}
