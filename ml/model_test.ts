import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  besideParent,
  checkModel,
  DEFAULT_MODEL_PATH,
  FlowClassifier,
  loadClassifier,
  readModelInfo,
} from "./classifier.ts";
import { tinyOnnx } from "./_test_onnx.ts";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION } from "./features.ts";
import { parityError } from "./parity.ts";
import { affinityApi, sideCpus } from "../ffi/affinity.ts";
import { prereq } from "../testing/prereq.ts";

const MODELS = join(dirname(fileURLToPath(import.meta.url)), "..", "models");

Deno.test("model: the committed ONNX graph matches scikit-learn's predict_proba to 1e-5 on held-out rows", async () => {
  const { max, rows } = await parityError(MODELS);
  assert.ok(rows >= 100, `parity sample has ${rows} rows`);
  assert.ok(max <= 1e-5, `max difference ${max}`);
});

Deno.test("model: the default path is models/ids-flow.onnx of this checkout, built without node:path", () => {
  assert.equal(DEFAULT_MODEL_PATH, join(MODELS, "ids-flow.onnx"));
  assert.equal(besideParent("/opt/ids/ml", "models", "ids-flow.onnx"), "/opt/ids/models/ids-flow.onnx");
  assert.equal(besideParent("C:\\ids\\ml", "models", "ids-flow.onnx"), "C:\\ids\\models\\ids-flow.onnx");
  assert.equal(besideParent("/ml", "models", "m.onnx"), "/models/m.onnx");
});

Deno.test("model: the committed metadata fits this feature code", async () => {
  const { info, problem } = await readModelInfo(DEFAULT_MODEL_PATH);
  assert.equal(problem, undefined);
  assert.equal(info!.feature_version, FEATURE_VERSION);
  assert.deepEqual(info!.features, FEATURE_NAMES);
  assert.equal(info!.classes[0], "normal");
  assert.ok(!info!.classes.includes("sql_injection"), "SQL injection stays with the payload detector");
  assert.ok((info!.metrics?.macro_f1 ?? 0) > 0);
});

Deno.test("classifier: the Worker loads the model and answers like a direct session", async () => {
  const c = await loadClassifier();
  try {
    assert.equal(c.status.state, "loaded", c.status.reason);
    const p = JSON.parse(await Deno.readTextFile(join(MODELS, "ids-flow.parity.json"))) as {
      rows: number[][];
      proba: number[][];
    };
    const cpu0 = await c.workerCpuNs();
    const verdicts = await Promise.all(p.rows.slice(0, 64).map((r) => c.classify(r)));
    const cpu1 = await c.workerCpuNs();
    if (Deno.build.os === "linux") assert.ok(cpu0! > 0 && cpu1! > cpu0!, `Worker CPU time ${cpu0} -> ${cpu1} ns`);
    verdicts.forEach((v, i) => {
      assert.ok(v !== undefined);
      const probs = p.proba[i];
      const best = probs.indexOf(Math.max(...probs));
      assert.equal(v.label, c.status.classes[best]);
      assert.ok(Math.abs(v.confidence - probs[best]) <= 1e-5);
    });
    assert.equal(c.counters.classified, 64);
    assert.equal(c.counters.batches, 1, "the rows asked for in one task travel as one batch");
  } finally {
    c.close();
  }
});

