import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "./config_error.ts";
import { type Config, DEFAULT_CONFIG } from "./defaults.ts";
import { loadConfig, loadConfigFile, parseConfigText } from "./load.ts";
import { watchConfig } from "./watch.ts";

Deno.test("loadConfig() without a path gives the defaults", async () => {
  assert.equal(await loadConfig(), DEFAULT_CONFIG);
});

Deno.test("loadConfig() merges a partial file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "ids.json");
    await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold: 25 }, block_seconds: 120 }));
    const config = await loadConfig(path);
    assert.equal(config.syn_flood.threshold, 25);
    assert.equal(config.block_seconds, 120);
    assert.equal(config.ddos.threshold, DEFAULT_CONFIG.ddos.threshold);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig() reports a missing file, bad JSON and bad keys as ConfigError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = join(dir, "missing.json");
    await assert.rejects(loadConfig(missing), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, ["cannot read the file: file not found"]);
      assert.equal(error.message, `Cannot use config ${missing}: 1 problem\n  cannot read the file: file not found`);
      return true;
    });
    const broken = join(dir, "broken.json");
    await Deno.writeTextFile(broken, "{ syn_flood: 1 ");
    await assert.rejects(loadConfig(broken), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 1);
      assert.match(error.problems[0], /^not valid JSON: /);
      return true;
    });
    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(bad, '{"ddos": {"threshold": 0}}');
    await assert.rejects(loadConfig(bad), /ddos\.threshold: must be an integer from 1 to 100000000 \(got 0\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseConfigText() names the source", () => {
  assert.throws(() => parseConfigText("[]", "x.json"), /^ConfigError: Cannot use config x\.json: 1 problem/);
  assert.equal(parseConfigText("{}").alert_interval_s, 2);
});

/** Collects watcher callbacks and hands them out in order. */
class Events {
  #queue: (["change", Config] | ["error", string])[] = [];
  #wake: (() => void) | undefined;

  push(event: ["change", Config] | ["error", string]): void {
    this.#queue.push(event);
    this.#wake?.();
  }

  async next(timeoutMs = 5000): Promise<["change", Config] | ["error", string]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      while (this.#queue.length === 0) {
        await new Promise<void>((resolve, reject) => {
          this.#wake = resolve;
          timer = setTimeout(() => reject(new Error("no watcher callback in time")), timeoutMs);
        });
        clearTimeout(timer);
      }
      return this.#queue.shift()!;
    } finally {
      clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  get pending(): number {
    return this.#queue.length;
  }
}

