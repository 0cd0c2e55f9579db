import assert from "node:assert/strict";
import { parseBlockTarget } from "./address.ts";
import { BlockError } from "./blocker.ts";
import { FakeWindows } from "./_fake_windows.ts";
import {
  IS_ADMIN_SCRIPT,
  isWindowsAdmin,
  LIST_RULES_SCRIPT,
  parseRuleList,
  POWERSHELL,
  WindowsFirewallBlocker,
} from "./windows_firewall.ts";

const T0 = Date.parse("2026-11-29T22:00:00.000Z");

Deno.test("Windows: block and unblock run these exact argument vectors", async () => {
  const machine = new FakeWindows();
  const b = new WindowsFirewallBlocker({ runner: machine.runner, now: () => T0 });
  await b.block("10.77.0.66", 60, "syn_flood");
  await b.block("2001:db8::66", 3600, "SQL Injection (ML: 97.3%)");
  assert.equal(await b.unblock("10.77.0.66"), true);
  b.close();
  assert.deepEqual(machine.calls, [
    [
      "netsh",
      "advfirewall",
      "firewall",
      "add",
      "rule",
      "name=ids-block-10.77.0.66",
      "dir=in",
      "action=block",
      "enable=yes",
      "profile=any",
      "remoteip=10.77.0.66",
      "description=ids-block-until-2026-11-29T22:01:00.000Z-syn_flood",
    ],
    [
      "netsh",
      "advfirewall",
      "firewall",
      "add",
      "rule",
      "name=ids-block-2001:db8::66",
      "dir=in",
      "action=block",
      "enable=yes",
      "profile=any",
      "remoteip=2001:db8::66",
      "description=ids-block-until-2026-11-29T23:00:00.000Z-SQL_Injection_ML:_97.3_",
    ],
    ["netsh", "advfirewall", "firewall", "delete", "rule", "name=ids-block-10.77.0.66", "dir=in"],
  ]);
  assert.deepEqual(machine.rules.map((r) => [r.name, r.dir, r.action, r.remoteip]), [
    ["ids-block-2001:db8::66", "in", "block", "2001:db8::66"],
  ]);
  // no argument carries a space: netsh's own splitting cannot change its meaning
  assert.ok(machine.calls.flat().every((a) => !/\s/.test(a)));
});

Deno.test("Windows: re-blocking replaces the rule (one rule per address)", async () => {
  const machine = new FakeWindows();
  const b = new WindowsFirewallBlocker({ runner: machine.runner, now: () => T0 });
  await b.block("10.77.0.66", 60, "port_scan");
  await b.block("10.77.0.66", 120, "port_scan");
  b.close();
  assert.equal(machine.rules.length, 1);
  assert.equal(machine.rules[0].description, "ids-block-until-2026-11-29T22:02:00.000Z-port_scan");
  assert.deepEqual(machine.calls[1], [
    "netsh",
    "advfirewall",
    "firewall",
    "delete",
    "rule",
    "name=ids-block-10.77.0.66",
    "dir=in",
  ]);
});

Deno.test("Windows: list runs the fixed PowerShell script and reads object, array and empty output", async () => {
  const machine = new FakeWindows();
  const b = new WindowsFirewallBlocker({ runner: machine.runner, now: () => T0 });
  assert.deepEqual(await b.list(), []);
  await b.block("10.77.0.66", 60, "ddos");
  assert.deepEqual(await b.list(), [{ ip: "10.77.0.66", expiresAt: T0 + 60_000, note: "ddos" }]);
  await b.block("10.77.0.67", 60, "ddos");
  assert.equal((await b.list()).length, 2);
  b.close();
  assert.deepEqual(machine.calls[0], [...POWERSHELL, LIST_RULES_SCRIPT]);
  // the script is a constant: no address or note ever appears in a PowerShell argument
  for (const call of machine.calls.filter((c) => c[0] === POWERSHELL[0])) {
    assert.deepEqual(call, [...POWERSHELL, LIST_RULES_SCRIPT]);
  }
});

Deno.test("parseRuleList() reads real ConvertTo-Json shapes and ignores foreign rules", () => {
  assert.deepEqual(parseRuleList(""), []);
  assert.deepEqual(parseRuleList("\r\n"), []);
  assert.deepEqual(
    parseRuleList('{"name":"ids-block-10.0.0.9","description":"ids-block-until-2026-11-29T22:01:00.000Z-x"}\r\n'),
    [{ ip: "10.0.0.9", expiresAt: T0 + 60_000, note: "x" }],
  );
  const many = parseRuleList(JSON.stringify([
    { name: "ids-block-10.0.0.9", description: null },
    { name: "Core Networking - DNS (UDP-Out)", description: "x" },
    { name: "ids-block-2001:DB8::1", description: "ids-block-until-2026-11-29T22:01:00Z" },
  ]));
  assert.equal(many.length, 2);
  assert.ok(Number.isNaN(many[0].expiresAt));
  assert.deepEqual(many[1], { ip: "2001:db8::1", expiresAt: T0 + 60_000 });
  assert.throws(() => parseRuleList('{"name":"ids-block-1.2.3.4 -Action Allow"}'), TypeError);
});

