/**
 * SQL injection patterns: the seed's families (tautologies, UNION SELECT, stacked queries, comment
 * injection, time delays, `xp_`/`sp_` procedures, `CHAR()` obfuscation, `@@version` and
 * `information_schema` probes) rewritten to need SQL context, so ordinary words in parameters do not
 * match.
 *
 * The seed's regex fires on any SQL keyword followed by `--`, `#` or `;`, and on a bare `--`
 * anywhere; here every rule needs structure that only SQL produces:
 * - a quote that breaks out of a string literal (an odd quote count up to it, not counting
 *   apostrophes inside words like `O'Brien`) followed by an operator, comment or statement;
 * - or a value that starts with a number followed by `AND`/`OR` and a comparison (`1 AND 1=1`);
 * - or keyword pairs in SQL order with SQL operands (`UNION SELECT null,…`, `; DROP TABLE`,
 *   `AND (SELECT 1 FROM …`, `AND 1234=1234`);
 * - or functions that only appear in SQL (`SLEEP(5)` after an operator, `PG_SLEEP(`,
 *   `BENCHMARK(n,`, `WAITFOR DELAY '`, `EXTRACTVALUE(`, `EXEC xp_cmdshell`).
 *
 * Rules are severity 1 (strong) except a few weak severity-2 ones: a bare `@@version` or catalog
 * name, a parenthesized `(SELECT … FROM …)`, and sqlmap's quote/parenthesis syntax probe (`1)(("'.,(`).
 *
 * Input is a decoded value (see `url_decode.ts`). Matching runs on a normalized copy: inline
 * comments (`/**\/`, MySQL versioned `/*!50000 … *\/`) and line comments before a newline become
 * spaces, a number glued to a keyword is split (`1e0UNION` → `1e0 UNION`) and whitespace runs
 * collapse to one space, which defeats `UNION/**\/SELECT` and `%0a` tricks; a value with inline
 * comments is also matched with the comments deleted (`UN/**\/ION SEL/**\/ECT`). Literals are
 * recognised in every encoding of the same idea: decimal, scientific (`1e0`, `1.e1`), hex (`0x31`),
 * binary (`0b1`), hex/bit strings (`x'31'`) and `CHAR(49)` calls.
 *
 * @module
 */

/** Pattern families, used as EVE tags. */
export type SqlFamily =
  | "union"
  | "stacked"
  | "time_based"
  | "procedure"
  | "error_based"
  | "tautology"
  | "comment"
  | "obfuscation"
  | "fingerprint"
  | "probe"
  | "subquery";

/** One pattern hit. */
export interface SqlMatch {
  /** Pattern family. */
  family: SqlFamily;
  /** 1 strong evidence, 2 weak evidence. */
  severity: 1 | 2;
  /** What was found, for people: `UNION SELECT`, `OR 1=1 tautology`, … */
  label: string;
  /** The normalized text the indices refer to. */
  text: string;
  /** Start of the match in `text`. */
  index: number;
  /** End of the match in `text`. */
  end: number;
}

/** Options of {@link matchSql}. */
export interface MatchOptions {
  /** Apply only strong (severity 1) rules: used for parameters on the benign list. */
  strongOnly?: boolean;
}

interface Rule {
  family: SqlFamily;
  severity: 1 | 2;
  label: string;
  re: RegExp;
  /** The match starts with a quote that must close a string literal (odd count up to it). */
  breakout?: boolean;
  /** Run on the lightly normalized text (comments kept). */
  light?: boolean;
  /** Extra test of the matched text. */
  check?: (match: string) => boolean;
  /** Substrings (lower case): the rule runs only when each group has one in the text. */
  need: readonly (readonly string[])[];
}