/** CPUs as Linux lists them in `Cpus_allowed_list` (`1`, `2-3`, `0,2,4`). */
function cpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length;) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(j === i ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** Each thread of this process by name, with the CPUs Linux lets it run on (`Cpus_allowed_list`). */
function threadCpus(): { comm: string; cpus: string }[] {
  return [...Deno.readDirSync("/proc/self/task")].flatMap((t) => {
    try {
      const status = Deno.readTextFileSync(`/proc/self/task/${t.name}/status`);
      return [{
        comm: Deno.readTextFileSync(`/proc/self/task/${t.name}/comm`).trim(),
        cpus: /Cpus_allowed_list:\s*(\S+)/.exec(status)![1],
      }];
    } catch {
      return []; // ended meanwhile
    }
  });
}

Deno.test({
  name: "classifier: a confined start keeps the model Worker and V8's background threads on one CPU until unconfine()",
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    const all = affinityApi()!.get(0)!;
    const side = sideCpus();
    if (all.length < 2) assert.equal(side, undefined, "one CPU: nothing is confined");
    if (!prereq(t.name, all.length >= 2, "the confinement itself needs 2 CPUs")) return;
    const wide = threadCpus().find((t) => t.comm === "deno")!.cpus;
    const c = await loadClassifier({ confineTo: side });
    try {
      assert.equal(c.status.state, "loaded", c.status.reason);
      const list = cpuList(side!);
      const confined = threadCpus().filter((t) => t.cpus === list);
      assert.ok(confined.some((t) => t.comm.startsWith("worker-")), `the model Worker: ${JSON.stringify(confined)}`);
      assert.ok(confined.some((t) => t.comm.startsWith("V8 ")), `V8's threads: ${JSON.stringify(confined)}`);
      assert.ok(threadCpus().some((t) => t.comm === "deno" && t.cpus === wide), "the calling thread is not confined");
      // verdicts are the same confined or not
      const row = new Float32Array(FEATURE_COUNT);
      assert.ok((await c.classify(row)) !== undefined);
      c.unconfine();
      await c.workerCpuNs(); // answered after the Worker handled the message before it
      assert.deepEqual(threadCpus().filter((t) => t.cpus !== wide), [], "every thread may use every CPU again");
      c.unconfine(); // idempotent
    } finally {
      c.close();
    }
  },
});

Deno.test({
  name: "classifier: keepCallerOff keeps the calling thread off the model's CPUs until unconfine(), the Worker on them",
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    const all = affinityApi()!.get(0)!;
    if (!prereq(t.name, all.length >= 2, "the confinement itself needs 2 CPUs")) return;
    const side = sideCpus()!;
    const wide = cpuList(all);
    const self = () => /Cpus_allowed_list:\s*(\S+)/.exec(Deno.readTextFileSync("/proc/thread-self/status"))![1];
    const c = await loadClassifier({ confineTo: side, keepCallerOff: true });
    try {
      assert.equal(c.status.state, "loaded", c.status.reason);
      assert.equal(self(), cpuList(all.filter((x) => !side.includes(x))), "the calling thread keeps off them");
      const confined = threadCpus().filter((t) => t.cpus === cpuList(side));
      assert.ok(confined.some((t) => t.comm.startsWith("worker-")), `the model Worker: ${JSON.stringify(confined)}`);
      assert.ok((await c.classify(new Float32Array(FEATURE_COUNT))) !== undefined);
      c.unconfine();
      assert.equal(self(), wide, "the calling thread may use every CPU again");
      await c.workerCpuNs();
      assert.ok(threadCpus().some((t) => t.comm.startsWith("worker-") && t.cpus === wide), "so may the Worker");
    } finally {
      c.close();
    }
    assert.equal(self(), wide);
  },
});

Deno.test("classifier: rows asked for from successive microtasks (as the decision stage asks) travel as one batch", async () => {
  const c = await loadClassifier();
  try {
    assert.equal(c.status.state, "loaded", c.status.reason);
    const row = new Float32Array(FEATURE_COUNT);
    // each decision awaits the model's readiness first: its request comes one microtask later
    const asked = Array.from({ length: 20 }, () => Promise.resolve().then(() => c.classify(row)));
    const verdicts = await Promise.all(asked);
    assert.ok(verdicts.every((v) => v !== undefined));
    assert.equal(c.counters.batches, 1);
    // a request after the answer goes out on its own, at once
    assert.ok((await c.classify(row)) !== undefined);
    assert.equal(c.counters.batches, 2);
  } finally {
    c.close();
  }
});

Deno.test("classifier: a full queue answers at once and counts the refusal", async () => {
  const c = await loadClassifier({ maxQueue: 8, maxBatch: 4 });
  try {
    assert.equal(c.status.state, "loaded");
    const row = new Float32Array(FEATURE_COUNT);
    const all = Array.from({ length: 40 }, () => c.classify(row));
    const got = await Promise.all(all);
    const answered = got.filter((v) => v !== undefined).length;
    assert.ok(c.counters.dropped > 0, "some were refused");
    assert.equal(answered + c.counters.dropped, 40);
  } finally {
    c.close();
  }
});

