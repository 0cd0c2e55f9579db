/**
 * `ids version`: the release version, the commit it was built from, the Deno runtime and the capture
 * library (libpcap or Npcap) actually found on this machine.
 *
 * @module
 */
/** The release version of `ids`. */
export const VERSION = "0.2.0";

/** Written by `deno task compile` into `dist/build_info.json` and embedded in the binary. */
export interface BuildInfo {
  version: string;
  /** Commit the binary was built from (`git rev-parse --short HEAD`), or `unknown`. */
  commit: string;
  /** Build time, ISO 8601. */
  date: string;
}

const BUILD_INFO = new URL("../dist/build_info.json", import.meta.url);

/**
 * The build this program is: inside a compiled binary the embedded `dist/build_info.json`; from a
 * checkout, the checkout's commit (`git rev-parse`), or `unknown` when git is not there.
 */
export async function buildInfo(): Promise<BuildInfo> {
  if (Deno.build.standalone) {
    try {
      const info = JSON.parse(await Deno.readTextFile(BUILD_INFO)) as BuildInfo;
      if (typeof info.commit === "string") return { version: VERSION, commit: info.commit, date: info.date ?? "" };
    } catch {
      // fall through: a binary built without the compile task
    }
    return { version: VERSION, commit: "unknown", date: "" };
  }
  return { version: VERSION, commit: await checkoutCommit(), date: "" };
}

/** `git rev-parse --short HEAD` in the checkout this module lives in, `unknown` on any failure. */
export async function checkoutCommit(): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "--short", "HEAD"],
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && /^[0-9a-f]{4,40}$/.test(text) ? text : "unknown";
  } catch {
    return "unknown";
  }
}

/** The capture library's own version string, or why it could not be loaded (one line). */
export function captureLibraryVersion(load: () => { version: string }): string {
  try {
    return load().version;
  } catch (e) {
    return `not available — ${(e as Error).message.split("\n")[0]}`;
  }
}

/** The lines `ids version` prints. */
export async function versionReport(pcap: () => string): Promise<string> {
  const info = await buildInfo();
  const built = info.date ? `, built ${info.date}` : "";
  const library = Deno.build.os === "windows" ? "npcap  " : "libpcap";
  return [
    `ids ${info.version} (commit ${info.commit}${built})`,
    `deno    ${Deno.version.deno} (v8 ${Deno.version.v8}, ${Deno.build.target})`,
    `${library} ${pcap()}`,
  ].join("\n");
}

/** `ids version [--json]`. */
export async function versionCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(
      "Usage: ids version [--json]\n\nPrints the version, the commit, the Deno runtime and the capture library.",
    );
    return 0;
  }
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    console.error(`ids version: unknown option "${unknown[0]}" (run "ids version --help")`);
    return 2;
  }
  // libpcap's bindings load here only: main.ts imports this module, and the other commands start without them
  const { loadPcap } = await import("../ffi/npcap.ts");
  if (args.includes("--json")) {
    const info = await buildInfo();
    console.log(JSON.stringify({
      version: info.version,
      commit: info.commit,
      built: info.date || null,
      deno: Deno.version.deno,
      target: Deno.build.target,
      capture_library: captureLibraryVersion(loadPcap),
    }));
    return 0;
  }
  console.log(await versionReport(() => captureLibraryVersion(loadPcap)));
  return 0;
}