// Building blocks (the text is normalized: one space between tokens, so " ?" is "optional space").
const OP = String.raw`(?:\bor\b|\band\b|\bxor\b|\bhaving\b|\|\||&&)`;
/** Substrings one of which an {@link OP} match contains. */
const OP_WORDS = ["or", "and", "xor", "having", "||", "&&"];
/** Numeric literals in every SQL spelling: decimal, scientific (`1e0`, `1.e1`, `.5`), hex (`0x31`), binary (`0b1`). */
const NUM = String.raw`-?(?:0x[0-9a-f]+\b|0b[01]+\b|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)`;
/** String literals, also hex and bit strings (`x'31'`, `b'1'`) and charset introducers (`_utf8'a'`). */
const QSTR = String.raw`(?:(?:\b[xbn]|_[a-z0-9]+)?'[^']{0,64}'?|"[^"]{0,64}"?)`;
const IDENT = String.raw`[a-z_@][\w.$@]{0,64}`;
const LIT = `(?:${NUM}|${QSTR}|${IDENT})`;
const CMP = String.raw`(?:<=>|<>|!=|>=|<=|=|<|>|\blike\b|\bis\b|\bregexp\b|\brlike\b|\bin\b|\bbetween\b)`;
const COMPARISON = String.raw`${OP} ?(?:not ?)?\(* ?${LIT} ?\)* ?${CMP} ?\(* ?${LIT}`;
/** Characters and words after which a function call is SQL. */
const FN_CONTEXT = String
  .raw`(?:^|\b(?:and|or|xor|not|select|if|then|else|when|where|having|union|like|rlike|regexp)\b|[(,;'"=|&+*\-])`;
/** What may precede a stacked statement's `;`. */
const STACK_CONTEXT = String.raw`(?:^|[\d'"\x60)\]]|\bnull)`;
/** Statements whose shape is unmistakable after `;`. */
const STATEMENT = [
  String.raw`select\b ?(?:\*|null\b|\d|@@|\(|'|[\w.$]+ ?(?:\(|,|\bfrom\b))`,
  String.raw`drop (?:table|database|schema|view|procedure|function|index|user|trigger|column)\b`,
  String.raw`delete from\b`,
  String.raw`insert into\b`,
  String.raw`update [\w.\x60"\[\]]+ set\b`,
  String.raw`truncate (?:table )?[\w\x60"]`,
  String.raw`(?:alter|create) (?:table|database|schema|user|login|procedure|proc|function|view|trigger|index)\b`,
  String.raw`exec(?:ute)? ?(?:\(|@|master\b|xp_|sp_|immediate\b)`,
  String.raw`declare @`,
  String.raw`set @`,
  String.raw`shutdown\b`,
  String.raw`waitfor (?:delay|time)\b`,
  String.raw`call \w+ ?\(`,
  String.raw`if ?\( ?-?\d+ ?[=<>]`,
  String.raw`(?:xp|sp)_\w+`,
].join("|");

function rx(source: string): RegExp {
  return new RegExp(source, "gi");
}

