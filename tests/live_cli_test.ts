/**
 * `ids interfaces` and the errors of `ids run` on a real machine (issue "Live capture"): every error is one
 * line on stderr naming the fix, exit status 1, no stack trace (RUST_BACKTRACE=1 is set on purpose), and no
 * hang (each process is killed after 20 s, which fails the test).
 *
 * The missing-library cases need nothing; the others need root (and namespaces): skipped with the reason
 * otherwise, failed under CI=true.
 */
import assert from "node:assert/strict";
import { hasCommand, ignoreUnless, isRoot, prereq } from "../testing/prereq.ts";
import {
  canCreateLivePair,
  createLivePair,
  hasLibpcap,
  IdsProcess,
  type IdsProcessOptions,
  REPO,
} from "./_live_util.ts";

const ROOT_OK = isRoot() && hasLibpcap();
const ROOT_WHY = "needs root and libpcap (run the tests as root)";
const NETNS_OK = canCreateLivePair();
const NETNS_WHY = "needs root, libpcap, ip netns, ethtool and ping (run the tests as root)";
const SETPRIV_OK = ROOT_OK && Deno.build.os === "linux" && hasCommand("setpriv", ["--version"]);
const SETPRIV_WHY = "needs root, libpcap and setpriv (util-linux) to drop to an unprivileged user";

/** Runs `ids <args>` to its end (at most 20 s) with RUST_BACKTRACE=1; returns code, stdout and stderr lines. */
async function runIds(args: string[], options: IdsProcessOptions = {}) {
  const ids = new IdsProcess(args, {
    maxSeconds: 20,
    ...options,
    env: { RUST_BACKTRACE: "1", NO_COLOR: "1", ...options.env },
  });
  const t0 = performance.now();
  const status = await ids.wait();
  const ms = performance.now() - t0;
  assert.ok(ms < 19_000, `ids ${args.join(" ")} did not hang (${ms.toFixed(0)} ms)`);
  const lines = ids.stderr.split("\n").filter((l) => l.trim() !== "");
  return { code: status.code, signal: status.signal, stdout: ids.stdout, lines, stderr: ids.stderr };
}