/** Watches `path`, handing each new config to `set` and every callback to `events`. */
function watchInto(path: string, events: Events, set: (config: Config) => void, debounceMs?: number) {
  return watchConfig(path, {
    debounceMs,
    onChange: (config) => {
      set(config);
      events.push(["change", config]);
    },
    onError: (message) => events.push(["error", message]),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("watchConfig(): a burst of writes becomes one reload of the last content", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "ids.json");
  await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold: 10 } }));
  let current = await loadConfig(path);
  const events = new Events();
  // a long debounce, so that a busy machine cannot stretch the 30 ms gaps of the burst past it
  const stop = watchInto(path, events, (config) => current = config, 1_000);
  try {
    await sleep(50);
    for (const threshold of [11, 12, 13]) {
      await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold } }));
      await sleep(30);
    }
    const event = await events.next();
    assert.equal(event[0], "change");
    assert.equal(current.syn_flood.threshold, 13);
    await sleep(1_500);
    assert.equal(events.pending, 0, "one reload for a burst of writes");
  } finally {
    await stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchConfig() applies a changed file without restart and keeps the old config on errors", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "ids.json");
  await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold: 10 } }));
  let current = await loadConfig(path);
  const events = new Events();
  const stop = watchInto(path, events, (config) => current = config);
  try {
    await sleep(50);
    // A valid change applies.
    await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold: 42 } }));
    let event = await events.next();
    assert.equal(event[0], "change");
    assert.equal(current.syn_flood.threshold, 42);

    // An invalid change is reported and the previous config stays.
    await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold: -3 } }));
    event = await events.next();
    assert.deepEqual(event, [
      "error",
      `Cannot use config ${path}: 1 problem\n  syn_flood.threshold: must be an integer from 1 to 1000000 (got -3)`,
    ]);
    assert.equal(current.syn_flood.threshold, 42);

    // Half-written JSON too.
    await Deno.writeTextFile(path, '{"syn_flood": {');
    event = await events.next();
    assert.equal(event[0], "error");
    assert.match(event[1] as string, /not valid JSON/);
    assert.equal(current.syn_flood.threshold, 42);

    // Saving by writing a new file and renaming it over the old one (as editors do).
    const temp = join(dir, "ids.json.tmp");
    await Deno.writeTextFile(temp, JSON.stringify({ alert_interval_s: 9 }));
    await Deno.rename(temp, path);
    event = await events.next();
    assert.equal(event[0], "change");
    assert.equal(current.alert_interval_s, 9);
    assert.equal(current.syn_flood.threshold, DEFAULT_CONFIG.syn_flood.threshold);

    // Rewriting the same content changes nothing; other files in the folder are ignored.
    await Deno.writeTextFile(path, JSON.stringify({ alert_interval_s: 9 }));
    await Deno.writeTextFile(join(dir, "other.json"), "{}");
    await sleep(500);
    assert.equal(events.pending, 0);

    // A removed file is an error; the config stays.
    await Deno.remove(path);
    event = await events.next();
    assert.equal(event[0], "error");
    assert.match(event[1] as string, /cannot read the file: file not found/);
    assert.equal(current.alert_interval_s, 9);
  } finally {
    await stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watchConfig() disposer stops callbacks", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "ids.json");
  await Deno.writeTextFile(path, "{}");
  const events = new Events();
  const stop = watchConfig(path, {
    onChange: (config) => events.push(["change", config]),
    onError: (message) => events.push(["error", message]),
    debounceMs: 20,
  });
  await stop();
  await stop(); // idempotent
  await Deno.writeTextFile(path, JSON.stringify({ block_seconds: 5 }));
  await sleep(150);
  assert.equal(events.pending, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("watchConfig() refuses a folder that does not exist", () => {
  assert.throws(
    () => watchConfig("/nonexistent-ids-dir/ids.json", { onChange: () => {}, onError: () => {} }),
    /^Error: Cannot watch config \/nonexistent-ids-dir\/ids\.json: /,
  );
});

Deno.test("watchConfig(): an edit made between loading the file and starting the watcher is applied, not missed", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "ids.json");
  try {
    await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold: 10 } }));
    const loaded = await loadConfigFile(path);
    let current = loaded.config;
    // `ids run` opens the sensor, the IPS and the dashboard before it watches the file: an edit lands meanwhile
    await Deno.writeTextFile(path, JSON.stringify({ syn_flood: { threshold: 77 } }));
    const events = new Events();
    const stop = watchConfig(path, {
      loadedText: loaded.text,
      debounceMs: 20,
      onChange: (config) => {
        current = config;
        events.push(["change", config]);
      },
      onError: (message) => events.push(["error", message]),
    });
    try {
      const event = await events.next();
      assert.equal(event[0], "change");
      assert.equal(current.syn_flood.threshold, 77);
    } finally {
      await stop();
    }
    // the file unchanged since it was loaded: nothing to apply
    const quiet = new Events();
    const again = await loadConfigFile(path);
    const stop2 = watchConfig(path, {
      loadedText: again.text,
      debounceMs: 20,
      onChange: (config) => quiet.push(["change", config]),
      onError: (message) => quiet.push(["error", message]),
    });
    await sleep(200);
    await stop2();
    assert.equal(quiet.pending, 0);
    // no file when the defaults were loaded (a dashboard's settings file not written yet), one by the time of watching
    const later = join(dir, "later.json");
    await Deno.writeTextFile(later, JSON.stringify({ block_seconds: 90 }));
    const created = new Events();
    const stop3 = watchConfig(later, {
      loadedText: null,
      debounceMs: 20,
      onChange: (config) => created.push(["change", config]),
      onError: (message) => created.push(["error", message]),
    });
    try {
      const event = await created.next();
      assert.equal(event[0] === "change" && event[1].block_seconds, 90);
    } finally {
      await stop3();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
