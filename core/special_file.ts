/**
 * Whether a path names a special file (a FIFO, a device): one whose open or read may wait for another process.
 *
 * @module
 */

/**
 * True when `path` is there and is not a regular file or a directory: a FIFO, whose open (or read) waits for a process
 * at its other end. False for a missing path or one that cannot be checked (the caller's open says what is wrong).
 */
export function isSpecialFile(path: string): boolean {
  try {
    const info = Deno.statSync(path); // (a stat never waits for a FIFO's other end)
    return !info.isFile && !info.isDirectory;
  } catch {
    return false;
  }
}
