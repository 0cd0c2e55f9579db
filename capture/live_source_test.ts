import assert from "node:assert/strict";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";
import { LiveSource } from "./live_source.ts";
import { LinkType } from "./packet_source.ts";
import {
  CapturePermissionError,
  FilterError,
  LibraryNotFoundError,
  loadPcap,
  UnknownInterfaceError,
} from "../ffi/npcap.ts";
import { canUseNetns, hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import { createVethNamespace, sh, type VethNamespace } from "../testing/netns.ts";

let libpcapOk = false;
try {
  loadPcap();
  libpcapOk = true;
} catch {
  libpcapOk = false;
}
const ROOT_WHY = "needs root, libpcap, `ip netns` and ping (run the tests as root)";
const rootOk = libpcapOk && canUseNetns();
const PROBE = fileURLToPath(new URL("./testdata/live_probe.ts", import.meta.url));

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `pred()` holds or `ms` passed; returns whether it held. */
async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) return false;
    await delay(10);
  }
  return true;
}

/** Sends `n` UDP datagrams to `host:port` from `bind` (bounded, local only). */
async function sendUdp(host: string, port: number, n: number, bind?: string): Promise<void> {
  const sock = dgram.createSocket("udp4");
  if (bind) await new Promise<void>((r) => sock.bind({ address: bind, port: 0 }, () => r()));
  const payload = new TextEncoder().encode("idsffi-test");
  try {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve, reject) => sock.send(payload, port, host, (e) => e ? reject(e) : resolve()));
    }
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
}

/** `n` pings, 10 ms apart, one second deadline each. */
async function ping(host: string, n: number): Promise<void> {
  await sh(["ping", "-q", "-n", "-c", String(n), "-i", "0.01", "-W", "1", host], { allowFail: true });
}

/** IPv4 protocol number of an Ethernet frame carrying IPv4, else -1. */
function ipProto(buf: Uint8Array): number {
  return buf.length >= 24 && buf[12] === 0x08 && buf[13] === 0x00 ? buf[23] : -1;
}

/** Runs a capture on `src` while `traffic()` runs; stops when `want` frames came (plus 100 ms) or after 3 s. */
async function capture(
  src: LiveSource,
  want: number,
  traffic: () => Promise<void>,
): Promise<{ frames: { proto: number; caplen: number; len: number; tsUs: number; linkType: number }[] }> {
  const frames: { proto: number; caplen: number; len: number; tsUs: number; linkType: number }[] = [];
  const ac = new AbortController();
  src.open();
  const running = src.run((f) => {
    assert.equal(f.buf.length, f.caplen);
    frames.push({ proto: ipProto(f.buf), caplen: f.caplen, len: f.len, tsUs: f.tsUs, linkType: f.linkType });
  }, ac.signal);
  try {
    await traffic();
    await until(() => frames.length >= want, 3000);
    await delay(100);
  } finally {
    ac.abort();
  }
  await running;
  return { frames };
}

Deno.test({
  name: "LiveSource: a bogus libraryPath gives the install hint",
  fn() {
    assert.throws(
      () => new LiveSource({ iface: "lo", libraryPath: "/nonexistent/libpcap.so.0.8" }).open(),
      (e: Error) => {
        assert.ok(e instanceof LibraryNotFoundError);
        assert.match(e.message, /^Cannot load libpcap: .* not found — install it: sudo apt-get install libpcap0\.8/);
        return true;
      },
    );
  },
});

Deno.test({
  name: "LiveSource: a bogus libraryPath fails run() too",
  async fn() {
    const src = new LiveSource({ iface: "lo", libraryPath: "/nonexistent/libpcap.so.0.8" });
    await assert.rejects(src.run(() => {}), LibraryNotFoundError);
    src.close();
  },
});