/** The rules in priority order (the first strong hit wins). */
const RULES: readonly Rule[] = [
  // ---- UNION ----
  {
    family: "union",
    severity: 1,
    label: "UNION SELECT",
    need: [["union"]],
    re: rx(
      String
        .raw`\bunion(?: all| distinct)? ?\(* ?select\b(?= ?(?:\*|null\b|\d|@@|'|"|0x|\(|[\w.$]+ ?(?:,|\(|\bfrom\b|--|#)))`,
    ),
  },
  {
    family: "union",
    severity: 1,
    label: "UNION SELECT",
    need: [["union"]],
    re: rx(String.raw`(?:\d|['"\x60)]) ?\bunion(?: all| distinct)? ?\(* ?select\b`),
  },
  {
    family: "union",
    severity: 1,
    label: "ORDER BY column probe",
    need: [["order by"]],
    re: rx(String.raw`(?:^ ?-?\d+|['"\x60)]) ?\)* ?\border by \d+ ?(?:--|#|$)`),
  },
  {
    family: "union",
    severity: 1,
    label: "ORDER BY column probe",
    need: [["order by"]],
    re: rx(String.raw`\border by \d+ ?(?:--|#)[ \w-]{0,12}$`),
  },
  // ---- stacked queries ----
  {
    family: "stacked",
    severity: 1,
    label: "stacked query",
    need: [[";"]],
    re: rx(String.raw`${STACK_CONTEXT} ?\)* ?; ?(?:${STATEMENT})`),
  },
  // ---- time delays ----
  {
    family: "time_based",
    severity: 1,
    label: "SLEEP() delay",
    need: [["sleep"]],
    re: rx(String.raw`${FN_CONTEXT} ?\(* ?sleep ?\( ?\d+(?:\.\d+)? ?\)`),
  },
  {
    family: "time_based",
    severity: 1,
    label: "PG_SLEEP() delay",
    need: [["pg_sleep"]],
    re: rx(String.raw`\bpg_sleep ?\( ?\d`),
  },
  {
    family: "time_based",
    severity: 1,
    label: "BENCHMARK() delay",
    need: [["benchmark"]],
    re: rx(String.raw`\bbenchmark ?\( ?\d+ ?,`),
  },
  {
    family: "time_based",
    severity: 1,
    label: "WAITFOR DELAY",
    need: [["waitfor"]],
    re: rx(String.raw`\bwaitfor (?:delay|time) ?['"]`),
  },
  {
    family: "time_based",
    severity: 1,
    label: "DBMS_PIPE/DBMS_LOCK delay",
    need: [["dbms_"]],
    re: rx(String.raw`\bdbms_(?:pipe\.receive_message|lock\.sleep|session\.sleep) ?\(`),
  },
  {
    family: "time_based",
    severity: 1,
    label: "RANDOMBLOB() delay",
    need: [["randomblob"]],
    re: rx(String.raw`\brandomblob ?\( ?\d{6,}`),
  },
  // ---- stored procedures ----
  {
    family: "procedure",
    severity: 1,
    label: "EXEC of xp_/sp_ procedure",
    need: [["exec"], ["xp_", "sp_"]],
    re: rx(String.raw`\bexec(?:ute)? ?\(? ?(?:master ?\. ?(?:dbo)? ?\. ?)?(?:xp|sp)_\w+`),
  },
  {
    family: "procedure",
    severity: 1,
    label: "xp_/sp_ procedure call",
    need: [["xp_", "sp_"]],
    re: rx(
      String
        .raw`[;'"] ?(?:xp_cmdshell|xp_dirtree|xp_regread|xp_fileexist|sp_oacreate|sp_executesql|sp_configure|sp_makewebtask)\b`,
    ),
  },
  // ---- error-based ----
  {
    family: "error_based",
    severity: 1,
    label: "error-based function",
    need: [[
      "extractvalue",
      "updatexml",
      "xmltype",
      "gtid_",
      "json_keys",
      "name_const",
      "utl_inaddr",
      "ctxsys",
      "dbms_",
    ]],
    re: rx(
      String
        .raw`${FN_CONTEXT} ?\(* ?(?:extractvalue|updatexml|xmltype|gtid_subset|gtid_subtract|json_keys|name_const|utl_inaddr\.get_host_\w+|ctxsys\.drithsx\.sn|dbms_utility\.sqlid_to_sqlhash|dbms_xdb_version\.\w+) ?\(`,
    ),
  },
  {
    family: "error_based",
    severity: 1,
    label: "FLOOR(RAND()) error",
    need: [["rand"]],
    re: rx(String.raw`\bfloor ?\( ?rand ?\(`),
  },
  { family: "error_based", severity: 1, label: "EXP(~) overflow", need: [["~"]], re: rx(String.raw`\bexp ?\( ?~`) },
  {
    family: "error_based",
    severity: 1,
    label: "subquery after AND/OR",
    need: [["select"]],
    re: rx(
      String
        .raw`\b(?:and|or|xor|rlike|regexp)\b ?\( ?select ?(?:\d|\*|null\b|count\b|concat|char|sleep|if\b|case\b|\(|@@|[\w.$]+ ?,)`,
    ),
  },
  {
    family: "error_based",
    severity: 1,
    label: "subquery comparison after AND/OR",
    need: [["select"]],
    re: rx(String.raw`\b(?:and|or|xor) ?\( ?select\b[^;]{1,200}?\)+ ?(?:is (?:not )?null\b|[=<>!]|like\b|in\b)`),
  },
  {
    family: "error_based",
    severity: 1,
    label: "comparison with subquery or function",
    need: [["("]],
    re: rx(String.raw`\b(?:and|or|xor) -?\d+ ?(?:=|<|>|\bin\b) ?\(* ?(?:select\b|'[^']{0,32}' ?\|\||[\w.$]{2,64} ?\()`),
  },
  {
    family: "error_based",
    severity: 1,
    label: "CONVERT(INT, …) error",
    need: [["convert"]],
    re: rx(String.raw`${FN_CONTEXT} ?\(* ?convert ?\( ?int ?,`),
  },
  // ---- tautologies ----
  {
    family: "tautology",
    severity: 1,
    label: "OR/AND tautology after quote",
    need: [["'", '"', "`"], OP_WORDS],
    re: rx(String.raw`['"\x60] ?\)* ?${COMPARISON}`),
    breakout: true,
  },
  {
    family: "tautology",
    severity: 1,
    label: "OR/AND condition after quote",
    need: [["'", '"', "`"], OP_WORDS],
    re: rx(
      String.raw`['"\x60] ?\)* ?${OP} ?(?:not ?)?(?:\d+|true|false|null|'[^']{0,64}'|"[^"]{0,64}") ?\)* ?(?:--|#|;)`,
    ),
    breakout: true,
  },
  {
    family: "tautology",
    severity: 1,
    label: "AND/OR condition after number",
    need: [OP_WORDS],
    re: rx(String.raw`^ ?${NUM} ?\)* ?${COMPARISON}`),
  },
  {
    family: "tautology",
    severity: 1,
    label: "AND/OR function test after number",
    need: [OP_WORDS],
    re: rx(
      String
        .raw`^ ?${NUM} ?\)* ?${OP} ?(?:not ?)?\(* ?[a-z_][\w.$]{1,64} ?\([^()]{0,64}(?:\([^()]{0,64}\))?[^()]{0,64}\) ?\)* ?(?:\bis\b|[=<>!]|\blike\b|\bin\b|\bbetween\b)`,
    ),
  },
  {
    family: "tautology",
    severity: 1,
    label: "AND/OR numeric tautology",
    need: [OP_WORDS],
    re: rx(String.raw`${OP} ?(?:not ?)?\(? ?-?\d+ ?(?:<=>|<>|!=|>=|<=|=|<|>) ?\(? ?-?\d+\b`),
  },
  {
    family: "tautology",
    severity: 1,
    label: "conditional function after AND/OR",
    need: [OP_WORDS],
    re: rx(String.raw`\b(?:and|or|xor) ?(?:elt|make_set|if|iif|case when) ?\(? ?-?\d+ ?[=<>]`),
  },
  {
    family: "tautology",
    severity: 1,
    label: "CASE/IIF on a constant condition",
    need: [["case", "iif"]],
    re: rx(
      String
        .raw`\bcase (?:when \(? ?-?\d+ ?(?:=|<>|!=|<|>) ?-?\d+ ?\)? ?then|-?\d+ when -?\d+ then)\b|\biif ?\( ?-?\d+ ?(?:=|<>|!=|<|>) ?-?\d+ ?,`,
    ),
  },
  // ---- comment after a quote (admin'--) ----
  {
    family: "comment",
    severity: 1,
    label: "quote closed by comment",
    need: [["'", '"', "`"]],
    re: rx(String.raw`['"\x60] ?\)* ?(?:--|#(?= |$)|\/\*|; ?(?:--|#|$))`),
    breakout: true,
    light: true,
  },
  // ---- obfuscation ----
  {
    family: "obfuscation",
    severity: 1,
    label: "CHAR()/CONCAT() after SQL keyword",
    need: [["char", "chr", "concat", "hex", "ascii", "substr", "mid", "ord"]],
    re: rx(
      String
        .raw`\b(?:select|union|and|or|xor|where|having|values|like|then|when|else)\b ?\(* ?(?:n?char|chr|concat(?:_ws)?|group_concat|unhex|ascii|substring|substr|mid|ord|hex) ?\(`,
    ),
  },
  {
    family: "obfuscation",
    severity: 1,
    label: "CHAR() concatenation",
    need: [["char", "chr"]],
    re: rx(String.raw`\b(?:n?char|chr) ?\( ?\d+ ?\) ?(?:\+|\|\||,) ?(?:n?char|chr) ?\(`),
  },
  // ---- fingerprinting ----
  {
    family: "fingerprint",
    severity: 1,
    label: "@@version probe",
    need: [["@@"]],
    re: rx(
      String
        .raw`(?:\b(?:select|union|and|or|xor|concat|version)\b|[(,=]) ?\(* ?@@(?:version|datadir|hostname|servername|basedir|tmpdir|spid|language)\b`,
    ),
  },
  {
    family: "fingerprint",
    severity: 1,
    label: "system catalog read",
    need: [["from"]],
    re: rx(
      String
        .raw`\bfrom (?:information_schema|sysobjects|syscolumns|sys\.(?:tables|columns|objects|databases)|mysql\.user|pg_catalog|pg_tables|pg_shadow|pg_user|sqlite_master|all_tables|user_tables|dba_users|master\.\.sysdatabases)\b`,
    ),
  },
  {
    family: "fingerprint",
    severity: 1,
    label: "SELECT of version/user function",
    need: [["select"]],
    re: rx(
      String
        .raw`\bselect ?\(? ?(?:version|database|user|current_user|system_user|schema|session_user|db_name|host_name|suser_name) ?\( ?\)`,
    ),
  },
  {
    family: "fingerprint",
    severity: 2,
    label: "@@version",
    need: [["@@"]],
    re: rx(String.raw`@@(?:version|datadir|hostname|servername)\b`),
  },
  {
    family: "fingerprint",
    severity: 2,
    label: "system catalog name",
    need: [["information_schema", "sqlite_master", "pg_shadow", "sysobjects"]],
    re: rx(
      String
        .raw`\b(?:information_schema ?\. ?(?:tables|columns|schemata|routines)|sqlite_master|pg_shadow|sysobjects)\b`,
    ),
  },
  // ---- weak: syntax-breaking probe (sqlmap's heuristic check sends `1)(("'.,(`) ----
  {
    family: "probe",
    severity: 2,
    label: "quote/parenthesis syntax probe",
    need: [["'", '"', "`"], ["(", ")"]],
    re: rx(String.raw`[()'",.]{5,}`),
    check: (m) => /['"]/.test(m) && /[()]/.test(m) && /[,.]/.test(m),
  },
  // ---- weak: a parenthesized subquery ----
  {
    family: "subquery",
    severity: 2,
    label: "(SELECT … FROM …) subquery",
    need: [["select"]],
    re: rx(
      String.raw`\( ?select [^()]{1,120}? from [\w.\x60"\[\]]+(?: (?:where|limit|order|group)\b[^()]{0,120})? ?\)`,
    ),
  },
];

/** Human text per family, for alert reasons. */
export const SQL_FAMILY_TEXT: Readonly<Record<SqlFamily, string>> = {
  union: "UNION SELECT",
  stacked: "Stacked query",
  time_based: "Time delay",
  procedure: "Stored procedure call",
  error_based: "Error-based probe",
  tautology: "Boolean tautology",
  comment: "Quote closed by comment",
  obfuscation: "Obfuscated SQL function",
  fingerprint: "Database fingerprinting",
  probe: "SQL syntax probe",
  subquery: "Subquery",
};

/** Characters and words without which no rule can match: most values stop here. */
const GATE =
  /['"`;(@#|&]|--|\/\*|(?:\b|\d)(?:union|order|or|and|xor|having|case|exec|execute|waitfor|from|information_schema|sqlite_master|pg_shadow|sysobjects)\b/i;

/** @internal The gate alone (for tests of {@link cannotMatchSql}). */
export function passesSqlGate(value: string): boolean {
  return GATE.test(value);
}

/** The words of {@link GATE} (lower case): one of them must end a run of word characters for the gate to pass. */
const GATE_WORDS = [
  "union",
  "order",
  "or",
  "and",
  "xor",
  "having",
  "case",
  "exec",
  "execute",
  "waitfor",
  "from",
  "information_schema",
  "sqlite_master",
  "pg_shadow",
  "sysobjects",
];

/** True for the character codes of `\w` (ASCII letters, digits, `_`: the regex `\b` looks at these only). */
function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** True when the word characters `text[start..end)` end with one of {@link GATE_WORDS} (any ASCII case). */
function endsWithGateWord(text: string, start: number, end: number): boolean {
  for (let w = 0; w < GATE_WORDS.length; w++) {
    const word = GATE_WORDS[w], n = word.length;
    if (end - start < n) continue;
    let k = 0;
    for (; k < n; k++) {
      const c = text.charCodeAt(end - n + k);
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(k)) break;
    }
    if (k === n) return true;
  }
  return false;
}

/**
 * A cheap test, made on the raw value before any decoding: true when `decodeDeep(raw, form)` would return `raw`
 * itself (no `%`, no `&`, no `+` in a form value) and {@link GATE} cannot pass on it, so {@link matchSql} of the
 * decoded value is certainly null. One pass over the characters, no string built. {@link GATE} passes only on one
 * of its characters (`'"\`;(@#|&`), on `--` or `/*`, or on one of its words followed by a word boundary, that is
 * at the end of a run of word characters; every run is checked for such an ending (a superset of the gate's
 * matches: `color` ends in `or`). False means "inspect as usual", not "SQL".
 */
export function cannotMatchSql(raw: string, form: boolean): boolean {
  const n = raw.length;
  let run = -1;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (isWordCode(c)) {
      if (run < 0) run = i;
      continue;
    }
    if (run >= 0) {
      if (endsWithGateWord(raw, run, i)) return false;
      run = -1;
    }
    switch (c) {
      case 39: // '
      case 34: // "
      case 96: // `
      case 59: // ;
      case 40: // (
      case 64: // @
      case 35: // #
      case 124: // |
      case 38: // & (also an HTML character reference: decoding could change the value)
      case 37: // % (percent-decoding could change the value)
        return false;
      case 43: // + (a space in a form value)
        if (form) return false;
        break;
      case 45: // --
        if (i + 1 < n && raw.charCodeAt(i + 1) === 45) return false;
        break;
      case 47: // /*
        if (i + 1 < n && raw.charCodeAt(i + 1) === 42) return false;
        break;
    }
  }
  return !(run >= 0 && endsWithGateWord(raw, run, n));
}

