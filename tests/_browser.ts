/**
 * Headless Chromium for the dashboard's end-to-end tests: Debian's `chromium` driven by
 * playwright-core, every page watched for CSP violations, page errors and dialogs.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** True when Chromium is installed. */
export const HAS_CHROMIUM: boolean = existsSync(CHROMIUM);

/** The repository root. */
export const REPO: string = fileURLToPath(new URL("..", import.meta.url));

// deno-lint-ignore no-explicit-any
export type Page = any;
// deno-lint-ignore no-explicit-any
export type Browser = any;

/** Flags for a quiet headless run (no background traffic). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-default-apps",
  "--disable-sync",
  "--disable-extensions",
  "--no-first-run",
  "--no-default-browser-check",
  "--metrics-recording-only",
  "--mute-audio",
];

/** Launches Chromium. */
export async function launch(): Promise<Browser> {
  // test-only package: imported here so the CLI's import map stays free of it
  // deno-lint-ignore no-import-prefix
  const { chromium } = await import("npm:playwright-core@1.65.1");
  return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** What went wrong in a page: CSP violations, uncaught errors, dialogs (an alert() means script ran). */
export interface PageProblems {
  csp: string[];
  errors: string[];
  dialogs: string[];
}

/** Opens a page that records every CSP violation, page error and dialog. */
export async function watchedPage(
  browser: Browser,
  options: { locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    locale: options.locale ?? "en-US",
    viewport: options.viewport ?? { width: 1400, height: 900 },
  });
  const page = await context.newPage();
  const problems: PageProblems = { csp: [], errors: [], dialogs: [] };
  page.on("console", (m: { type(): string; text(): string }) => {
    if (/Content Security Policy/i.test(m.text())) problems.csp.push(m.text());
    else if (
      m.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())
    ) {
      problems.errors.push(m.text());
    }
  });
  page.on("pageerror", (e: Error) => problems.errors.push(e.message));
  page.on("dialog", async (d: { message(): string; dismiss(): Promise<void> }) => {
    problems.dialogs.push(d.message());
    await d.dismiss();
  });
  return { page, problems };
}

/** A running `ids` process serving the dashboard. */
export interface Served {
  url: string;
  origin: string;
  child: Deno.ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `ids ARGS…` and waits for the line with the dashboard URL. */
export async function serveIds(args: string[], timeoutMs = 60_000): Promise<Served> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO}/main.ts`, ...args],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const found = Promise.withResolvers<string>();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      text += dec.decode(chunk, { stream: true });
      const m = /dashboard at (http:\/\/\S+)/.exec(text);
      if (m) found.resolve(m[1]);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const timer = setTimeout(
    () => found.reject(new Error(`no dashboard URL within ${timeoutMs} ms:\n${text}`)),
    timeoutMs,
  );
  child.status.then((s) => found.reject(new Error(`ids exited (${s.code}) before serving:\n${text}`)));
  let url: string;
  try {
    url = await found.promise;
  } catch (e) {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await pumps.catch(() => {});
    throw e;
  }
  clearTimeout(timer);
  return {
    url,
    origin: new URL(url).origin,
    child,
    output: () => text,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(t);
      await pumps.catch(() => {});
    },
  };
}
