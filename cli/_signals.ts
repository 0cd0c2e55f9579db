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