Deno.test({
  name: "LiveSource: an unknown interface lists the valid ones",
  ignore: ignoreUnless("unknown interface", rootOk, ROOT_WHY),
  fn() {
    prereq("unknown interface", rootOk, ROOT_WHY);
    assert.throws(() => new LiveSource({ iface: "idsffi-nope0" }).open(), (e: Error) => {
      assert.ok(e instanceof UnknownInterfaceError, String(e));
      assert.match(e.message, /^Cannot open interface idsffi-nope0: no such device — use one of: .*\blo\b/);
      assert.ok(e.valid.includes("lo"));
      return true;
    });
  },
});

Deno.test({
  name: "LiveSource: a bad BPF filter gives libpcap's message",
  ignore: ignoreUnless("bad filter", rootOk, ROOT_WHY),
  fn() {
    prereq("bad filter", rootOk, ROOT_WHY);
    const src = new LiveSource({ iface: "lo", filter: "udp and prot 53" });
    assert.throws(() => src.open(), (e: Error) => {
      assert.ok(e instanceof FilterError, String(e));
      assert.match(e.message, /^Cannot compile BPF filter "udp and prot 53": .*syntax error.* — fix the --filter/);
      return true;
    });
    assert.equal(src.isOpen, false, "the half-open handle was closed");
  },
});

