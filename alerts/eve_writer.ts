/**
 * Writes alerts as EVE JSON lines to a file or to stdout, buffered.
 *
 * @module
 */
import type { Alert } from "../core/alert.ts";
import type { HubEvent, Subscriber } from "../core/hub_event.ts";
import { eveJson, toEve } from "./eve.ts";
import { openSpecialFile, RotatingFile, type Waiting } from "./rotating_file.ts";

/** Where the writer's bytes go: a file, stdout, or anything with a synchronous write. */
export interface EveSink {
  /** Writes some of `p`, returning how many bytes were written. */
  writeSync(p: Uint8Array): number;
  /** Releases the sink (files only; stdout is never closed). */
  close?(): void;
  /** Opens the file again (after logrotate moved it). */
  reopen?(): void;
}

/** Options for {@link EveWriter}. */
export interface EveWriterOptions {
  /** Capture interface name written as `in_iface` when the alert has none of its own. */
  inIface?: string;
  /** Bytes buffered before a write. Default 65536. */
  bufferBytes?: number;
  /**
   * Buffered lines are written at most this long after the first of them (ms). Default 1000;
   * 0 writes after every line. The timer never keeps the process alive: call {@link EveWriter.close}
   * before exiting (e.g. on SIGINT/SIGTERM).
   */
  flushIntervalMs?: number;
}

/** Options for {@link EveWriter.open}. */
export interface EveWriterOpenOptions extends EveWriterOptions {
  /** Start the file afresh instead of appending to it (the default, as Suricata does). */
  truncate?: boolean;
  /** Rotate the file before it passes this many bytes (PATH → PATH.1 …); 0 or absent: never. */
  rotateBytes?: number;
  /** Rotated files kept. Default 5. */
  rotateKeep?: number;
  /** `path` already opened by openSpecialFile (a FIFO): written as is, not truncated, rotated nor reopened. */
  file?: Deno.FsFile;
}

/** Options for {@link EveWriter.openAsync}. */
export interface EveWriterOpenAsyncOptions extends Omit<EveWriterOpenOptions, "file"> {
  /** Wraps the wait for a FIFO's reader (the command's stop signals end the process meanwhile). */
  waiting?: Waiting;
}

const encoder = new TextEncoder();

/**
 * Buffers EVE lines and writes them in large chunks. Only EVE records are ever written to the
 * sink, one JSON object per line.
 *
 * @example
 * ```ts ignore
 * using eve = EveWriter.open("-"); // stdout
 * eve.write(alert);
 * ```
 */
export class EveWriter {
  #sink: EveSink;
  #ownsSink: boolean;
  #buffer: Uint8Array;
  #used = 0;
  #inIface?: string;
  #flushIntervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #records = 0;

