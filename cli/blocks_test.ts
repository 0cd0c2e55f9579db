import assert from "node:assert/strict";
import { blocksCommand, formatBlocks } from "./blocks.ts";
import { UsageError } from "./args.ts";

Deno.test("formatBlocks() prints an aligned table, or says there is nothing", () => {
  assert.equal(formatBlocks([], 0), "no blocks in force");
  const text = formatBlocks([
    {
      ip: "203.0.113.1",
      status: "ACTIVE",
      backend: "nftables",
      type: "port_scan",
      label: "",
      expiresAt: 52_400,
      packets: 120,
      bytes: 7200,
      inFirewall: true,
    },
    {
      ip: "2001:db8::1",
      status: "SIMULATED",
      backend: "simulated",
      type: "",
      label: "",
      expiresAt: 3_600_000,
      inFirewall: false,
    },
  ], 0);
  assert.equal(
    text,
    [
      "IP           STATUS     BACKEND    TYPE       EXPIRES IN  DROPPED",
      "203.0.113.1  ACTIVE     nftables   port_scan  52 s        120 packets",
      "2001:db8::1  SIMULATED  simulated  -          60 min      -",
    ].join("\n"),
  );
});

Deno.test("ids blocks: bad usage and hostile addresses are refused before any firewall command", async () => {
  await assert.rejects(blocksCommand(["unblock"]), UsageError);
  await assert.rejects(blocksCommand(["unblock", "1.2.3.4", "5.6.7.8"]), UsageError);
  await assert.rejects(blocksCommand(["unblock", "--all", "1.2.3.4"]), UsageError);
  await assert.rejects(blocksCommand(["unblock", "1.2.3.4; rm -rf /"]), /not a single IP address/);
  await assert.rejects(blocksCommand(["unblock", "0.0.0.0/0"]), /not a single IP address/);
  await assert.rejects(blocksCommand(["list", "--all"]), UsageError);
  await assert.rejects(blocksCommand(["flush"]), /unknown subcommand "flush"/);
});
