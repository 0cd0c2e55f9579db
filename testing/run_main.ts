/**
 * Test helper: runs the CLI's `main()` in this process with console output captured.
 *
 * @module
 */
import { main } from "../main.ts";

/** What a run of `main()` printed and returned. */
export interface MainRun {
  code: number;
  /** console.log / console.info lines. */
  out: string;
  /** console.error / console.warn lines. */
  err: string;
}

/** Runs `main(args)`, capturing console output (not direct writes to Deno.stdout). */
export async function runMain(...args: string[]): Promise<MainRun> {
  const out: string[] = [], err: string[] = [];
  const { log, error, warn, info } = console;
  console.log = (...a: unknown[]) => out.push(a.map(String).join(" "));
  console.info = console.log;
  console.error = (...a: unknown[]) => err.push(a.map(String).join(" "));
  console.warn = console.error;
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    Object.assign(console, { log, error, warn, info });
  }
}