Deno.test({
  name: "LiveSource: without root it says how to grant the privilege",
  ignore: ignoreUnless("no permission", rootOk && hasCommand("setpriv", ["--version"]), ROOT_WHY + " and setpriv"),
  async fn() {
    prereq("no permission", rootOk && hasCommand("setpriv", ["--version"]), ROOT_WHY + " and setpriv");
    const home = await Deno.makeTempDir({ prefix: "idsffi-nobody-" });
    try {
      await Deno.chmod(home, 0o777);
      const out = await new Deno.Command("setpriv", {
        args: [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          Deno.execPath(),
          "run",
          "-A",
          "--no-config",
          PROBE,
          JSON.stringify({ iface: "lo", durationMs: 200 }),
        ],
        clearEnv: true,
        env: { HOME: home, DENO_DIR: `${home}/deno`, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      assert.ok(text, `probe printed nothing; stderr: ${new TextDecoder().decode(out.stderr)}`);
      const res = JSON.parse(text.split("\n").at(-1)!);
      assert.equal(res.ok, false, text);
      assert.equal(res.name, "CapturePermissionError");
      assert.equal(
        res.message,
        new CapturePermissionError("lo", loadPcap().platform.permissionHint).message,
      );
      assert.match(res.message, /grant CAP_NET_RAW: sudo setcap cap_net_raw,cap_net_admin=eip \$\(which ids\)/);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "LiveSource on a veth pair into a namespace",
  ignore: ignoreUnless("veth capture", rootOk, ROOT_WHY),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    prereq("veth capture", rootOk, ROOT_WHY);
    let v: VethNamespace | undefined;
    try {
      v = await createVethNamespace("live", 0);
      const veth = v;
      await ping(veth.nsAddr, 1); // resolve ARP before counting

      await t.step("captures exactly the UDP datagrams sent, with frame fields filled", async () => {
        const src = new LiveSource({ iface: veth.hostIf, filter: "udp and dst port 9999" });
        const before = Date.now() * 1000;
        const { frames } = await capture(src, 25, () => sendUdp(veth.nsAddr, 9999, 25, veth.hostAddr));
        const after = Date.now() * 1000;
        assert.equal(frames.length, 25);
        for (const f of frames) {
          assert.equal(f.proto, 17);
          assert.equal(f.linkType, LinkType.ETHERNET);
          assert.equal(f.caplen, f.len);
          assert.equal(f.len, 14 + 20 + 8 + 11);
          assert.ok(f.tsUs >= before - 1_000_000 && f.tsUs <= after + 1_000_000, `tsUs ${f.tsUs}`);
        }
        const st = src.stats();
        assert.ok(st.received >= 25, JSON.stringify(st));
        assert.equal(st.droppedKernel, 0);
        assert.equal(src.isOpen, false, "run closed the handle");
        src.close();
        src.close();
      });

      await t.step("honours a BPF filter: with `icmp`, UDP does not arrive", async () => {
        const src = new LiveSource({ iface: veth.hostIf, filter: "icmp" });
        const { frames } = await capture(src, 8, async () => {
          await sendUdp(veth.nsAddr, 9998, 10, veth.hostAddr);
          await ping(veth.nsAddr, 4);
        });
        assert.ok(frames.length >= 8, `4 echo requests + 4 replies, got ${frames.length}`);
        assert.ok(frames.every((f) => f.proto === 1), "every frame is ICMP");
      });

      await t.step("snaplen cuts the captured bytes, len keeps the wire length", async () => {
        const src = new LiveSource({ iface: veth.hostIf, filter: "udp and dst port 9997", snaplen: 40 });
        const { frames } = await capture(src, 3, () => sendUdp(veth.nsAddr, 9997, 3, veth.hostAddr));
        assert.equal(frames.length, 3);
        assert.ok(frames.every((f) => f.caplen === 40 && f.len === 53), JSON.stringify(frames[0]));
      });

      await t.step("an idle interface does not hang: abort after 300 ms returns", async () => {
        const src = new LiveSource({ iface: veth.hostIf, filter: "udp and dst port 9" });
        src.open();
        const ac = new AbortController();
        let ticks = 0;
        const timer = setInterval(() => ticks++, 10);
        const t0 = performance.now();
        setTimeout(() => ac.abort(), 300);
        const summary = await src.run(() => {}, ac.signal);
        const took = performance.now() - t0;
        clearInterval(timer);
        assert.deepEqual(summary, { packets: 0, bytes: 0 });
        // the abort plus one 100 ms poll, with room for a loaded machine (570 ms seen once at load 10); a read that
        // ignored the abort would block until the test's own timeout
        assert.ok(took >= 290 && took < 2_000, `returned after ${took.toFixed(0)} ms`);
        assert.ok(ticks >= 10, `the event loop stayed responsive (${ticks} timer ticks)`);
      });

      await t.step("close() from the frame handler stops the run; closing twice is safe", async () => {
        const src = new LiveSource({ iface: veth.hostIf, filter: "udp and dst port 9996" });
        src.open();
        let seen = 0;
        const running = src.run(() => {
          seen++;
          src.close();
          src.close();
        });
        await sendUdp(veth.nsAddr, 9996, 5, veth.hostAddr);
        const summary = await running;
        assert.equal(seen, 1);
        assert.equal(summary.packets, 1);
        src.close();
      });

      await t.step("an already aborted signal returns at once", async () => {
        const src = new LiveSource({ iface: veth.hostIf });
        const summary = await src.run(() => {}, AbortSignal.abort());
        assert.deepEqual(summary, { packets: 0, bytes: 0 });
        src.close();
      });

      await t.step("interface down mid-capture: reported, retried with back-off, resumed", async () => {
        const warnings: string[] = [];
        const src = new LiveSource({
          iface: veth.hostIf,
          filter: "udp and dst port 9995",
          retryInitialMs: 50,
          retryMaxMs: 200,
          onWarning: (m) => warnings.push(m),
        });
        src.open();
        let n = 0;
        const ac = new AbortController();
        const running = src.run(() => n++, ac.signal);
        try {
          await sendUdp(veth.nsAddr, 9995, 3, veth.hostAddr);
          assert.ok(await until(() => n >= 3, 3000), `first 3 captured (${n})`);
          await sh(["ip", "link", "set", veth.hostIf, "down"]);
          assert.ok(await until(() => warnings.length >= 1, 3000), "the drop was reported");
          await delay(300);
          await sh(["ip", "link", "set", veth.hostIf, "up"]);
          assert.ok(await until(() => warnings.some((w) => /resumed/.test(w)), 5000), warnings.join(" | "));
          await until(() => Deno.readTextFileSync(`/sys/class/net/${veth.hostIf}/operstate`).trim() === "up", 3000);
          await ping(veth.nsAddr, 1);
          await sendUdp(veth.nsAddr, 9995, 4, veth.hostAddr);
          assert.ok(await until(() => n >= 7, 3000), `4 more captured after resuming (${n})`);
        } finally {
          ac.abort();
          await running;
        }
        assert.match(
          warnings[0],
          new RegExp(`^Capture on ${veth.hostIf} interrupted: The interface went down — retrying`),
        );
        assert.ok(warnings.every((w) => !w.includes("\n")));
        assert.ok(src.stats().received >= 7, "stats summed over the reopened handles");
      });

      await t.step("interface down at start: reported and waited for; close() ends the back-off at once", async () => {
        const warnings: string[] = [];
        await sh(["ip", "link", "set", veth.hostIf, "down"]);
        try {
          const src = new LiveSource({ iface: veth.hostIf, retryInitialMs: 5000, onWarning: (m) => warnings.push(m) });
          const running = src.run(() => {});
          assert.ok(await until(() => warnings.length > 0, 2000), "reported");
          assert.match(warnings[0], /interrupted: The interface is down — retrying with back-off$/);
          const t0 = performance.now();
          src.close();
          assert.deepEqual(await running, { packets: 0, bytes: 0 });
          assert.ok(performance.now() - t0 < 500, `close took ${(performance.now() - t0).toFixed(0)} ms`);
        } finally {
          await sh(["ip", "link", "set", veth.hostIf, "up"]);
        }
        await until(() => Deno.readTextFileSync(`/sys/class/net/${veth.hostIf}/operstate`).trim() === "up", 3000);
        await ping(veth.nsAddr, 1);
      });

      await t.step("captures inside the namespace (ip netns exec subprocess)", async () => {
        const child = new Deno.Command("ip", {
          args: [
            "netns",
            "exec",
            veth.ns,
            Deno.execPath(),
            "run",
            "-A",
            PROBE,
            JSON.stringify({ iface: veth.nsIf, filter: "icmp", count: 6, durationMs: 5000, announce: true }),
          ],
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const stdout = new Response(child.stdout).text();
        let stderr = "";
        const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
        while (!stderr.includes("ready")) {
          const { value, done } = await reader.read();
          if (done) break;
          stderr += value;
        }
        const drain = (async () => {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            stderr += value;
          }
        })();
        await ping(veth.nsAddr, 3);
        const [text, status] = await Promise.all([stdout, child.status, drain]);
        assert.ok(status.success, stderr);
        const res = JSON.parse(text.trim().split("\n").at(-1)!);
        assert.equal(res.ok, true, text + stderr);
        assert.equal(res.packets, 6, "3 echo requests and 3 replies");
        assert.equal(res.linkType, LinkType.ETHERNET);
      });
    } finally {
      await v?.cleanup();
    }
  },
});

Deno.test({
  name: "LiveSource: two sources run side by side on loopback-free veths without blocking each other",
  ignore: ignoreUnless("two sources", rootOk, ROOT_WHY),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    prereq("two sources", rootOk, ROOT_WHY);
    const a = await createVethNamespace("livea", 1);
    const b = await createVethNamespace("liveb", 2);
    try {
      await ping(a.nsAddr, 1);
      await ping(b.nsAddr, 1);
      const sa = new LiveSource({ iface: a.hostIf, filter: "udp and dst port 9990" });
      const sb = new LiveSource({ iface: b.hostIf, filter: "udp and dst port 9990" });
      let na = 0, nb = 0;
      const ac = new AbortController();
      sa.open();
      sb.open();
      const ra = sa.run(() => na++, ac.signal);
      const rb = sb.run(() => nb++, ac.signal);
      await sendUdp(a.nsAddr, 9990, 7, a.hostAddr);
      await sendUdp(b.nsAddr, 9990, 9, b.hostAddr);
      await until(() => na >= 7 && nb >= 9, 3000);
      await delay(100);
      ac.abort();
      const [sumA, sumB] = await Promise.all([ra, rb]);
      assert.deepEqual([na, nb, sumA.packets, sumB.packets], [7, 9, 7, 9]);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  },
});