/**
 * The normalized copy of a value that rules match: NULs removed, inline and versioned comments and
 * line comments followed by a newline replaced by a space, whitespace runs collapsed to one space.
 */
export function normalizeSql(value: string): string {
  let s = value.indexOf("\0") >= 0 ? value.replace(/\0/g, "") : value;
  if (s.indexOf("/*") >= 0) {
    s = s.replace(/\/\*!\d{0,6}/g, " ").replace(/\/\*[\s\S]*?(?:\*\/|$)/g, " ").replace(/\*\//g, " ");
  }
  if (s.indexOf("\n") >= 0) s = s.replace(/(?:--|#)[^\n]*\n/g, " ");
  // a number glued to a keyword is two tokens to MySQL (`1e0UNION`, `1.e1OR`, `0x1AND`): split them
  if (NUM_GLUED_TEST.test(s)) s = s.replace(NUM_GLUED, "$1 ");
  return s.replace(/\s+/g, " ");
}

const GLUED_WORDS = "union|select|or|and|xor|having|from|order|limit|like|div";
const NUM_GLUED_TEST = new RegExp(String.raw`\d(?:${GLUED_WORDS})\b`, "i");
const NUM_GLUED = new RegExp(
  String.raw`(\b(?:0x[0-9a-f]+?|0b[01]+|\d+\.?\d*e[+-]?\d+|\d+\.\d*|\d+))(?=(?:${GLUED_WORDS})\b)`,
  "gi",
);

/**
 * The copy where inline comments are deleted rather than spaced (`UN/**\/ION SEL/**\/ECT`): what a
 * filter that strips comments passes on. Null when the value has no inline comment.
 */
function normalizeJoined(value: string): string | null {
  if (value.indexOf("/*") < 0) return null;
  const s = (value.indexOf("\0") >= 0 ? value.replace(/\0/g, "") : value)
    .replace(/\/\*!\d{0,6}/g, "").replace(/\/\*[\s\S]*?(?:\*\/|$)/g, "").replace(/\*\//g, "");
  return normalizeSql(s);
}

/** Whitespace-collapsed copy (comments kept) for the comment rule. */
function normalizeLight(value: string): string {
  const s = value.indexOf("\0") >= 0 ? value.replace(/\0/g, "") : value;
  return s.replace(/\s+/g, " ");
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0x24f);
}

/**
 * True when the quote at `at` closes a string an attacker opened: it is the odd-numbered quote of
 * its kind, not counting earlier apostrophes inside words (`O'Brien`, `it's`).
 */
export function isBreakoutQuote(text: string, at: number): boolean {
  const q = text.charCodeAt(at);
  let count = 1;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) !== q) continue;
    if (
      q === 39 && i > 0 && i + 1 < text.length && isLetter(text.charCodeAt(i - 1)) && isLetter(text.charCodeAt(i + 1))
    ) {
      continue;
    }
    count++;
  }
  return (count & 1) === 1;
}

