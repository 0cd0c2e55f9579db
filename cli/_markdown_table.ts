/**
 * Pads the cells of Markdown tables so their columns line up in a terminal (still valid Markdown).
 *
 * @module
 */

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

/** Width of a cell as shown (code points; the table's arrows and check marks are one column wide). */
function width(s: string): number {
  return [...s].length;
}

/** Aligns every run of `|`-table lines in `text`; other lines are kept as they are. */
export function alignMarkdownTables(text: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    if (!lines[i].trimStart().startsWith("|")) {
      out.push(lines[i++]);
      continue;
    }
    const block: string[][] = [];
    while (i < lines.length && lines[i].trimStart().startsWith("|")) block.push(cells(lines[i++]));
    const cols = Math.max(...block.map((r) => r.length));
    const isRule = (r: string[]) => r.every((c) => /^:?-+:?$/.test(c));
    const w = Array.from(
      { length: cols },
      (_, c) => Math.max(3, ...block.filter((r) => !isRule(r)).map((r) => width(r[c] ?? ""))),
    );
    for (const r of block) {
      if (isRule(r)) {
        out.push(`| ${
          w.map((n, c) => {
            const rule = r[c] ?? "---";
            const right = rule.endsWith(":"), left = rule.startsWith(":");
            return `${left ? ":" : "-"}${"-".repeat(n - 2)}${right ? ":" : "-"}`;
          }).join(" | ")
        } |`);
      } else {
        const rightCols = block.find(isRule)?.map((x) => x.endsWith(":") && !x.startsWith(":")) ?? [];
        out.push(`| ${
          w.map((n, c) => {
            const v = r[c] ?? "";
            const pad = " ".repeat(n - width(v));
            return rightCols[c] ? pad + v : v + pad;
          }).join(" | ")
        } |`);
      }
    }
  }
  return out.join("\n");
}
