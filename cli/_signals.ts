/**
 * The signals that stop `ids` cleanly, per OS. Linux/macOS: Ctrl-C (SIGINT) and SIGTERM (systemd,
 * `kill`). Windows: Ctrl-C (SIGINT) and Ctrl-Break (SIGBREAK); Deno rejects any other signal name
 * there, so listening for SIGTERM on Windows would throw at start.
 *
 * @module
 */

/** Signals that request a clean stop on `os`. */
export function stopSignals(os: typeof Deno.build.os = Deno.build.os): Deno.Signal[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
}

/** Calls `stop` on each stop signal of this OS; returns the function that removes the listeners. */
export function onStopSignals(stop: () => void): () => void {
  const signals = stopSignals();
  for (const s of signals) Deno.addSignalListener(s, stop);
  return () => {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  };
}

/**
 * The stop signals of this OS caught from the moment a command starts (the entry point makes one before the command's
 * first slow start-up step: loading its modules, the configuration, the model, the outputs), for the code that later
 * knows how to stop: a signal that came before it listened is handed to it when it does. Without it a signal in
 * those first tens of ms took the process down with the signal's default action (exit 143 / 130, no report).
 *
 * A second signal while nothing listens (a start-up step that waits) ends the process at once with the status that
 * signal's default action gives (128 + its number), as before; so does the first one while a start-up step waits
 * without end for another process ({@link StopLatch.waiting}: a FIFO's other end).
 */
export class StopLatch {
  #requested = false;
  /** The stop signal that came first (for a start-up step that starts to wait after it). */
  #first: Deno.Signal | undefined;
  readonly #handlers: (() => void)[] = [];
  /** What the start-up steps in {@link waiting} wait for, oldest first. */
  readonly #waits: string[] = [];
  readonly #remove: () => void;
  readonly #exit: (code: number) => void;

  /** `exit`: how a second signal while nothing listens ends the process (default `Deno.exit`; for tests). */
  constructor(options: { exit?: (code: number) => void } = {}) {
    this.#exit = options.exit ?? ((code) => Deno.exit(code));
    const listeners = stopSignals().map((s) => [s, () => this.#signal(s)] as const);
    for (const [s, l] of listeners) Deno.addSignalListener(s, l);
    this.#remove = () => {
      for (const [s, l] of listeners) Deno.removeSignalListener(s, l);
    };
  }

  /** True once a stop signal came. */
  get requested(): boolean {
    return this.#requested;
  }

  /**
   * Calls `stop` on each stop signal from now on, and at once when one already came; returns the function that
   * removes it.
   */
  onStop(stop: () => void): () => void {
    const h = () => stop();
    this.#handlers.push(h);
    if (this.#requested) h();
    return () => {
      const i = this.#handlers.indexOf(h);
      if (i >= 0) this.#handlers.splice(i, 1);
    };
  }

  /**
   * Waits for `step`, a start-up step that may wait without end for another process (the reader of an output FIFO,
   * the writer of a --config FIFO: `what` names it): a stop signal while it waits ends the process at once with one
   * line and 128 + the signal's number. Nothing can interrupt such a wait (a FIFO's open waits in the kernel), and a
   * supervisor's one SIGTERM must end the process, as the signal's default action did before the latch caught it.
   * A stop signal that came before the wait began ends the process the same way as soon as it begins: nothing would
   * hand that signal on while the step waits.
   */
  async waiting<T>(what: string, step: Promise<T>): Promise<T> {
    if (this.#first !== undefined) this.#exitAtOnce(this.#first, `while waiting for ${what}`);
    this.#waits.push(what);
    try {
      return await step;
    } finally {
      this.#waits.splice(this.#waits.indexOf(what), 1);
    }
  }

  /** Removes the signal listeners: a signal after that has its default action again (when no other listener is left). */
  close(): void {
    this.#handlers.length = 0;
    this.#remove();
  }

  /** Prints `ids: <s> <why>: exiting at once` and exits with 128 + the signal's number. */
  #exitAtOnce(s: Deno.Signal, why: string): void {
    console.error(`ids: ${s} ${why}: exiting at once`);
    this.#exit(128 + (SIGNAL_NUMBERS[s] ?? 15));
  }

  #signal(s: Deno.Signal): void {
    if (this.#waits.length > 0) return this.#exitAtOnce(s, `while waiting for ${this.#waits[0]}`);
    if (this.#requested && this.#handlers.length === 0) {
      return this.#exitAtOnce(s, "again before the command could stop");
    }
    this.#first ??= s;
    this.#requested = true;
    for (const h of [...this.#handlers]) h();
  }
}

/**
 * Runs `body` with `given` (the entry point's latch, caught since the process started the command) or, without one, a
 * latch made here and released when `body` ends.
 */
export async function withStopLatch<T>(
  given: StopLatch | undefined,
  body: (latch: StopLatch) => Promise<T>,
): Promise<T> {
  const latch = given ?? new StopLatch();
  try {
    return await body(latch);
  } finally {
    if (given === undefined) latch.close();
  }
}

/** The numbers of the stop signals (the exit status of a process they end is 128 + the number). */
const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = { SIGINT: 2, SIGTERM: 15, SIGBREAK: 21 };
