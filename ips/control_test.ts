import assert from "node:assert/strict";
import { validateConfig } from "../config/schema.ts";
import { ipsControl } from "./control.ts";
import { Ips } from "./ips.ts";
import { SafetyRails } from "./rails.ts";
import { SimulatedBlocker } from "./simulated.ts";

Deno.test("ipsControl(): manual block/unblock through the rails; connected clients are protected", async () => {
  const ips = new Ips({
    blocker: new SimulatedBlocker(),
    rails: new SafetyRails(),
    config: validateConfig({ ips: { enabled: true } }),
    log: () => {},
  });
  const control = ipsControl(ips);
  assert.equal(control.mode, "simulated");
  const release = control.protectClient("198.51.100.20");
  await assert.rejects(control.block("198.51.100.20", 60), /198\.51\.100\.20 is a connected dashboard client/);
  release();
  const b = await control.block("198.51.100.20", 60);
  assert.deepEqual([b.ip, b.status, b.type, b.durationS], ["198.51.100.20", "simulated", "manual", 60]);
  await control.unblock("198.51.100.20");
  await assert.rejects(control.unblock("198.51.100.20"), /Cannot unblock "198\.51\.100\.20": not blocked/);
  await assert.rejects(control.block("127.0.0.1", 60), /loopback/);
  ips.close();
});
