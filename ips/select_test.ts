import assert from "node:assert/strict";
import { FakeWindows } from "./_fake_windows.ts";
import type { CommandRunner } from "./command.ts";
import { selectBlocker } from "./select.ts";

Deno.test("selectBlocker(): Linux without CAP_NET_ADMIN falls back to simulated with one line saying how to enforce", async () => {
  const calls: string[][] = [];
  const runner: CommandRunner = (argv) => {
    calls.push([...argv]);
    return Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "Error: Could not process rule: Operation not permitted\nadd table inet ids\n^^^^^^^^^^^^^^^^^^\n",
    });
  };
  const { blocker, notice } = await selectBlocker({ mode: "real", os: "linux", runner });
  assert.equal(blocker.backend, "simulated");
  assert.equal(blocker.enforcing, false);
  assert.equal(
    notice,
    "IPS: blocks are simulated: Cannot set up nftables table inet ids: nft: Error: Could not process rule: Operation " +
      "not permitted. To enforce them: apt-get install nftables and run ids as root (or: sudo setcap " +
      "cap_net_admin,cap_net_raw=eip ./ids)",
  );
  assert.deepEqual(calls.map((c) => c.slice(0, 3)), [["nft", "-f", "-"]]);
});

Deno.test("selectBlocker(): Linux without nft installed falls back to simulated", async () => {
  const runner: CommandRunner = () =>
    Promise.resolve({ code: -1, stdout: "", stderr: "Cannot run nft: No such file or directory (os error 2)" });
  const { blocker, notice } = await selectBlocker({ mode: "real", os: "linux", runner });
  assert.equal(blocker.backend, "simulated");
  assert.match(notice, /Cannot run nft: No such file or directory.*apt-get install nftables/);
});

Deno.test("selectBlocker(): Windows uses the firewall when elevated, else simulated with the fix", async () => {
  const machine = new FakeWindows({ admin: true });
  const elevated = await selectBlocker({ mode: "real", os: "windows", runner: machine.runner });
  assert.equal(elevated.blocker.backend, "windows");
  assert.equal(elevated.notice, "");
  machine.admin = false;
  const plain = await selectBlocker({ mode: "real", os: "windows", runner: machine.runner });
  assert.equal(plain.blocker.backend, "simulated");
  assert.match(plain.notice, /not running as Administrator.*Run as administrator/);
});

Deno.test("selectBlocker(): simulated mode and unknown systems never run a command", async () => {
  const runner: CommandRunner = () => {
    throw new Error("no command may run");
  };
  assert.equal((await selectBlocker({ mode: "simulated", os: "linux", runner })).blocker.backend, "simulated");
  const mac = await selectBlocker({ mode: "real", os: "darwin", runner });
  assert.equal(mac.blocker.backend, "simulated");
  assert.match(mac.notice, /no firewall backend for darwin/);
});