Deno.test("classifier: missing, mismatched or corrupt model → heuristics only with the reason, never a throw", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = await loadClassifier({ modelPath: join(dir, "none.onnx") });
    assert.equal(missing.status.state, "heuristics only");
    assert.match(missing.status.reason!, /does not exist/);
    assert.equal(await missing.classify(new Float32Array(FEATURE_COUNT)), undefined);

    const meta = JSON.parse(await Deno.readTextFile(join(MODELS, "ids-flow.json")));
    await Deno.writeTextFile(join(dir, "old.json"), JSON.stringify({ ...meta, feature_version: FEATURE_VERSION + 1 }));
    await Deno.copyFile(join(MODELS, "ids-flow.onnx"), join(dir, "old.onnx"));
    const old = await loadClassifier({ modelPath: join(dir, "old.onnx") });
    assert.equal(old.status.state, "heuristics only");
    assert.match(old.status.reason!, /feature code v/);

    await Deno.writeTextFile(join(dir, "short.json"), JSON.stringify({ ...meta, features: meta.features.slice(1) }));
    await Deno.copyFile(join(MODELS, "ids-flow.onnx"), join(dir, "short.onnx"));
    const short = await loadClassifier({ modelPath: join(dir, "short.onnx") });
    assert.match(short.status.reason!, /expects \d+ features/);

    await Deno.writeTextFile(join(dir, "bad.json"), JSON.stringify(meta));
    await Deno.writeFile(join(dir, "bad.onnx"), new TextEncoder().encode("not a model"));
    const bad = await loadClassifier({ modelPath: join(dir, "bad.onnx") });
    assert.equal(bad.status.state, "heuristics only");
    assert.match(bad.status.reason!, /is not an ONNX model/);

    // well-formed ONNX that does not fit: checked before onnxruntime starts
    await Deno.writeTextFile(join(dir, "wide.json"), JSON.stringify(meta));
    await Deno.writeFile(join(dir, "wide.onnx"), tinyOnnx(FEATURE_COUNT + 9, meta.classes.length));
    const wide = await checkModel(join(dir, "wide.onnx"));
    assert.match(
      wide.problem!,
      new RegExp(`takes ${FEATURE_COUNT + 9} float features per row, this sensor computes ${FEATURE_COUNT}`),
    );
    await Deno.writeTextFile(join(dir, "few.json"), JSON.stringify(meta));
    await Deno.writeFile(join(dir, "few.onnx"), tinyOnnx(FEATURE_COUNT, meta.classes.length - 1));
    assert.match(
      (await checkModel(join(dir, "few.onnx"))).problem!,
      /gives \d+ probabilities, its metadata lists \d+ classes/,
    );
    // it passes the checks but onnxruntime refuses it (no nodes make the output): found when the Worker loads it
    await Deno.writeTextFile(join(dir, "empty.json"), JSON.stringify(meta));
    await Deno.writeFile(join(dir, "empty.onnx"), tinyOnnx(FEATURE_COUNT, meta.classes.length));
    assert.ok((await checkModel(join(dir, "empty.onnx"))).model !== undefined);
    const empty = await loadClassifier({ modelPath: join(dir, "empty.onnx") });
    assert.equal(empty.status.state, "heuristics only");
    assert.match(empty.status.reason!, /Cannot load model|does not match/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("classifier: a model Worker that dies answers what was waiting with undefined and goes heuristics only", async () => {
  // a Worker that throws on its first request, as onnxruntime could on a corrupt session
  const worker = new Worker(`data:text/javascript,self.onmessage = () => { throw new Error("boom"); };`, {
    type: "module",
  });
  const c = new FlowClassifier(
    { state: "loaded", path: "test", classes: ["normal", "syn_flood"] },
    undefined,
    worker,
    {},
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answer = await Promise.race([
    c.classify(new Float32Array(FEATURE_COUNT)),
    new Promise<string>((r) => timer = setTimeout(() => r("still waiting after 10 s"), 10_000)),
  ]);
  clearTimeout(timer);
  assert.equal(answer, undefined);
  assert.equal(c.status.state, "heuristics only");
  assert.match(c.status.reason ?? "", /model Worker failed .*boom/);
  assert.equal(await c.classify(new Float32Array(FEATURE_COUNT)), undefined, "later requests answer at once");
  c.close();
});

Deno.test("classifier: with a full batch waiting, a second batch goes to the Worker before the first is answered; each row gets its own verdict", async () => {
  // a Worker that answers only once it holds two batches (with one batch in flight at a time it would never answer),
  // the later batch first; row r (its first feature) gets class r % 2 with probability 0.9 - r / 100
  const src = `const held = [];
self.onmessage = (e) => {
  if (e.data.type !== "infer") return;
  held.push(e.data);
  if (held.length < 2) return;
  for (const m of held.splice(0).reverse()) {
    const rows = new Float32Array(m.rows);
    const probs = new Float32Array(m.n * 2);
    for (let i = 0; i < m.n; i++) {
      const r = rows[i * m.features];
      probs[i * 2 + (r % 2)] = 0.9 - r / 100;
      probs[i * 2 + 1 - (r % 2)] = 0.1 + r / 100;
    }
    self.postMessage({ type: "result", id: m.id, probs: probs.buffer, classes: 2, runMs: 0 }, [probs.buffer]);
  }
};`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const classes = ["normal", "syn_flood"];
  const c = new FlowClassifier({ state: "loaded", path: "test", classes }, undefined, worker, {
    maxQueue: 64,
    maxBatch: 4,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const asked = Promise.all(Array.from({ length: 8 }, (_, r) => {
      const row = new Float32Array(FEATURE_COUNT);
      row[0] = r;
      return c.classify(row);
    }));
    const got = await Promise.race([
      asked,
      new Promise<string>((r) => timer = setTimeout(() => r("no answer after 5 s: one batch in flight"), 5_000)),
    ]);
    assert.deepEqual(
      got,
      Array.from({ length: 8 }, (_, r) => ({ label: classes[r % 2], confidence: Math.fround(0.9 - r / 100) })),
    );
    assert.equal(c.counters.batches, 2);
    assert.equal(c.counters.classified, 8);
  } finally {
    clearTimeout(timer);
    c.close();
  }
});

Deno.test("classifier: a model Worker that dies with two batches out and rows queued leaves every row in a counter", async () => {
  // a Worker that holds its batches and throws once it holds two (as onnxruntime could fail mid-run)
  const src = `const held = [];
self.onmessage = (e) => {
  if (e.data.type !== "infer") return;
  held.push(e.data);
  if (held.length === 2) throw new Error("boom");
};`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  const c = new FlowClassifier(
    { state: "loaded", path: "test", classes: ["normal", "syn_flood"] },
    undefined,
    worker,
    { maxQueue: 64, maxBatch: 4 },
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const row = new Float32Array(FEATURE_COUNT);
    // 9 rows in one task: two full batches go out, one row stays queued
    const asked = Promise.all(Array.from({ length: 9 }, () => c.classify(row)));
    const got = await Promise.race([
      asked,
      new Promise<string>((r) => timer = setTimeout(() => r("still waiting after 10 s"), 10_000)),
    ]);
    assert.deepEqual(got, Array.from({ length: 9 }, () => undefined));
    assert.equal(c.status.state, "heuristics only");
    assert.equal(c.counters.batches, 2);
    assert.equal(await c.classify(row), undefined, "a request after the failure answers at once");
    const { requested, classified, dropped, failed, unanswered } = c.counters;
    assert.equal(classified + dropped + failed + unanswered, requested, "every row in one counter");
    assert.deepEqual({ requested, classified, dropped, failed, unanswered }, {
      requested: 10,
      classified: 0,
      dropped: 0,
      failed: 0,
      unanswered: 10,
    });
  } finally {
    clearTimeout(timer);
    c.close();
  }
});
