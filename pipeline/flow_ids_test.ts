import assert from "node:assert/strict";
import { FlowIdSpace } from "./flow_ids.ts";

Deno.test("FlowIdSpace: positive safe integers, distinct within a run, different across runs", () => {
  const a = new FlowIdSpace(12345), b = new FlowIdSpace(12346);
  const seen = new Set<number>();
  for (let n = 1; n <= 200_000; n++) {
    const id = a.id(n);
    assert.ok(Number.isSafeInteger(id) && id > 0, `id ${id}`);
    seen.add(id);
  }
  assert.equal(seen.size, 200_000, "no two flows of a run share an id");
  let shared = 0;
  for (let n = 1; n <= 200_000; n++) if (seen.has(b.id(n))) shared++;
  assert.equal(shared, 0, "another run's ids are other ids");
  assert.equal(a.id(0), 0, "no flow stays 0");
  assert.equal(a.id(7), new FlowIdSpace(12345).id(7), "deterministic for a salt");
  assert.notEqual(a.id(1) + 1, a.id(2), "ids do not count up (hash-like, as Suricata's)");
  assert.throws(() => new FlowIdSpace(1 << 21), /salt must be an integer/);
  const r1 = new FlowIdSpace(), r2 = new FlowIdSpace();
  assert.ok(r1.salt >= 0 && r1.salt < 1 << 21);
  assert.ok(r1.salt !== r2.salt || r1.id(1) === r2.id(1));
});