Deno.test("Windows: without elevation a block fails as access denied (the IPS then simulates)", async () => {
  const machine = new FakeWindows({ admin: false });
  const b = new WindowsFirewallBlocker({ runner: machine.runner, now: () => T0 });
  const err = await b.block("10.77.0.66", 60, "syn_flood").then(() => null, (e) => e);
  assert.ok(err instanceof BlockError);
  assert.equal(err.accessDenied, true);
  assert.match(err.message, /^Cannot block 10\.77\.0\.66: netsh: The requested operation requires elevation/);
  assert.deepEqual(await b.list(), []);
  b.close();
  assert.equal(await isWindowsAdmin(machine.runner), false);
  machine.admin = true;
  assert.equal(await isWindowsAdmin(machine.runner), true);
  assert.deepEqual(machine.calls.at(-1), [...POWERSHELL, IS_ADMIN_SCRIPT]);
});

Deno.test("Windows: other failures are BlockErrors that are not access denied", async () => {
  const machine = new FakeWindows();
  const b = new WindowsFirewallBlocker({ runner: machine.runner, now: () => T0 });
  machine.failNext = {
    code: 1,
    stdout: "An error occurred while attempting to contact the Windows Defender Firewall service.\r\n",
    stderr: "",
  };
  const err = await b.block("10.77.0.66", 60, "x").then(() => null, (e) => e);
  assert.ok(err instanceof BlockError && !err.accessDenied, String(err));
  machine.failNext = { code: -1, stdout: "", stderr: "Cannot run powershell.exe: program not found" };
  await assert.rejects(b.list(), BlockError);
  b.close();
});

Deno.test("Windows: reconcile after a crash removes expired and unreadable rules, keeps and times the rest", async () => {
  const machine = new FakeWindows();
  let now = T0;
  const first = new WindowsFirewallBlocker({ runner: machine.runner, now: () => now });
  await first.block("10.77.0.1", 60, "syn_flood");
  await first.block("10.77.0.2", 3600, "syn_flood");
  first.close(); // crash: the rules stay
  machine.rules.push({
    name: "ids-block-10.77.0.3",
    dir: "in",
    action: "block",
    remoteip: "10.77.0.3",
    description: "edited by hand",
    enable: "yes",
    profile: "any",
  });
  machine.rules.push({
    name: "Remote Desktop",
    dir: "in",
    action: "allow",
    remoteip: "any",
    description: "",
    enable: "yes",
    profile: "any",
  });
  now = T0 + 120_000;
  const second = new WindowsFirewallBlocker({ runner: machine.runner, now: () => now });
  const r = await second.reconcile();
  assert.deepEqual([...r.removed].sort(), ["10.77.0.1", "10.77.0.3"]);
  assert.deepEqual(r.kept, [{ ip: "10.77.0.2", expiresAt: T0 + 3_600_000, note: "syn_flood" }]);
  assert.deepEqual(machine.rules.map((x) => x.name), ["ids-block-10.77.0.2", "Remote Desktop"]);
  // the restored timer removes the rest when its time comes
  now = T0 + 3_600_001;
  assert.deepEqual(await second.list(), []);
  assert.deepEqual(machine.rules.map((x) => x.name), ["Remote Desktop"]);
  second.close();
});

Deno.test("Windows: a rule expires by its timer while running", async () => {
  const machine = new FakeWindows();
  const b = new WindowsFirewallBlocker({ runner: machine.runner });
  // the expiry timer (due 1 s after the block's clock reading, taken before its netsh call) is bounded by reference
  // timers: timers fire in deadline order however late a busy machine runs them (and the fake's answers are promise
  // jobs, run before the next timer). The 800 ms one starts before the block (so a slow block call cannot make it
  // due after the expiry), the 1.5 s one after it (so it is due after the expiry timer was set)
  const early = new Promise((r) => setTimeout(r, 800));
  await b.block("10.77.0.9", 1, "icmp_flood");
  const late = new Promise((r) => setTimeout(r, 1500));
  assert.equal(machine.rules.length, 1);
  await early;
  assert.equal(machine.rules.length, 1, "not before its time");
  await late;
  assert.equal(machine.rules.length, 0, "removed by the timer within 1.5 s, not by a list() call");
  b.close();
  assert.ok(parseBlockTarget("10.77.0.9"));
});