/** Asserts the one-line failure: exit 1, nothing on stdout, exactly one stderr line matching `re`. */
function assertOneLineError(r: Awaited<ReturnType<typeof runIds>>, re: RegExp): void {
  assert.equal(r.code, 1, `exit status 1 (signal ${r.signal}); stderr: ${r.stderr}`);
  assert.equal(r.stdout, "", "nothing on stdout");
  assert.equal(r.lines.length, 1, `exactly one line on stderr, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Stack backtrace|Uncaught|^\s+at /m);
  assert.match(r.lines[0], re);
}

Deno.test("ids run: a missing libpcap is one line with the install hint, exit 1", async () => {
  for (const extra of [["--iface", "lo"], []]) {
    const r = await runIds(["run", ...extra, "--pcap-library", "/nonexistent/libpcap.so"]);
    assertOneLineError(
      r,
      /^ids run: Cannot load libpcap: \/nonexistent\/libpcap\.so not found — install it: sudo apt-get install libpcap0\.8/,
    );
  }
});

Deno.test("ids interfaces: a missing libpcap is one line with the install hint, exit 1", async () => {
  const r = await runIds(["interfaces", "--pcap-library", "/nonexistent/libpcap.so"]);
  assertOneLineError(r, /^ids interfaces: Cannot load libpcap: .* — install it: /);
});

Deno.test({
  name: "ids run: a bad BPF filter is one line with libpcap's message, exit 1",
  ignore: ignoreUnless("bad filter", ROOT_OK, ROOT_WHY),
  async fn() {
    prereq("bad filter", ROOT_OK, ROOT_WHY);
    const r = await runIds(["run", "--iface", "lo", "--filter", "tcp port"]);
    assertOneLineError(
      r,
      /^ids run: Cannot compile BPF filter "tcp port": .*syntax error.* — fix the --filter expression \(see man pcap-filter\)$/,
    );
  },
});

Deno.test({
  name: "ids run: an unknown interface is one line listing the valid ones, exit 1; ids interfaces marks the veth",
  ignore: ignoreUnless("unknown interface", NETNS_OK, NETNS_WHY),
  async fn() {
    prereq("unknown interface", NETNS_OK, NETNS_WHY);
    const p = await createLivePair("c0", 12);
    try {
      const r = await runIds(["run", "--iface", "nope0"], { ns: p.nsB });
      assertOneLineError(
        r,
        /^ids run: Cannot open interface nope0: no such device — use one of: .* \(see: ids interfaces\)$/,
      );
      const valid = r.lines[0].replace(/^.*use one of: (.*) \(see: ids interfaces\)$/, "$1").split(", ");
      assert.ok(valid.includes(p.ifB) && valid.includes("lo"), `valid list: ${valid.join(", ")}`);

      // the table: the veth with its address, marked default
      const t = await runIds(["interfaces"], { ns: p.nsB });
      assert.equal(t.code, 0, t.stderr);
      const row = t.stdout.split("\n").find((l) => l.split(/\s+/).includes(p.ifB));
      assert.ok(row, `a row for ${p.ifB}:\n${t.stdout}`);
      assert.match(row, new RegExp(`^\\*\\s+${p.ifB}\\s+up,running\\s+${p.addrB.replaceAll(".", "\\.")}/30\\b`));
      assert.equal(t.stdout.split("\n").filter((l) => l.startsWith("*  ")).length, 1, "one default");
      assert.match(t.stdout, new RegExp(`^\\* default: ${p.ifB} `, "m"));

      const j = await runIds(["interfaces", "--json"], { ns: p.nsB });
      assert.equal(j.code, 0, j.stderr);
      const list = JSON.parse(j.stdout) as {
        name: string;
        isDefault: boolean;
        addresses: { family: string; address: string; netmask?: string }[];
      }[];
      const veth = list.find((i) => i.name === p.ifB);
      assert.ok(veth, j.stdout);
      assert.equal(veth.isDefault, true);
      assert.deepEqual(
        veth.addresses.filter((a) => a.family === "ipv4"),
        [{ family: "ipv4", address: p.addrB, netmask: "255.255.255.252" }],
      );
      assert.deepEqual(list.filter((i) => i.isDefault).map((i) => i.name), [p.ifB]);
    } finally {
      await p.cleanup();
    }
  },
});

/** Can uid 65534 read `path` (and traverse to it)? */
function readableByNobody(path: string, test = "-r"): boolean {
  return new Deno.Command("setpriv", {
    args: ["--reuid=65534", "--regid=65534", "--clear-groups", "test", test, path],
    stdout: "null",
    stderr: "null",
  }).outputSync().success;
}

Deno.test({
  name: "ids run: without privileges it is one line naming root or setcap, exit 1",
  ignore: ignoreUnless("no permission", SETPRIV_OK, SETPRIV_WHY),
  async fn() {
    prereq("no permission", SETPRIV_OK, SETPRIV_WHY);
    const tmp = await Deno.makeTempDir({ prefix: "idslive-nobody-" });
    try {
      await Deno.chmod(tmp, 0o777);
      // the unprivileged user must reach deno and the sources: copy them when the checkout or deno is private
      let deno = Deno.execPath();
      if (!readableByNobody(deno, "-x")) {
        await Deno.copyFile(deno, `${tmp}/deno`);
        await Deno.chmod(`${tmp}/deno`, 0o755);
        deno = `${tmp}/deno`;
      }
      let main: string | undefined, cwd: string | undefined;
      if (!readableByNobody(`${REPO}/main.ts`)) {
        const src = `${tmp}/src`;
        const cp = await new Deno.Command("cp", { args: ["-r", REPO, src] }).output();
        assert.ok(cp.success, "copied the sources");
        await new Deno.Command("chmod", { args: ["-R", "a+rX", src] }).output();
        await Deno.remove(`${src}/deno.json`).catch(() => {}); // the run path imports no packages
        main = `${src}/main.ts`;
        cwd = src;
      }
      // the flow model is off: its Worker imports an npm package, which this bare copy cannot resolve
      const noMl = `${tmp}/no_ml.json`;
      await Deno.writeTextFile(noMl, JSON.stringify({ ml: { enabled: false } }));
      await Deno.chmod(noMl, 0o644);
      const r = await runIds(["run", "--iface", "lo", "--config", noMl], {
        deno,
        main,
        cwd,
        prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
        env: { DENO_DIR: `${tmp}/deno_dir`, HOME: tmp, XDG_CACHE_HOME: `${tmp}/cache` },
      });
      assertOneLineError(
        r,
        /^ids run: Cannot open interface lo: permission denied — run as root \/ Administrator, or grant CAP_NET_RAW: sudo setcap cap_net_raw,cap_net_admin=eip /,
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

/** A copy of the sources (no deno.json: the run path imports no packages) where `edit` can break a file. */
async function brokenCopy(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "idslive-broken-" });
  const tar = "tar --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./tests -cf - .";
  const out = await new Deno.Command("sh", { args: ["-c", `${tar} | tar -xf - -C '${dir}'`], cwd: REPO }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  await Deno.remove(`${dir}/deno.json`).catch(() => {});
  await Deno.remove(`${dir}/deno.lock`).catch(() => {});
  // the flow model is off: its Worker imports an npm package, which this bare copy cannot resolve
  await Deno.writeTextFile(`${dir}/no_ml.json`, JSON.stringify({ ml: { enabled: false } }));
  await edit(dir);
  return dir;
}

Deno.test("ids run: a capture module that fails to load is one line, exit 1, no stack trace, no hang", async () => {
  const dir = await brokenCopy(async (d) => {
    const f = `${d}/capture/live_source.ts`;
    await Deno.writeTextFile(f, `throw new Error("live_source broken on purpose");\n${await Deno.readTextFile(f)}`);
  });
  try {
    const r = await runIds(["run", "--iface", "lo", "--config", `${dir}/no_ml.json`], {
      main: `${dir}/main.ts`,
      cwd: dir,
    });
    assertOneLineError(r, /^ids run: Cannot load the capture modules: live_source broken on purpose$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "ids run: an error thrown while capturing is one line, exit 1, no stack trace",
  ignore: ignoreUnless("error while capturing", ROOT_OK, ROOT_WHY),
  async fn() {
    prereq("error while capturing", ROOT_OK, ROOT_WHY);
    const dir = await brokenCopy(async (d) => {
      const f = `${d}/pipeline/packet_pipeline.ts`;
      const text = await Deno.readTextFile(f);
      const hook = "readonly handle = (frame: Frame): void => {";
      assert.ok(text.includes(hook), "packet_pipeline.ts still has its frame handler");
      await Deno.writeTextFile(f, text.replace(hook, `${hook}\n    throw new Error("pipeline broken on purpose");`));
    });
    // loopback only: ids captures on lo, ping gives it packets
    const ids = new IdsProcess(["run", "--iface", "lo", "--eve", "-", "--config", `${dir}/no_ml.json`], {
      main: `${dir}/main.ts`,
      cwd: dir,
      maxSeconds: 20,
      env: { RUST_BACKTRACE: "1", NO_COLOR: "1" },
    });
    try {
      await ids.capturing();
      await new Deno.Command("timeout", { args: ["5", "ping", "-q", "-n", "-c", "3", "-i", "0.2", "127.0.0.1"] })
        .output();
      const status = await ids.wait();
      assert.equal(status.code, 1, ids.stderr);
      assert.equal(ids.stdout, "");
      const lines = ids.stderr.split("\n").filter((l) => l.trim() !== "");
      assert.deepEqual(lines, ["ids: capturing on lo", "ids run: pipeline broken on purpose"]);
    } finally {
      ids.kill("SIGKILL");
      await ids.wait();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
