import assert from "node:assert/strict";
import { ConfigError } from "./config_error.ts";
import { DEFAULT_CONFIG } from "./defaults.ts";
import {
  CONFIG_RULES,
  CONFIG_SCHEMA,
  type ElementKind,
  type KeySpec,
  STRING_DESCRIPTIONS,
  type StringFormat,
  validateConfig,
} from "./schema.ts";

/** Every key of the schema with its dotted path. */
function leaves(fields: Readonly<Record<string, KeySpec>>, prefix = ""): [string, KeySpec][] {
  return Object.entries(fields).flatMap(([key, spec]): [string, KeySpec][] =>
    spec.kind === "section"
      ? [[`${prefix}${key}`, spec], ...leaves(spec.fields, `${prefix}${key}.`)]
      : [[`${prefix}${key}`, spec]]
  );
}

/** A partial config that sets one dotted path. */
function withValue(path: string, value: unknown): Record<string, unknown> {
  const parts = path.split(".");
  let json: unknown = value;
  for (let i = parts.length - 1; i >= 0; i--) json = { [parts[i]]: json };
  return json as Record<string, unknown>;
}

/** The value at a dotted path of a config. */
function valueAt(config: unknown, path: string): unknown {
  return path.split(".").reduce((obj, key) => (obj as Record<string, unknown>)[key], config);
}

/** Problems reported for a config, excluding relations between keys. */
function problemsOf(json: unknown): string[] {
  try {
    validateConfig(json);
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.filter((p) => !CONFIG_RULES.some((rule) => p.startsWith(`${rule.path}: must be at least`)));
  }
}

const GOOD_ELEMENT: Record<ElementKind, unknown[]> = {
  port: [1, 80, 65535],
  ip: ["192.0.2.1", "2001:db8::1", "0.0.0.0", "::"],
  cidr: ["192.0.2.0/24", "2001:db8::/32", "0.0.0.0/0", "::/0", "192.0.2.1/32"],
  text: ["order=desc", "x", "a".repeat(256)],
  chat: [123456789, "-1001234567890", "@ids_alerts"],
  attack_type: ["syn_flood", "port_scan", "sql_injection"],
};
const BAD_ELEMENT: Record<ElementKind, unknown[]> = {
  port: [0, 65536, 22.5, "22", null, -1],
  ip: ["1.2.3", "10.0.0.0/8", "", 3232235777, "::1%lo", "localhost"],
  cidr: ["10.0.0.1/8", "10.0.0.0", "10.0.0.0/33", "2001:db8::1/32", 10, "any"],
  text: ["", "a".repeat(257), "a\nb", 5, null],
  chat: [0, 1.5, "", "12a", "@ab", "@bad name", "-0", null, true],
  attack_type: ["SYN_FLOOD", "synflood", "", 3, null],
};

const GOOD_STRING: Record<StringFormat, string[]> = {
  url: ["https://api.telegram.org", "http://127.0.0.1:8081/base", "HTTPS://example.org/api/v2"],
  telegram_token: ["", "123456789:AAH" + "x".repeat(32), "1:" + "a_b-".repeat(5)],
  api_key: ["", "0123456789abcdef", "a".repeat(80)],
  host: ["127.0.0.1", "::1", "logs.example.org", "redis"],
  key: ["suricata", "ids:alerts", "a-b_c.d"],
  path: ["", "/var/log/ids/feedback.csv", "C:\\ids\\feedback.csv"],
};
const BAD_STRING: Record<StringFormat, unknown[]> = {
  url: ["", "api.telegram.org", "ftp://example.org", "https://user:pw@example.org", "https://", 5, null],
  telegram_token: ["987654321", "abc:" + "x".repeat(32), "1:" + "x".repeat(19), "1:" + "x ".repeat(20), 5, null],
  api_key: ["short", "a".repeat(201), "key with spaces 0123", "k€y0123456789abcdef", 5, null],
  host: ["", "bad host", "-x.example", "a".repeat(254), 5, null],
  key: ["", "with space", "k€y", "x".repeat(129), 5, null],
  path: ["a\nb", "x\u0000y", 5, null],
};

/** Formats whose values are secrets: messages never repeat them. */
const SECRET_FORMATS: readonly StringFormat[] = ["telegram_token", "api_key"];

