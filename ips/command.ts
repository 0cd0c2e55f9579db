/**
 * The one door to the operating system's firewall tools: a command is an argument vector (never a
 * shell string), optionally with generated standard input. Backends take a {@link CommandRunner}, so the
 * Windows backend is tested against a fake with the real tools' output, and the Linux one for real.
 *
 * @module
 */

/** Result of one command. */
export interface CommandResult {
  /** Exit code (-1 when the program could not be started). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `argv[0]` with `argv.slice(1)` as separate arguments; `stdin` is written to its input. */
export type CommandRunner = (argv: readonly string[], options?: { stdin?: string }) => Promise<CommandResult>;

/** Longest a firewall command may run before it is killed (ms). */
export const COMMAND_TIMEOUT_MS = 15_000;

/**
 * The real runner: `Deno.Command` with piped output, killed after {@link COMMAND_TIMEOUT_MS}. A program
 * that cannot be started (not installed, no permission) gives code -1 and the reason in `stderr`.
 */
export const denoRunner: CommandRunner = async (argv, options = {}) => {
  if (argv.length === 0) throw new TypeError("Cannot run command: empty argument vector");
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: [...argv.slice(1)],
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      windowsRawArguments: false,
    }).spawn();
  } catch (e) {
    return { code: -1, stdout: "", stderr: `Cannot run ${argv[0]}: ${(e as Error).message}` };
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, COMMAND_TIMEOUT_MS);
  try {
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(options.stdin));
        await writer.close();
      } catch { /* the program exited early: its status tells why */ }
    }
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
};

/** The first line of a command's error output (or stdout), trimmed to 300 characters, for messages. */
export function firstLine(result: CommandResult): string {
  const text = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.code}`).split(/\r?\n/)[0];
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
