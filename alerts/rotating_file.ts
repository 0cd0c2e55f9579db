/**
 * A file that rotates by size (PATH → PATH.1 → … → PATH.N, the oldest deleted) and can be reopened
 * after an external rotation (logrotate moves the file, then sends SIGHUP).
 *
 * @module
 */

/** Options of {@link RotatingFile}. */
export interface RotatingFileOptions {
  /** Rotate before a write would pass this size (bytes); 0 never rotates. */
  maxBytes?: number;
  /** Rotated files kept. Default 5. */
  keep?: number;
  /** Called once the file was rotated (e.g. to write a header into the new file). */
  onRotate?: () => void;
}

/** An append-only file with size rotation and reopen. Synchronous writes. */
export class RotatingFile {
  readonly path: string;
  #file: Deno.FsFile;
  #size: number;
  #maxBytes: number;
  #keep: number;
  #onRotate: (() => void) | undefined;
  /** Rotations done. */
  rotations = 0;

  /**
   * Opens (creating) `path` for appending.
   *
   * @throws {Error} the open error (permission, missing directory)
   */
  constructor(path: string, options: RotatingFileOptions = {}) {
    this.path = path;
    this.#maxBytes = options.maxBytes ?? 0;
    this.#keep = Math.max(1, options.keep ?? 5);
    this.#onRotate = options.onRotate;
    this.#file = Deno.openSync(path, { write: true, create: true, append: true });
    this.#size = this.#file.statSync().size;
  }

  /** Bytes in the current file. */
  get size(): number {
    return this.#size;
  }

  /** Writes some of `p` (rotating first when it would pass the limit); returns bytes written. */
  writeSync(p: Uint8Array): number {
    if (this.#maxBytes > 0 && this.#size > 0 && this.#size + p.length > this.#maxBytes) this.rotate();
    const n = this.#file.writeSync(p);
    this.#size += n;
    return n;
  }

  /** Moves PATH to PATH.1 (shifting older ones, dropping the last) and starts a new PATH. */
  rotate(): void {
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

  /** Closes and opens PATH again (after logrotate moved it away): new writes go to a new file. */
  reopen(): void {
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