const allLeaves = leaves(CONFIG_SCHEMA.fields);

Deno.test("the schema describes exactly the keys of DEFAULT_CONFIG", () => {
  const schemaPaths = allLeaves.map(([path]) => path).sort();
  const defaultPaths: string[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(obj)) {
      defaultPaths.push(`${prefix}${key}`);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, `${prefix}${key}.`);
      }
    }
  };
  walk(DEFAULT_CONFIG as unknown as Record<string, unknown>, "");
  assert.deepEqual(schemaPaths, defaultPaths.sort());
  for (const [path, spec] of allLeaves) {
    assert.ok(spec.description.length > 3, `${path} has a description`);
    if (spec.kind === "number") {
      const value = valueAt(DEFAULT_CONFIG, path) as number;
      assert.ok(value >= spec.min && value <= spec.max, `${path} default ${value} is in range`);
      assert.ok(!spec.integer || Number.isInteger(value), `${path} default is an integer`);
      assert.ok(spec.min <= spec.max);
    }
  }
});

for (const [path, spec] of allLeaves) {
  if (spec.kind === "number") {
    Deno.test(`${path}: range ${spec.min}..${spec.max}${spec.integer ? " (integer)" : ""} is enforced`, () => {
      const kind = spec.integer ? "an integer" : "a number";
      const message = (got: string) => `${path}: must be ${kind} from ${spec.min} to ${spec.max} (got ${got})`;
      for (const ok of [spec.min, spec.max, (spec.min + spec.max) / 2].map((v) => spec.integer ? Math.floor(v) : v)) {
        assert.deepEqual(problemsOf(withValue(path, ok)), [], `${path} = ${ok} is accepted`);
      }
      const below = spec.integer ? spec.min - 1 : spec.min > 0 ? spec.min / 2 : -1;
      const above = spec.integer ? spec.max + 1 : spec.max + 0.5;
      assert.deepEqual(problemsOf(withValue(path, below)), [message(String(below))]);
      assert.deepEqual(problemsOf(withValue(path, above)), [message(String(above))]);
      if (spec.integer) {
        assert.deepEqual(problemsOf(withValue(path, spec.min + 0.5)), [message(String(spec.min + 0.5))]);
      }
      assert.deepEqual(problemsOf(withValue(path, "5")), [message('"5"')]);
      assert.deepEqual(problemsOf(withValue(path, null)), [message("null")]);
      assert.deepEqual(problemsOf(withValue(path, Number.NaN)), [message("NaN")]);
      assert.deepEqual(problemsOf(withValue(path, Infinity)), [message("Infinity")]);
      const ruleFree = !CONFIG_RULES.some((rule) => path.startsWith(rule.path.split(".")[0]));
      if (ruleFree) assert.equal(valueAt(validateConfig(withValue(path, spec.max)), path), spec.max);
    });
  } else if (spec.kind === "boolean") {
    Deno.test(`${path}: only true or false`, () => {
      for (const ok of [true, false]) {
        assert.equal(valueAt(validateConfig(withValue(path, ok)), path), ok);
      }
      for (const [bad, text] of [[1, "1"], ["true", '"true"'], [null, "null"]] as const) {
        assert.deepEqual(problemsOf(withValue(path, bad)), [`${path}: must be true or false (got ${text})`]);
      }
    });
  } else if (spec.kind === "list") {
    Deno.test(`${path}: list of ${spec.element}, at most ${spec.maxItems}`, () => {
      const good = GOOD_ELEMENT[spec.element];
      assert.deepEqual(valueAt(validateConfig(withValue(path, good)), path), good);
      assert.deepEqual(valueAt(validateConfig(withValue(path, [])), path), []);
      for (const bad of BAD_ELEMENT[spec.element]) {
        const problems = problemsOf(withValue(path, [good[0], bad]));
        assert.equal(problems.length, 1, `${path}: ${JSON.stringify(bad)} refused`);
        assert.ok(problems[0].startsWith(`${path}[1]: must be `), problems[0]);
      }
      const notList = problemsOf(withValue(path, good[0]));
      assert.equal(notList.length, 1);
      assert.ok(notList[0].startsWith(`${path}: must be a list of entries`), notList[0]);
      const tooMany = problemsOf(withValue(path, new Array(spec.maxItems + 1).fill(good[0])));
      assert.deepEqual(tooMany, [`${path}: must have at most ${spec.maxItems} entries (got ${spec.maxItems + 1})`]);
    });
  } else if (spec.kind === "string") {
    Deno.test(`${path}: text of format ${spec.format}`, () => {
      for (const ok of GOOD_STRING[spec.format]) {
        assert.equal(valueAt(validateConfig(withValue(path, ok)), path), ok, `${path} = ${ok} is accepted`);
      }
      for (const bad of BAD_STRING[spec.format]) {
        const problems = problemsOf(withValue(path, bad));
        assert.equal(problems.length, 1, `${path}: ${JSON.stringify(bad)} refused`);
        assert.ok(problems[0].startsWith(`${path}: must be ${STRING_DESCRIPTIONS[spec.format]} (got `), problems[0]);
        if (SECRET_FORMATS.includes(spec.format) && typeof bad === "string") {
          assert.ok(!problems[0].includes(bad), `a secret is never repeated: ${problems[0]}`);
        }
      }
    });
  } else if (spec.kind === "choice") {
    Deno.test(`${path}: one of ${spec.values.join(", ")}`, () => {
      for (const ok of spec.values) assert.equal(valueAt(validateConfig(withValue(path, ok)), path), ok);
      const list = spec.values.map((v) => `"${v}"`).join(", ");
      for (const [bad, text] of [[5, "5"], ["BSD", '"BSD"'], [null, "null"]] as const) {
        assert.deepEqual(problemsOf(withValue(path, bad)), [`${path}: must be one of ${list} (got ${text})`]);
      }
    });
  } else {
    Deno.test(`${path}: must be an object`, () => {
      assert.deepEqual(problemsOf(withValue(path, 5)), [`${path}: must be an object (got 5)`]);
      assert.deepEqual(problemsOf(withValue(path, [])), [`${path}: must be an object (got [])`]);
      assert.deepEqual(problemsOf(withValue(path, {})), []);
    });
  }
}

