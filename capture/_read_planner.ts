/**
 * Chooses, chunk by chunk, how a regular file is read: on the capture thread (`readSync`: the kernel copies
 * the chunk into the buffer there and then) or ahead on the runtime's I/O thread pool (`read`: the copy runs
 * beside the parsing of the chunk before, then the chunk is handed over between threads and through the event
 * loop).
 *
 * The read ahead costs the capture thread nothing when it is done before the chunk before it has been parsed;
 * when the parsing is quicker, the capture thread waits for every hand-over, which costs more than the copy
 * itself (measured on this project's 2-core VM: a lone read ahead of 1 MiB waited for 0.2-0.4 ms, often ms,
 * against ~0.2 ms to copy the chunk on the capture thread). So the planner keeps the time the consumer spent on
 * a chunk (parsing, decoding, detecting: from the hand-over to the next call for more bytes, per byte) and reads
 * the next chunk here when that time is under {@link SYNC_BELOW_NS_PER_BYTE} — captures of large frames, or no
 * detectors — and ahead otherwise (many small packets, every detector). Either way the same bytes arrive in
 * the same order.
 *
 * @module
 */

/**
 * Below this consumer time per byte (0.35 ms per MiB) the next chunk is read on the capture thread. Measured on
 * this project's VM (2026-11-30): the bench's sequential capture (mostly full-size frames) goes through a MiB in
 * 0.07-0.3 ms without detectors and 0.08-0.5 ms with every detector, and was replayed faster reading on the capture
 * thread throughout (whole process, interleaved rounds: -7 to -11 % wall); the attack-heavy capture without
 * detectors takes 0.6-1.05 ms per MiB and tiny packets ~1.4 ms, and those were replayed faster with the read ahead
 * throughout (+8 % and +4 % wall reading here).
 */
export const SYNC_BELOW_NS_PER_BYTE = 0.35e6 / (1 << 20);

/** Weight of the newest chunk in the running consumer time. */
const ALPHA = 0.25;

/** The running consumer time and the choice; see the module docs. */
export class ReadPlanner {
  /** The consumer's time per byte of the chunks so far (EWMA, ns; -1 before the first). */
  consumerNsPerByte = -1;
  #chunks = 0;

  /** True when the next chunk should be read on this thread; false: read it ahead on the I/O pool. */
  nextSync(): boolean {
    // the first chunk at once: the first packets go on without a hand-over
    if (this.#chunks++ === 0) return true;
    return this.consumerNsPerByte >= 0 && this.consumerNsPerByte < SYNC_BELOW_NS_PER_BYTE;
  }

  /** The consumer spent `ms` on a chunk of `bytes`. */
  consumed(ms: number, bytes: number): void {
    if (bytes <= 0) return;
    const x = (ms * 1e6) / bytes;
    this.consumerNsPerByte = this.consumerNsPerByte < 0
      ? x
      : this.consumerNsPerByte + ALPHA * (x - this.consumerNsPerByte);
  }
}
