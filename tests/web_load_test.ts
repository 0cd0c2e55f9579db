/**
 * Load: alerts at 10 000 per second for 10 s with the Events page open in headless Chromium. No
 * main-thread task may take longer than 200 ms of CPU time (the renderer's trace), nor of wall time
 * (Chromium's long-task timing) unless the machine is loaded past its cores, and the page's memory
 * stays bounded (JS heap, DOM size, alerts held).
 */
import assert from "node:assert/strict";
import { ignoreUnless, prereq } from "../testing/prereq.ts";
import { CHROMIUM, HAS_CHROMIUM, launch, REPO, watchedPage } from "./_browser.ts";

const WHY = `${CHROMIUM} is missing (apt-get install chromium)`;

Deno.test({
  name: "dashboard load: 10k alerts/s for 10 s, no task over 200 ms, memory bounded",
  ignore: ignoreUnless("chromium", HAS_CHROMIUM, WHY),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    prereq("chromium", HAS_CHROMIUM, WHY);
    const dir = await Deno.makeTempDir({ prefix: "ids-load-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO}/tests/_web_load_server.ts`, dir, "10000", "10"],
      cwd: REPO,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const stdin = child.stdin.getWriter();
    const out = child.stdout.pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>).getReader();
    let text = "";
    const waitFor = async (re: RegExp, ms: number) => {
      const end = Date.now() + ms;
      while (!re.test(text)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${text}`);
        const r = await out.read();
        if (r.done) throw new Error(`load server ended:\n${text}`);
        text += r.value;
      }
      return re.exec(text)!;
    };
    const browser = await launch();
    try {
      const url = (await waitFor(/dashboard at (\S+)/, 60_000))[1];
      const { page, problems } = await watchedPage(browser);
      await page.goto(url);
      await page.goto(new URL("/events", url).href);
      await page.waitForFunction(() => document.querySelector("#stream-state")?.getAttribute("data-state") === "live");
      await page.evaluate(() => {
        const w = window as unknown as { __long: number[] };
        w.__long = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__long.push(e.duration);
        }).observe({ type: "longtask", buffered: false });
      });
      const heapBefore = await page.evaluate(() =>
        (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize
      );
      // the renderer's own trace: each task's CPU time on the page's main thread (tdur), beside its wall time
      await browser.startTracing(page, { categories: ["disabled-by-default-devtools.timeline", "__metadata"] });
      await stdin.write(new TextEncoder().encode("go\n"));
      const done = await waitFor(/done (\d+) in ([\d.]+) s \(([\d.]+) s CPU\); web subscriber dropped (\d+)/, 60_000);
      assert.equal(Number(done[1]), 100_000);
      // the hub and the dashboard keep up with 10 k alerts/s: their work fits well within the 10 s (CPU time,
      // not wall time: on a busy machine the publishing itself takes longer than 10 s)
      assert.ok(Number(done[3]) < 5, `published 100k alerts in ${done[2]} s with ${done[3]} s of CPU`);
      // the page catches up with the last push (its counters show the 100,000th alert; checked below)
      await page.waitForFunction(
        () => /100,000/.test(document.querySelector("[data-island='LiveStatus']")?.textContent ?? ""),
        undefined,
        { timeout: 15_000 },
      ).catch(() => {});
      await page.waitForTimeout(500); // and renders what came with it (inside the traced window)
      const cpuTasks = mainThreadTaskCpuMs(await browser.stopTracing());
      assert.ok(cpuTasks.length > 100, `the trace holds the page's tasks (${cpuTasks.length})`);
      const longestCpu = Math.max(...cpuTasks);
      const m = await page.evaluate(() => ({
        long: (window as unknown as { __long: number[] }).__long,
        heap: (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize,
        nodes: document.getElementsByTagName("*").length,
        rows: document.querySelectorAll("#events-table tbody tr").length,
        count: document.querySelector("#ev-count")?.textContent ?? "",
        alerts: document.querySelector("[data-island='LiveStatus']")?.textContent ?? "",
      }));
      const longest = Math.max(0, ...m.long);
      console.log(
        `load (load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}): ${m.long.length} long tasks (${
          m.long.map((d: number) => d.toFixed(0)).join(" ")
        }), longest ${longest.toFixed(0)} ms; JS heap ${(heapBefore / 1e6).toFixed(1)} → ${
          (m.heap / 1e6).toFixed(1)
        } MB; ${m.nodes} DOM nodes; ${m.rows} rows; "${m.count}"; dropped by the web subscriber ${done[4]}; ` +
          `longest task ${longestCpu.toFixed(0)} ms of CPU (${cpuTasks.length} tasks); published in ${done[2]} s, ` +
          `${done[3]} s CPU`,
      );
      // the page's own work: no task over 200 ms of main-thread CPU time, however busy the machine
      assert.ok(longestCpu <= 200, `longest main-thread task ${longestCpu.toFixed(0)} ms of CPU time`);
      // a task's wall time also holds the time the OS gave the CPU to others: on a machine loaded past its cores
      // (other test runs, a busy CI host) that bound measures them, not the page
      const load = Deno.loadavg()[0];
      const overloaded = load > navigator.hardwareConcurrency;
      if (overloaded && longest > 200) {
        console.log(
          `wall time not checked: longest task ${longest.toFixed(0)} ms with load average ${
            load.toFixed(1)
          } on ${navigator.hardwareConcurrency} cores`,
        );
      } else assert.ok(longest <= 200, `longest main-thread task ${longest.toFixed(0)} ms`);
      assert.ok(m.heap < 120e6, `JS heap ${(m.heap / 1e6).toFixed(1)} MB`);
      assert.ok(m.nodes < 4000, `${m.nodes} DOM nodes`);
      assert.equal(m.rows, 50, "one page of rows in the DOM");
      const held = Number(/of ([\d,]+) in memory/.exec(m.count)?.[1].replace(/,/g, ""));
      assert.ok(held > 0 && held <= 10_000, `alerts held in the page: ${held}`);
      assert.match(m.alerts, /100,000/, "the counters reached the page");
      assert.deepEqual(problems, { csp: [], errors: [], dialogs: [] });
    } finally {
      await browser.close();
      await stdin.close().catch(() => {});
      await child.status;
      await out.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The CPU time (thread time), ms, of each `RunTask` of the renderers' main threads (`CrRendererMain`) in a trace. */
function mainThreadTaskCpuMs(trace: Uint8Array): number[] {
  type TraceEvent = {
    ph: string;
    name: string;
    pid: number;
    tid: number;
    dur?: number;
    tdur?: number;
    args?: { name?: string };
  };
  const parsed = JSON.parse(new TextDecoder().decode(trace)) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const mains = new Set(
    events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain")
      .map((e) => `${e.pid}/${e.tid}`),
  );
  // (a task cut by the end of tracing may lack a thread time: its wall time stands in, an upper bound)
  return events.filter((e) => e.ph === "X" && e.name === "RunTask" && mains.has(`${e.pid}/${e.tid}`))
    .map((e) => (e.tdur ?? e.dur ?? 0) / 1000);
}
