import assert from "node:assert/strict";
import {
  type AffinityApi,
  affinityApi,
  confineV8Workers,
  keepCallerOff,
  sideCpus,
  v8WorkerThreads,
} from "./affinity.ts";
import { prereq } from "../testing/prereq.ts";

const linux = Deno.build.os === "linux";

/** The CPUs Linux lets thread `tid` of this process run on (`Cpus_allowed_list`, e.g. `0-1` or `0,2`). */
export function allowedCpus(tid: number | "self"): number[] {
  const path = tid === "self" ? "/proc/thread-self/status" : `/proc/self/task/${tid}/status`;
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(Deno.readTextFileSync(path))![1];
  return list.split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

Deno.test({
  name: "affinity: a thread narrows its own CPUs and widens them again (what the kernel then reports)",
  ignore: !linux,
  fn() {
    const api = affinityApi();
    assert.ok(api !== undefined, "sched_*affinity through FFI on Linux");
    const all = api.get(0)!;
    assert.deepEqual(all, allowedCpus("self"));
    try {
      assert.equal(api.set(0, [all[0]]), true);
      assert.deepEqual(api.get(0), [all[0]]);
      assert.deepEqual(allowedCpus("self"), [all[0]]);
    } finally {
      assert.equal(api.set(0, all), true);
    }
    assert.deepEqual(allowedCpus("self"), all);
    // a CPU this thread may not use (inside the 1024-CPU mask, beyond this machine's CPUs) is refused, and
    // nothing changes
    const absent = 1023;
    assert.ok(!all.includes(absent));
    assert.equal(api.set(0, [absent]), false);
    assert.deepEqual(allowedCpus("self"), all);
  },
});

Deno.test("affinity: the model's start goes to the last half of the CPUs, and only when there are two or more", () => {
  const fake = (cpus: number[] | undefined): AffinityApi => ({ get: () => cpus, set: () => true });
  assert.deepEqual(sideCpus(fake([0, 1])), [1]);
  assert.deepEqual(sideCpus(fake([2, 5, 7])), [7]);
  assert.deepEqual(sideCpus(fake([0, 1, 2, 3])), [2, 3]);
  assert.deepEqual(sideCpus(fake([0, 2, 4, 6, 8, 10, 12, 14, 16])), [10, 12, 14, 16]);
  assert.equal(sideCpus(fake([3])), undefined, "one CPU: confining would take it from the capture");
  assert.equal(sideCpus(fake(undefined)), undefined, "the CPUs cannot be read");
});

Deno.test({
  name: "affinity: V8's background threads are confined while any confinement holds, then get their CPUs back",
  ignore: !linux,
  fn(t) {
    const all = affinityApi()!.get(0)!;
    if (!prereq(t.name, all.length >= 2, `needs 2 CPUs to confine to one (this thread may use ${all.length})`)) return;
    const tids = v8WorkerThreads();
    assert.ok(tids.length > 0, "Deno runs V8 with background worker threads");
    const side = sideCpus()!;
    assert.deepEqual(side, all.slice(all.length - Math.floor(all.length / 2)));
    const first = confineV8Workers(side);
    const second = confineV8Workers(side);
    for (const tid of tids) assert.deepEqual(allowedCpus(tid), side);
    first();
    first(); // idempotent: one release per confinement
    for (const tid of tids) assert.deepEqual(allowedCpus(tid), side, "the second confinement still holds");
    second();
    for (const tid of tids) assert.deepEqual(allowedCpus(tid), all);
  },
});

Deno.test({
  name: "affinity: the last release also widens threads left on the confined set (started by a confined thread)",
  ignore: !linux,
  fn() {
    // a fake API over this process's real threads: the main thread (tid = pid) reports the confined set, as a
    // thread a confined one started would; every other thread that is not V8's reports another narrow set
    const v8 = new Set(v8WorkerThreads());
    const masks = new Map<number, number[]>();
    const others = [...Deno.readDirSync("/proc/self/task")].map((t) => Number(t.name))
      .filter((tid) => tid !== Deno.pid && !v8.has(tid));
    const sets: [number, number[]][] = [];
    const fake: AffinityApi = {
      get: (tid) => tid === 0 ? [0, 1, 2, 3] : masks.get(tid) ?? [0, 1, 2, 3],
      set: (tid, c) => (sets.push([tid, [...c]]), masks.set(tid, [...c]), true),
    };
    const release = confineV8Workers([2, 3], fake);
    masks.set(Deno.pid, [2, 3]);
    for (const tid of others) masks.set(tid, [0, 1]); // e.g. a caller kept off the model's CPUs
    sets.length = 0;
    release();
    assert.deepEqual(masks.get(Deno.pid), [0, 1, 2, 3], "the inherited confinement is given back");
    for (const tid of others) assert.deepEqual(masks.get(tid), [0, 1], `thread ${tid}: another narrowing stays`);
    for (const tid of v8) assert.deepEqual(masks.get(tid), [0, 1, 2, 3], `V8 thread ${tid}: its CPUs before`);
    assert.equal(sets.filter(([tid]) => tid === Deno.pid).length, 1);
  },
});

Deno.test({
  name: "affinity: a confinement given unsorted CPUs still widens the threads left on it (get reports them sorted)",
  ignore: !linux,
  fn() {
    const masks = new Map<number, number[]>();
    const fake: AffinityApi = {
      get: (tid) => tid === 0 ? [0, 1, 2, 3] : masks.get(tid) ?? [0, 1, 2, 3],
      set: (tid, c) => (masks.set(tid, [...c].sort((a, b) => a - b)), true),
    };
    const release = confineV8Workers([3, 2], fake);
    masks.set(Deno.pid, [2, 3]);
    release();
    assert.deepEqual(masks.get(Deno.pid), [0, 1, 2, 3]);
  },
});

Deno.test("affinity: the calling thread keeps off the model's CPUs until released, and only when a CPU is left", () => {
  const sets: number[][] = [];
  const fake = (cpus: number[] | undefined): AffinityApi => ({
    get: () => cpus,
    set: (_, c) => (sets.push([...c]), true),
  });
  const release = keepCallerOff([1], fake([0, 1]));
  assert.deepEqual(sets, [[0]]);
  release();
  release(); // idempotent
  assert.deepEqual(sets, [[0], [0, 1]]);
  sets.length = 0;
  keepCallerOff([2, 3], fake([0, 1, 2, 3]))();
  assert.deepEqual(sets, [[0, 1], [0, 1, 2, 3]]);
  sets.length = 0;
  keepCallerOff([0], fake([0]))(); // nothing would be left
  keepCallerOff([5], fake([0, 1]))(); // not one of its CPUs: nothing to keep off
  keepCallerOff([1], fake(undefined))(); // cannot be read
  keepCallerOff([1], undefined)(); // no affinity support
  assert.deepEqual(sets, []);
});

Deno.test({
  name: "affinity: keepCallerOff narrows the calling thread (what the kernel reports) and gives its CPUs back",
  ignore: !linux,
  fn(t) {
    const all = affinityApi()!.get(0)!;
    if (!prereq(t.name, all.length >= 2, `needs 2 CPUs to keep off one (this thread may use ${all.length})`)) return;
    const side = sideCpus()!;
    const release = keepCallerOff(side);
    try {
      assert.deepEqual(allowedCpus("self"), all.filter((c) => !side.includes(c)));
    } finally {
      release();
    }
    assert.deepEqual(allowedCpus("self"), all);
  },
});