Deno.test("validateConfig() reports the brief's examples word for word", () => {
  assert.throws(
    () => validateConfig({ syn_flood: { threshold: -3 }, syn_flod: {} }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        'unknown key "syn_flod" (did you mean "syn_flood"?)',
        "syn_flood.threshold: must be an integer from 1 to 1000000 (got -3)",
      ]);
      assert.ok(error.message.startsWith('Cannot use config: 2 problems\n  unknown key "syn_flod"'), error.message);
      return true;
    },
  );
});

Deno.test("validateConfig() lists every problem at once", () => {
  try {
    validateConfig({
      alert_interval_s: -1,
      ml_confidence: 1.5,
      trusted_ips: ["1.2.3.4", "300.1.1.1"],
      trusted_cidrs: ["10.0.0.1/8"],
      syn_flood: { treshold: 5, window_s: 0 },
      capture: { promisc: "yes" },
      ports: [1],
    }, { source: "ids.json" });
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.source, "ids.json");
    assert.match(error.message, /^Cannot use config ids\.json: 8 problems/);
    assert.deepEqual(error.problems, [
      'unknown key "ports"',
      "alert_interval_s: must be a number from 0 to 3600 (got -1)",
      "ml_confidence: must be a number from 0 to 1 (got 1.5)",
      'trusted_ips[1]: must be an IPv4 or IPv6 address (got "300.1.1.1")',
      'trusted_cidrs[0]: must be a CIDR block such as 10.0.0.0/8 or 2001:db8::/32 (got "10.0.0.1/8"); ' +
      'host bits are set, did you mean "10.0.0.0/8"?',
      'unknown key "syn_flood.treshold" (did you mean "syn_flood.threshold"?)',
      "syn_flood.window_s: must be a number from 0.001 to 86400 (got 0)",
      'capture.promisc: must be true or false (got "yes")',
    ]);
  }
});

