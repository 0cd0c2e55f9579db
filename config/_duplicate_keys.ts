/**
 * Duplicate keys in a JSON text: `JSON.parse` silently keeps the last, so a configuration with two `syn_flood`
 * sections would ignore the first without a word. Runs on text that already parsed.
 *
 * @module
 */

interface Level {
  obj: boolean;
  keys: Set<string>;
  path: string;
  expectKey: boolean;
  lastKey: string;
}

/** Every repeated key as `duplicate key "a.b" (line N)`; empty when none. `text` must be valid JSON. */
export function findDuplicateKeys(text: string): string[] {
  const problems: string[] = [];
  const stack: Level[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (top?.obj && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const path = top.path === "" ? key : `${top.path}.${key}`;
        if (top.keys.has(key)) {
          problems.push(`duplicate key "${path}" (line ${line}): the JSON parser would keep only the last`);
        }
        top.keys.add(key);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === "{" || c === "[") {
      const top = stack.at(-1);
      const path = top === undefined
        ? ""
        : top.obj
        ? (top.path === "" ? top.lastKey : `${top.path}.${top.lastKey}`)
        : `${top.path}[]`;
      stack.push({ obj: c === "{", keys: new Set(), path, expectKey: c === "{", lastKey: "" });
    } else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack.at(-1);
      if (top?.obj) top.expectKey = true;
    }
  }
  return problems;
}