function hasNeeds(lower: string, need: readonly (readonly string[])[]): boolean {
  // indexed loops: an iterator and its results per step are young garbage until the code is optimized
  for (let g = 0; g < need.length; g++) {
    const group = need[g];
    let found = false;
    for (let w = 0; w < group.length; w++) {
      if (lower.indexOf(group[w]) >= 0) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function runRule(rule: Rule, text: string): RegExpExecArray | null {
  const re = rule.re;
  re.lastIndex = 0;
  for (let tries = 0; tries < 64; tries++) {
    const m = re.exec(text);
    if (m === null) return null;
    if ((!rule.breakout || isBreakoutQuote(text, m.index)) && (rule.check === undefined || rule.check(m[0]))) return m;
    re.lastIndex = m.index + 1;
  }
  return null;
}

/**
 * Finds SQL injection in one decoded value: the first strong (severity 1) rule hit in priority
 * order, else the first weak one, else null.
 *
 * @example
 * ```ts
 * matchSql("1' OR 1=1--")?.family; // "tautology"
 * matchSql("select a plan"); // null
 * ```
 */
export function matchSql(value: string, options: MatchOptions = {}): SqlMatch | null {
  if (value.length === 0 || !GATE.test(value)) return null;
  const hit = matchNormalized(value, normalizeSql(value), options);
  if (hit !== null && hit.severity === 1) return hit;
  const joined = normalizeJoined(value);
  if (joined === null) return hit;
  const alt = matchNormalized(value, joined, options);
  return alt !== null && (hit === null || alt.severity < hit.severity) ? alt : hit;
}

function matchNormalized(value: string, full: string, options: MatchOptions): SqlMatch | null {
  let light: string | undefined;
  let weak: SqlMatch | null = null;
  const lower = full.toLowerCase();
  for (let r = 0; r < RULES.length; r++) {
    const rule = RULES[r];
    if (rule.severity === 2 && (options.strongOnly || weak !== null)) continue;
    if (!hasNeeds(lower, rule.need)) continue;
    let text = full;
    if (rule.light) text = light ??= normalizeLight(value);
    const m = runRule(rule, text);
    if (m === null) continue;
    const hit: SqlMatch = {
      family: rule.family,
      severity: rule.severity,
      label: rule.label,
      text,
      index: m.index,
      end: m.index + m[0].length,
    };
    if (rule.severity === 1) return hit;
    weak = hit;
  }
  return weak;
}