Deno.test("validateConfig() hints where addresses and blocks belong", () => {
  assert.deepEqual(problemsOf({ trusted_ips: ["10.0.0.0/8"] }), [
    'trusted_ips[0]: must be an IPv4 or IPv6 address (got "10.0.0.0/8"); CIDR blocks belong in trusted_cidrs',
  ]);
  assert.deepEqual(problemsOf({ trusted_cidrs: ["10.1.2.3"] }), [
    'trusted_cidrs[0]: must be a CIDR block such as 10.0.0.0/8 or 2001:db8::/32 (got "10.1.2.3"); ' +
    "single addresses belong in trusted_ips",
  ]);
  assert.deepEqual(problemsOf({ trusted_cidrs: ["2001:db8::1/32"] }), [
    'trusted_cidrs[0]: must be a CIDR block such as 10.0.0.0/8 or 2001:db8::/32 (got "2001:db8::1/32"); ' +
    'host bits are set, did you mean "2001:db8::/32"?',
  ]);
});

Deno.test("validateConfig() suggests near keys only", () => {
  assert.deepEqual(problemsOf({ SYN_FLOOD: {} }), ['unknown key "SYN_FLOOD" (did you mean "syn_flood"?)']);
  assert.deepEqual(problemsOf({ synFlood: {} }), ['unknown key "synFlood" (did you mean "syn_flood"?)']);
  assert.deepEqual(problemsOf({ port_scan: { window: 5 } }), [
    'unknown key "port_scan.window" (did you mean "port_scan.window_s"?)',
  ]);
  assert.deepEqual(problemsOf({ banana: 1 }), ['unknown key "banana"']);
  assert.deepEqual(problemsOf({ limits: { max_flow: 2048 } }), [
    'unknown key "limits.max_flow" (did you mean "limits.max_flows"?)',
  ]);
});

Deno.test("validateConfig() refuses a file that is not an object", () => {
  for (const [json, text] of [[null, "null"], [[], "[]"], ["{}", '"{}"'], [3, "3"]] as const) {
    assert.deepEqual(problemsOf(json), [`config: must be a JSON object (got ${text})`]);
  }
});

Deno.test("validateConfig() caps the bad entries listed for one list", () => {
  const problems = problemsOf({ trusted_ips: new Array(50).fill("bad") });
  assert.equal(problems.length, 21);
  assert.equal(problems[20], "trusted_ips: 30 more bad entries not listed");
});

Deno.test("validateConfig() merges a partial file over the defaults", () => {
  const config = validateConfig({
    alert_interval_s: 5,
    syn_flood: { threshold: 20 },
    exploit_probe: { ports: [445] },
    capture: { promisc: false },
  });
  assert.equal(config.alert_interval_s, 5);
  assert.equal(config.syn_flood.threshold, 20);
  assert.equal(config.syn_flood.window_s, DEFAULT_CONFIG.syn_flood.window_s);
  assert.equal(config.syn_flood.dest_threshold, DEFAULT_CONFIG.syn_flood.dest_threshold);
  assert.deepEqual(config.exploit_probe.ports, [445], "a list replaces the default list");
  assert.equal(config.exploit_probe.sweep_ports, DEFAULT_CONFIG.exploit_probe.sweep_ports);
  assert.equal(config.capture.promisc, false);
  assert.equal(config.capture.snaplen, DEFAULT_CONFIG.capture.snaplen);
  assert.deepEqual(config.ddos, DEFAULT_CONFIG.ddos);
  assert.deepEqual(config.trusted_cidrs, DEFAULT_CONFIG.trusted_cidrs);
  assert.equal(DEFAULT_CONFIG.syn_flood.threshold, 10, "defaults untouched");
});

Deno.test("validateConfig() returns a deeply frozen copy", () => {
  const ports = [445, 139];
  const config = validateConfig({ exploit_probe: { ports } });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.exploit_probe));
  assert.ok(Object.isFrozen(config.exploit_probe.ports));
  ports.push(22);
  assert.deepEqual(config.exploit_probe.ports, [445, 139], "the caller's list is copied");
  assert.ok(!Object.isFrozen(ports));
});

Deno.test("validateConfig() checks relations between keys", () => {
  assert.throws(
    () => validateConfig({ port_scan: { window_s: 120, slow_window_s: 60 } }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.join() === "port_scan.slow_window_s: must be at least port_scan.window_s (120) (got 60)",
  );
  assert.equal(validateConfig({ port_scan: { window_s: 600, slow_window_s: 600 } }).port_scan.slow_window_s, 600);
});
