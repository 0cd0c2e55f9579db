import { canUseNetns, hasCommand, ignoreUnless, prereq } from "../testing/prereq.ts";
import { sh } from "../testing/netns.ts";
import { blockerConformance } from "./_conformance.ts";
import { FakeWindows } from "./_fake_windows.ts";
import { type CommandRunner, denoRunner } from "./command.ts";
import { NftablesBlocker } from "./nftables.ts";
import { SimulatedBlocker } from "./simulated.ts";
import { WindowsFirewallBlocker } from "./windows_firewall.ts";

Deno.test("Blocker conformance: simulated", async (t) => {
  await blockerConformance(t, () => {
    const blocker = new SimulatedBlocker();
    return Promise.resolve({
      blocker,
      // a restarted ids restores simulated blocks from the store's rows
      restart: async (old) => new SimulatedBlocker({ restore: await old.list() }),
      cleanup: () => Promise.resolve(),
    });
  });
});

Deno.test("Blocker conformance: Windows Firewall (fake machine)", async (t) => {
  await blockerConformance(t, () => {
    const machine = new FakeWindows();
    return Promise.resolve({
      blocker: new WindowsFirewallBlocker({ runner: machine.runner }),
      restart: () => Promise.resolve(new WindowsFirewallBlocker({ runner: machine.runner })),
      commandCount: () => machine.calls.length,
      cleanup: () => Promise.resolve(),
    });
  });
});

const NFT_OK = canUseNetns() && hasCommand("nft", ["--version"]);
const NFT_WHY = "needs root, ip netns and nft (apt-get install nftables)";

Deno.test({
  name: "Blocker conformance: nftables in a network namespace",
  ignore: ignoreUnless("Blocker conformance: nftables", NFT_OK, NFT_WHY),
  async fn(t) {
    if (!prereq("Blocker conformance: nftables", NFT_OK, NFT_WHY)) return;
    const ns = `idsips-c${Deno.pid}`;
    await sh(["ip", "netns", "del", ns], { allowFail: true });
    await sh(["ip", "netns", "add", ns]);
    let count = 0;
    const runner: CommandRunner = (argv, options) => {
      count++;
      return denoRunner(["ip", "netns", "exec", ns, ...argv], options);
    };
    try {
      await blockerConformance(t, () =>
        Promise.resolve({
          blocker: new NftablesBlocker({ runner }),
          restart: () => Promise.resolve(new NftablesBlocker({ runner })),
          commandCount: () => count,
          cleanup: () => new NftablesBlocker({ runner }).deleteTable(),
        }));
    } finally {
      await sh(["ip", "netns", "del", ns], { allowFail: true });
    }
  },
});
