/**
 * A file that rotates by size (PATH → PATH.1 → … → PATH.N, the oldest deleted) and can be reopened
 * after an external rotation (logrotate moves the file, then sends SIGHUP).
 *
 * @module
 */
import { isSpecialFile } from "../core/special_file.ts";

/** Options of {@link RotatingFile}. */
export interface RotatingFileOptions {
  /** Rotate before a write would pass this size (bytes); 0 never rotates. */
  maxBytes?: number;
  /** Rotated files kept. Default 5. */
  keep?: number;
  /** Called once the file was rotated (e.g. to write a header into the new file). */
  onRotate?: () => void;
  /**
   * `path` already opened by {@link openSpecialFile} (a FIFO, a device): written as is, never rotated nor reopened
   * (renaming a FIFO would break its reader's stream, and opening it again would wait for a reader on this thread).
   */
  file?: Deno.FsFile;
}

/** A start-up step that may wait without end for another process, as the command wraps it (StopLatch.waiting). */
export type Waiting = <T>(what: string, step: Promise<T>) => Promise<T>;

/**
 * Opens `path` for appending when it is a special file (a FIFO, a character device), without blocking this thread:
 * a FIFO's open waits in the kernel until a reader opens it, and a synchronous open there blocks the thread that
 * runs the signal listeners (no Ctrl-C / SIGTERM could stop the process). Undefined for a regular file, a missing path
 * or one that cannot be checked: {@link RotatingFile} opens (and creates) those itself, as before.
 *
 * @throws {Error} the open error of a special file (permission)
 */
export async function openSpecialFile(path: string): Promise<Deno.FsFile | undefined> {
  if (!isSpecialFile(path)) return undefined;
  return await Deno.open(path, { write: true, append: true });
}

/** An append-only file with size rotation and reopen. Synchronous writes. */
export class RotatingFile {
  readonly path: string;
  #file: Deno.FsFile;
  #size: number;
  #maxBytes: number;
  #keep: number;
  #onRotate: (() => void) | undefined;
  /** A special file opened by the caller: never rotated nor reopened. */
  #special: boolean;
  /** Rotations done. */
  rotations = 0;

  /**
   * Opens (creating) `path` for appending, or takes `options.file`.
   *
   * @throws {Error} the open error (permission, missing directory)
   */
  constructor(path: string, options: RotatingFileOptions = {}) {
    this.path = path;
    this.#maxBytes = options.maxBytes ?? 0;
    this.#keep = Math.max(1, options.keep ?? 5);
    this.#onRotate = options.onRotate;
    this.#special = options.file !== undefined;
    this.#file = options.file ?? Deno.openSync(path, { write: true, create: true, append: true });
    this.#size = this.#special ? 0 : this.#file.statSync().size;
  }

  /** Bytes in the current file. */
  get size(): number {
    return this.#size;
  }

  /** Writes some of `p` (rotating first when it would pass the limit); returns bytes written. */
  writeSync(p: Uint8Array): number {
    if (this.#maxBytes > 0 && this.#size > 0 && this.#size + p.length > this.#maxBytes && !this.#special) {
      this.rotate();
    }
    const n = this.#file.writeSync(p);
    this.#size += n;
    return n;
  }

  /** Moves PATH to PATH.1 (shifting older ones, dropping the last) and starts a new PATH. Nothing for a special file. */
  rotate(): void {
    if (this.#special) return;
    this.#file.close();
    try {
      Deno.removeSync(`${this.path}.${this.#keep}`);
    } catch { /* not there */ }
    for (let i = this.#keep - 1; i >= 1; i--) {
      try {
        Deno.renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch { /* not there */ }
    }
    Deno.renameSync(this.path, `${this.path}.1`);
    this.#file = Deno.openSync(this.path, { write: true, create: true, append: true });
    this.#size = 0;
    this.rotations++;
    this.#onRotate?.();
  }

  /**
   * Closes and opens PATH again (after logrotate moved it away): new writes go to a new file. Nothing for a special
   * file (it stays open).
   */
  reopen(): void {
    if (this.#special) return;
    try {
      this.#file.close();
    } catch { /* already closed */ }
    this.#file = Deno.openSync(this.path, { write: true, create: true, append: true });
    this.#size = this.#file.statSync().size;
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}
