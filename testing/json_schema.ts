/**
 * A small JSON Schema validator for tests (no npm dependency, so the CLI's import map holds no test-only package).
 *
 * Supports the keywords the EVE schemas use — `type`, `properties`, `additionalProperties`, `required`, `items`,
 * `minItems`, `maxItems`, `minProperties`, `enum`, `const`, `minimum`, `maximum`, `minLength`, `maxLength`, `pattern`,
 * `oneOf`, `anyOf`, `allOf`, `$ref` (local `#/…` pointers) — and ignores annotations (`description`, `title`,
 * `$comment`, Suricata's `suricata`/`keywords`/`optional`, …). A schema using any other keyword is refused
 * (`Cannot validate: unsupported keyword …`) instead of being half-checked.
 *
 * @module
 */

type Schema = boolean | Record<string, unknown>;

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$defs",
  "definitions",
  "$comment",
  "title",
  "description",
  "desription", // a typo in Suricata's schema
  "default",
  "examples",
  "format",
  "suricata",
  "keywords",
  "optional",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

const KEYWORDS = new Set([
  "type",
  "properties",
  "additionalProperties",
  "required",
  "items",
  "minItems",
  "maxItems",
  "minProperties",
  "enum",
  "const",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "oneOf",
  "anyOf",
  "allOf",
  "$ref",
]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A compiled schema: `validate(value)` returns every error as `PATH: message` (empty when valid). */
export class JsonSchema {
  readonly #root: Schema;
  readonly #patterns = new Map<string, RegExp>();

  /** Checks that `root` uses only supported keywords; throws `Cannot validate: …` otherwise. */
  constructor(root: Schema) {
    this.#root = root;
    this.#check(root, "#");
  }

  /** Reads and compiles a schema file. */
  static fromFile(path: string | URL): JsonSchema {
    return new JsonSchema(JSON.parse(Deno.readTextFileSync(path)));
  }

  #check(s: unknown, at: string): void {
    if (typeof s === "boolean") return;
    if (s === null || typeof s !== "object" || Array.isArray(s)) throw new Error(`Cannot validate: ${at} is no schema`);
    for (const [k, v] of Object.entries(s)) {
      if (ANNOTATIONS.has(k)) {
        if (k === "$defs" || k === "definitions") {
          for (const [n, d] of Object.entries(v as object)) this.#check(d, `${at}/${k}/${n}`);
        }
        continue;
      }
      if (!KEYWORDS.has(k)) throw new Error(`Cannot validate: unsupported keyword "${k}" at ${at}`);
      if (k === "properties") {
        for (const [n, d] of Object.entries(v as object)) this.#check(d, `${at}/properties/${n}`);
      }
      if (k === "items" || (k === "additionalProperties" && typeof v === "object")) this.#check(v, `${at}/${k}`);
      if (k === "oneOf" || k === "anyOf" || k === "allOf") {
        (v as unknown[]).forEach((d, i) => this.#check(d, `${at}/${k}/${i}`));
      }
      if (k === "$ref" && !(typeof v === "string" && v.startsWith("#"))) {
        throw new Error(`Cannot validate: only local $ref is supported (${at}: ${v})`);
      }
    }
  }

  #resolve(ref: string): Schema {
    let node: unknown = this.#root;
    for (const raw of ref.replace(/^#\/?/, "").split("/").filter((p) => p !== "")) {
      const part = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      node = (node as Record<string, unknown> | undefined)?.[part];
    }
    if (node === undefined) throw new Error(`Cannot validate: $ref ${ref} resolves to nothing`);
    return node as Schema;
  }

  #regex(p: string): RegExp {
    let re = this.#patterns.get(p);
    if (!re) this.#patterns.set(p, re = new RegExp(p, "u"));
    return re;
  }

  /** Every error of `value` against the schema, as `PATH: message`; empty when valid. */
  validate(value: unknown): string[] {
    const errors: string[] = [];
    this.#validate(this.#root, value, "", errors);
    return errors;
  }

  #validate(s: Schema, v: unknown, path: string, out: string[]): void {
    const where = path || "/";
    if (s === true) return;
    if (s === false) {
      out.push(`${where}: not allowed`);
      return;
    }
    if (typeof s.$ref === "string") this.#validate(this.#resolve(s.$ref), v, path, out);
    const t = typeOf(v);
    if (s.type !== undefined) {
      const want = Array.isArray(s.type) ? s.type as string[] : [s.type as string];
      const ok = want.some((w) => w === t || (w === "number" && t === "integer"));
      if (!ok) {
        out.push(`${where}: must be ${want.join(" or ")} (is ${t})`);
        return;
      }
    }
    if (s.const !== undefined && !sameJson(s.const, v)) out.push(`${where}: must equal ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => sameJson(e, v))) {
      out.push(`${where}: must be one of ${JSON.stringify(s.enum)}`);
    }
    if (typeof v === "number") {
      if (typeof s.minimum === "number" && v < s.minimum) out.push(`${where}: must be >= ${s.minimum}`);
      if (typeof s.maximum === "number" && v > s.maximum) out.push(`${where}: must be <= ${s.maximum}`);
    }
    if (typeof v === "string") {
      const n = [...v].length;
      if (typeof s.minLength === "number" && n < s.minLength) out.push(`${where}: shorter than ${s.minLength}`);
      if (typeof s.maxLength === "number" && n > s.maxLength) out.push(`${where}: longer than ${s.maxLength}`);
      if (typeof s.pattern === "string" && !this.#regex(s.pattern).test(v)) {
        out.push(`${where}: must match ${s.pattern}`);
      }
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === "number" && v.length < s.minItems) out.push(`${where}: fewer than ${s.minItems} items`);
      if (typeof s.maxItems === "number" && v.length > s.maxItems) out.push(`${where}: more than ${s.maxItems} items`);
      if (s.items !== undefined) v.forEach((item, i) => this.#validate(s.items as Schema, item, `${path}/${i}`, out));
    }
    if (t === "object") {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      if (Array.isArray(s.required)) {
        for (const k of s.required as string[]) if (!(k in o)) out.push(`${where}: missing required property ${k}`);
      }
      if (typeof s.minProperties === "number" && Object.keys(o).length < s.minProperties) {
        out.push(`${where}: fewer than ${s.minProperties} properties`);
      }
      for (const [k, val] of Object.entries(o)) {
        if (Object.hasOwn(props, k)) this.#validate(props[k], val, `${path}/${k}`, out);
        else if (s.additionalProperties === false) out.push(`${where}: must NOT have additional properties (${k})`);
        else if (typeof s.additionalProperties === "object") {
          this.#validate(s.additionalProperties as Schema, val, `${path}/${k}`, out);
        }
      }
    }
    if (Array.isArray(s.allOf)) { for (const sub of s.allOf as Schema[]) this.#validate(sub, v, path, out); }
    if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => this.validateAt(sub, v))) {
      out.push(`${where}: matches none of anyOf`);
    }
    if (Array.isArray(s.oneOf)) {
      const n = (s.oneOf as Schema[]).filter((sub) => this.validateAt(sub, v)).length;
      if (n !== 1) out.push(`${where}: must match exactly one of oneOf (matches ${n})`);
    }
  }

  /** Is `v` valid against sub-schema `s` (of this schema)? */
  validateAt(s: Schema, v: unknown): boolean {
    const errs: string[] = [];
    this.#validate(s, v, "", errs);
    return errs.length === 0;
  }
}
