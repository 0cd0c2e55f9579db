import assert from "node:assert/strict";
import { HOSTILE_INPUTS } from "./_conformance.ts";
import { parseBlockTarget, requireBlockTarget } from "./address.ts";

Deno.test("parseBlockTarget() accepts single addresses and formats them canonically", () => {
  assert.deepEqual(parseBlockTarget("10.77.0.66"), { version: 4, ip: "10.77.0.66", value: 0x0a4d0042n });
  assert.equal(parseBlockTarget(0x0a4d0042)?.ip, "10.77.0.66");
  assert.equal(parseBlockTarget("2001:0DB8:0000::0001")?.ip, "2001:db8::1");
  assert.equal(parseBlockTarget("::ffff:192.0.2.1")?.ip, "192.0.2.1");
  assert.equal(parseBlockTarget("::ffff:192.0.2.1")?.version, 4);
  assert.equal(parseBlockTarget("::")?.ip, "::");
});

Deno.test("parseBlockTarget() refuses hostile strings, blocks, ranges, names and non-strings", () => {
  for (const bad of HOSTILE_INPUTS) assert.equal(parseBlockTarget(bad), null, JSON.stringify(bad));
  for (const bad of [-1, 2 ** 32, 1.5, NaN]) assert.equal(parseBlockTarget(bad), null, String(bad));
  assert.equal(parseBlockTarget(null as unknown as string), null);
  assert.equal(parseBlockTarget({ toString: () => "1.2.3.4" } as unknown as string), null);
});

Deno.test("requireBlockTarget() names the escaped input in its error", () => {
  assert.throws(
    () => requireBlockTarget("1.2.3.4\n; reboot", "block"),
    { name: "TypeError", message: 'Cannot block: "1.2.3.4\\n; reboot" is not a single IP address' },
  );
});
