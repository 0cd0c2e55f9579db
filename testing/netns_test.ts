/**
 * Two test runs on one host never collide (issue 7): two processes that create namespaces with the same tag
 * and index at the same time get different namespace and interface names, different root-namespace
 * addresses, and both keep working until they clean up.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { canUseNetns, hasCommand, ignoreUnless, prereq } from "./prereq.ts";
import { runSlot, runSuffix } from "./run_net.ts";
import { canCreateLivePair } from "../tests/_live_util.ts";

const CHILD = fileURLToPath(new URL("./testdata/netns_child.ts", import.meta.url));
const OK = canUseNetns() && canCreateLivePair();
const WHY = "needs root, ip netns, ethtool, ping and libpcap (run the tests as root)";

Deno.test("runSlot(): one slot per process, held by a pid file, names are short", async () => {
  const slot = runSlot();
  assert.ok(slot >= 0 && slot < 256);
  assert.equal(runSlot(), slot, "stable within a run");
  assert.match(runSuffix(), /^[0-9a-z]{2}$/);
  const dir = Deno.env.get("TMPDIR") || "/tmp";
  assert.equal((await Deno.readTextFile(`${dir}/ids-test-net-${slot}.pid`)).trim(), String(Deno.pid));
  // another process gets another slot while this one holds its own
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { runSlot } from "${new URL("./run_net.ts", import.meta.url).href}"; console.log(runSlot());`,
    ],
    stdout: "piped",
  }).output();
  const other = Number(new TextDecoder().decode(out.stdout).trim());
  assert.ok(Number.isInteger(other) && other !== slot, `other slot ${other}, mine ${slot}`);
});

Deno.test({
  name: "two concurrent runs creating the same namespaces get distinct names and addresses, and both work",
  ignore: ignoreUnless("concurrent namespaces", OK, WHY),
  async fn() {
    prereq("concurrent namespaces", OK && hasCommand("ping", ["-V"]), WHY);
    const spawn = () =>
      new Deno.Command(Deno.execPath(), { args: ["run", "-A", CHILD, "1500"], stdout: "piped", stderr: "piped" })
        .output();
    const outs = await Promise.all([spawn(), spawn()]);
    const results = outs.map((o) => {
      const text = new TextDecoder().decode(o.stdout).trim();
      assert.equal(o.code, 0, text + new TextDecoder().decode(o.stderr));
      return JSON.parse(text.split("\n").at(-1)!);
    });
    for (const r of results) {
      assert.ok(r.vethOk, `veth namespace ping failed: ${JSON.stringify(r)}`);
      assert.ok(r.pairOk, `live pair ping failed: ${JSON.stringify(r)}`);
      assert.ok(r.nsPresent, `a namespace vanished: ${JSON.stringify(r)}`);
      for (const i of [1, 2, 5, 6]) assert.ok(r.names[i].length <= 15, `interface name ${r.names[i]} too long`);
    }
    const [a, b] = results;
    for (let i = 0; i < a.names.length; i++) assert.notEqual(a.names[i], b.names[i]);
    assert.notEqual(a.hostAddr, b.hostAddr);
  },
});