  /**
   * Opens `path` for appending (created if missing), or stdout when `path` is `-`.
   *
   * @throws {Error} `Cannot open EVE output PATH: …` when the file cannot be opened
   */
  static open(path: string, options: EveWriterOpenOptions = {}): EveWriter {
    if (path === "-") return new EveWriter(Deno.stdout, { ...options, ownsSink: false });
    let file: EveSink;
    try {
      if (options.truncate && options.file === undefined) Deno.writeFileSync(path, new Uint8Array(0));
      file = new RotatingFile(path, {
        maxBytes: options.rotateBytes ?? 0,
        keep: options.rotateKeep ?? 5,
        file: options.file,
      });
    } catch (error) {
      const state = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot open EVE output ${path}: ${state}`, { cause: error });
    }
    return new EveWriter(file, { ...options, ownsSink: true });
  }

  /**
   * As {@link open}, but a special file (a FIFO, whose open waits for a reader) is opened without blocking this
   * thread, inside `options.waiting`: a regular file is opened as by {@link open}.
   *
   * @throws {Error} `Cannot open EVE output PATH: …` when the file cannot be opened
   */
  static async openAsync(path: string, options: EveWriterOpenAsyncOptions = {}): Promise<EveWriter> {
    const { waiting, ...rest } = options;
    if (path === "-") return EveWriter.open(path, rest);
    let file: Deno.FsFile | undefined;
    try {
      const opening = openSpecialFile(path);
      file = await (waiting?.(`a reader of the EVE output ${path}`, opening) ?? opening);
    } catch (error) {
      const state = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot open EVE output ${path}: ${state}`, { cause: error });
    }
    return EveWriter.open(path, { ...rest, file });
  }

  /**
   * Wraps a sink. With `ownsSink` (default false) {@link close} also closes the sink.
   */
  constructor(sink: EveSink, options: EveWriterOptions & { ownsSink?: boolean } = {}) {
    const bufferBytes = options.bufferBytes ?? 65_536;
    if (!Number.isInteger(bufferBytes) || bufferBytes < 64) {
      throw new RangeError(`Cannot create EVE writer: bufferBytes must be an integer ≥ 64 (got ${bufferBytes})`);
    }
    this.#sink = sink;
    this.#ownsSink = options.ownsSink ?? false;
    this.#buffer = new Uint8Array(bufferBytes);
    this.#inIface = options.inIface;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
  }

  /** Records written (or buffered) so far. */
  get count(): number {
    return this.#records;
  }

  /** True once {@link close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes the EVE record of an alert. */
  write(alert: Alert): void {
    // the shared JSON (eveJson) when the alert names its interface or the writer adds none
    if (alert.iface !== undefined || this.#inIface === undefined) this.#writeJson(eveJson(alert));
    else this.writeRecord(toEve(alert, { inIface: this.#inIface }));
  }

  /**
   * Writes one record as a JSON line.
   *
   * @throws {Error} `Cannot write EVE record: writer is closed` after {@link close}
   */
  writeRecord(record: object): void {
    this.#writeJson(JSON.stringify(record));
  }

  #writeJson(json: string): void {
    if (this.#closed) throw new Error("Cannot write EVE record: writer is closed");
    const line = `${json}\n`;
    this.#records++;
    // UTF-16 length × 3 bounds the UTF-8 length.
    if (line.length * 3 > this.#buffer.length - this.#used) {
      this.flush();
      if (line.length * 3 > this.#buffer.length) {
        this.#writeAll(encoder.encode(line));
        return;
      }
    }
    this.#used += encoder.encodeInto(line, this.#buffer.subarray(this.#used)).written;
    if (this.#flushIntervalMs <= 0) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (!this.#closed) this.flush();
      }, this.#flushIntervalMs);
      Deno.unrefTimer(this.#timer as unknown as number);
    }
  }

  /** Writes every buffered line to the sink now. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    this.#writeAll(this.#buffer.subarray(0, used));
  }

  /**
   * Flushes, then opens the file again: after logrotate moved it away (SIGHUP), new records go to
   * a new file at the same path. Nothing for stdout.
   *
   * @throws {Error} `Cannot reopen EVE output: …` when the file cannot be opened
   */
  reopen(): void {
    if (this.#closed) return;
    this.flush();
    try {
      this.#sink.reopen?.();
    } catch (error) {
      const state = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot reopen EVE output: ${state}`, { cause: error });
    }
  }

  /** Flushes everything and releases the sink (a file is closed; stdout stays open). Idempotent. */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      if (this.#ownsSink) this.#sink.close?.();
    }
  }

  /** Same as {@link close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #writeAll(bytes: Uint8Array): void {
    let written = 0;
    try {
      while (written < bytes.length) written += this.#sink.writeSync(bytes.subarray(written));
    } catch (error) {
      const state = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot write EVE output: ${state}`, { cause: error });
    }
  }
}

/**
 * A hub subscriber writing every alert to `writer`; closing the hub closes the writer.
 */
export function eveSubscriber(writer: EveWriter, name = "eve"): Subscriber {
  return {
    name,
    kinds: ["alert"],
    handle: (event: HubEvent) => {
      if (event.kind === "alert") writer.write(event.alert);
    },
    close: () => writer.close(),
  };
}
