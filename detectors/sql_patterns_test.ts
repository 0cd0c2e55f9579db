import assert from "node:assert/strict";
import {
  cannotMatchSql,
  isBreakoutQuote,
  matchSql,
  normalizeSql,
  passesSqlGate,
  type SqlFamily,
} from "./sql_patterns.ts";
import { mulberry32 } from "../core/prng.ts";
import { decodeDeep } from "./url_decode.ts";

/** Malicious values (as they appear in a query string) and the family expected first. */
const MALICIOUS: [string, SqlFamily][] = [
  // from the brief
  ["1'+OR+1=1--", "tautology"],
  ["1 UNION SELECT username,password FROM users", "union"],
  ["1;DROP TABLE users", "stacked"],
  ["1' AND SLEEP(5)--", "time_based"],
  ["1%2527%2520OR%25201%253D1--", "tautology"],
  ["admin'--", "comment"],
  ["1 AND 1=1", "tautology"],
  ["1' AND '1'='1", "tautology"],
  ["-1 UNION ALL SELECT NULL,NULL--", "union"],
  ["exec xp_cmdshell 'dir'", "procedure"],
  // classic
  ["' or ''='", "tautology"],
  ['" or "a"="a', "tautology"],
  ["or 1=1--", "tautology"],
  ["admin' #", "comment"],
  ["admin')--", "comment"],
  ["x' or 'x'='x", "tautology"],
  ["') or ('1'='1", "tautology"],
  ["admin'or'1'='1", "tautology"],
  ["1'||'1'='1", "tautology"],
  ["Robert'); DROP TABLE Students;--", "stacked"],
  ["1 UNION/**/SELECT 1,2,3", "union"],
  ["1/*!50000UNION*/ /*!50000SELECT*/ 1,2", "union"],
  ["1%0aUNION%0aSELECT%0a1,2", "union"],
  ["-1' union select 1,group_concat(table_name) from information_schema.tables--", "union"],
  ["1 union select @@version", "union"],
  ["1;EXEC master..xp_cmdshell 'ping x'", "stacked"],
  ["1 and benchmark(5000000,md5(1))", "time_based"],
  ["1 AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64", "obfuscation"],
  ["1' AND 1=CONVERT(INT,@@version)--", "error_based"],
  ["1 AND 1=CHAR(49)+CHAR(49)", "error_based"],
  ["x' and extractvalue(1,concat(0x7e,version()))--", "error_based"],
  ["1&#39; or &#39;a&#39;=&#39;a", "tautology"],
  // sqlmap --level 1 (boolean, error, time, UNION, stacked)
  ["1 AND 1234=1234", "tautology"],
  ["1 AND 1234=5678", "tautology"],
  ["1' AND 1234=1234 AND 'abcd'='abcd", "tautology"],
  ["1) AND 1234=1234 AND (5678=5678", "tautology"],
  ["1%' AND 5432=5432 AND '%'='", "tautology"],
  ["1 OR NOT 1234=1234", "tautology"],
  ["1 AND EXTRACTVALUE(5432,CONCAT(0x5c,0x7176787a71,(SELECT (ELT(5432=5432,1))),0x716b706271))", "error_based"],
  [
    "1 AND (SELECT 5432 FROM(SELECT COUNT(*),CONCAT(0x71,(SELECT (ELT(5432=5432,1))),0x71,FLOOR(RAND(0)*2))x " +
    "FROM INFORMATION_SCHEMA.PLUGINS GROUP BY x)a)",
    "error_based",
  ],
  [
    "1 AND (SELECT 2*(IF((SELECT * FROM (SELECT CONCAT(0x71,(SELECT (ELT(5432=5432,1))),0x71,0x78))s), " +
    "8446744073709551610, 8446744073709551610)))",
    "error_based",
  ],
  ["1 AND 5432=CAST((CHR(113)||CHR(118))::text AS NUMERIC)", "error_based"],
  ["1 AND 5432 IN (SELECT (CHAR(113)+CHAR(118)))", "error_based"],
  ["1 AND 5432=(SELECT UPPER(XMLType(CHR(60)||CHR(58))) FROM DUAL)", "error_based"],
  ["1 AND SLEEP(5)", "time_based"],
  ["1 AND (SELECT 5432 FROM (SELECT(SLEEP(5)))abcd)", "time_based"],
  ["1' AND ELT(5432=5432,SLEEP(5)) AND 'a'='a", "time_based"],
  ["1 WAITFOR DELAY '0:0:5'", "time_based"],
  ["1 AND 5432=DBMS_PIPE.RECEIVE_MESSAGE(CHR(65),5)", "time_based"],
  ["1 AND 5432=LIKE(CHAR(65,66),UPPER(HEX(RANDOMBLOB(500000000/2))))", "time_based"],
  ["1 UNION ALL SELECT NULL,NULL,NULL-- -", "union"],
  ["-2093 UNION ALL SELECT CONCAT(0x71,0x4a,0x71),NULL-- -", "union"],
  ["1 ORDER BY 1-- abcd", "union"],
  ["1;SELECT SLEEP(5)#", "stacked"],
  ["1;SELECT PG_SLEEP(5)--", "stacked"],
  ["1;WAITFOR DELAY '0:0:5'--", "stacked"],
  ["1;SELECT DBMS_PIPE.RECEIVE_MESSAGE(CHR(65),5) FROM DUAL--", "stacked"],
  // sqlmap fingerprinting and --level 2-3 (headers carry the payload after the original value)
  ["1 AND (SELECT CVAR(NULL) FROM MSysAccessObjects) IS NULL", "error_based"],
  ["1 AND QUARTER(NULL) IS NULL", "tautology"],
  ["1 AND SQLITE_VERSION()=SQLITE_VERSION()", "tautology"],
  ["1 RLIKE SLEEP(5)", "time_based"],
  ["1 HAVING 1234=1234-- abcd", "tautology"],
  ["1' HAVING 1234=1234 AND 'abcd'='abcd", "tautology"],
  ["1;IF(1234=1234) SELECT 1234 ELSE DROP FUNCTION abcd--", "stacked"],
  ["(SELECT (CASE WHEN (1234=1234) THEN 1234 ELSE 1/(SELECT 0) END))", "tautology"],
  ["IIF(1234=1234,1234,1/0)", "tautology"],
  ["Mozilla/5.0 (X11; Linux x86_64) Firefox/4.0.1' ORDER BY 1#", "union"],
  ["http://127.0.0.1:8000/safe ORDER BY 1234-- abcd", "union"],
  [
    "Mozilla/5.0 (X11) Firefox/4.0.1' RLIKE (SELECT (CASE WHEN (1234=1234) THEN 0x41 ELSE 0x28 END))-- abcd",
    "error_based",
  ],
  ["Mozilla/5.0 (X11) Firefox/4.0.1 AND 1234=(CODE(113)||CODE(118))", "error_based"],
];

/** Benign values that contain SQL words, quotes, dashes or operators. */
const BENIGN: string[] = [
  // from the brief
  "select+a+plan",
  "drop+the+beat",
  "desc",
  "O'Brien",
  "it's+a+union+of+friends",
  "I+select+the+best+--+really",
  "update",
  // words and punctuation
  "10",
  "Rock+'n'+roll",
  "Tom+%26+Jerry",
  "1%2B1%3D2",
  "union+station",
  "from+here+to+there",
  "O'Reilly's+book",
  "a;b;c",
  "%23fff",
  "a%40b.com",
  "price%3E%3D10",
  '"quoted"+text',
  "sleep+well",
  "sleep+tight+(8+hours)",
  "waitfor+me",
  "drop+table+tennis",
  "I'm+100%25+sure+--+or+not",
  "she+said+'or'+and+left",
  "what's+1=1+in+math",
  "the+'best'+--+ever",
  "delete+my+account",
  "insert+coin",
  "Select+your+size;+drop+us+a+line",
  'He+said+"hi"+and+x=y',
  "SELECT",
  "union+select+meaning",
  "and+or+not",
  "1,2,3",
  "2024-01-01",
  "--",
  "we+exec+the+plan",
  "(select+one)",
  "version+1.2+(beta)",
  "it's+5+o'clock+--+late",
  "Don't+stop;+believing",
  "SELECT+*+FROM+menu",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
  "https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc%26d%3De",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_ghi",
  "Q%3A+is+1%3D1%3F",
  "color:red; font-size:12px",
  "a -- b -- c",
  "#hashtag #another",
  "user@example.com; other@example.com",
];

Deno.test("matchSql finds every malicious value with the expected family", () => {
  assert.ok(MALICIOUS.length >= 25);
  for (const [raw, family] of MALICIOUS) {
    const m = matchSql(decodeDeep(raw, true).value);
    assert.ok(m !== null, `missed: ${raw}`);
    assert.equal(m.family, family, `family of ${raw} (${m.label})`);
    assert.equal(m.severity, 1, `severity of ${raw}`);
    assert.ok(m.end > m.index);
  }
});

Deno.test("matchSql ignores benign values with SQL words and punctuation", () => {
  assert.ok(BENIGN.length >= 25);
  for (const raw of BENIGN) {
    const m = matchSql(decodeDeep(raw, true).value);
    assert.equal(m, null, `false positive on ${raw}: ${m?.label} "${m?.text.slice(m.index, m.end)}"`);
  }
});

Deno.test("matchSql reports weak evidence with severity 2 and strongOnly skips it", () => {
  const m = matchSql("see information_schema.tables");
  assert.equal(m?.severity, 2);
  assert.equal(m?.family, "fingerprint");
  assert.equal(matchSql("see information_schema.tables", { strongOnly: true }), null);
  assert.equal(matchSql("x (select name from users)")?.family, "subquery");
  // strong rules still apply in strongOnly mode
  assert.equal(matchSql("' union select null,null--", { strongOnly: true })?.family, "union");
});

Deno.test("normalizeSql removes inline comments and collapses whitespace", () => {
  assert.equal(normalizeSql("UNION/**/SELECT"), "UNION SELECT");
  assert.equal(normalizeSql("/*!50000UNION*/\t\n/*!SELECT*/"), " UNION SELECT ");
  assert.equal(normalizeSql("a--x\nb"), "a b");
  assert.equal(normalizeSql("a\0b"), "ab");
});

Deno.test("isBreakoutQuote skips apostrophes inside words", () => {
  assert.equal(isBreakoutQuote("1' or", 1), true);
  assert.equal(isBreakoutQuote("'a' or", 2), false);
  assert.equal(isBreakoutQuote("O'Brien' or", 7), true);
  assert.equal(isBreakoutQuote("admin'or", 5), true);
});

Deno.test("matchSql stays fast on long benign and hostile input", () => {
  const long = "lorem ipsum 'dolor' sit -- amet; (consectetur) = adipiscing ".repeat(300);
  const hostile = "'" + " or".repeat(3000) + "((((" + "'".repeat(3000);
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) {
    matchSql(long);
    matchSql(hostile);
  }
  assert.ok(performance.now() - t0 < 2000, "no catastrophic backtracking");
});

/** The same ideas in other encodings: hex/binary/scientific literals, char(), comments inside keywords, versioned comments. */
const ENCODINGS: [string, SqlFamily][] = [
  ["1 OR 0x31=0x31", "tautology"],
  ["1 AnD 0x1=0x1", "tautology"],
  ["1 or 0b1=0b1", "tautology"],
  ["1 || x'31'=x'31'", "tautology"],
  ["1)) or ((0x1=0x1", "tautology"],
  ["1 OR 1e0=1e0", "tautology"],
  ["1.e1OR 1.e1=1.e1", "tautology"],
  ["1 or char(49)=char(49)", "tautology"],
  ["x' OR 'a'=CHAR(97)-- ", "tautology"],
  ["1e0UNION SELECT 1,username,password FROM users", "union"],
  ["-1 UN/**/ION SEL/**/ECT 1,2,3", "union"],
  ["-1 /*!50000UNION*/ /*!50000SELECT*/ 1,2,3", "union"],
  ["-1 /*!12345UNION SELECT*/ 1,2", "union"],
  ["1 /*!OR*/ 1=1", "tautology"],
];

/** Ordinary values that share the encodings' characters. */
const ENCODING_LOOKALIKES = [
  "color 0x31ff00 or 0x2e2e2e",
  "amount 1e3 or more",
  "char(49) in C",
  "/* select a plan */",
  "union and selection",
  "0x1f",
  "it's 1e3 or 2e3",
  "version 2.0beta or later",
  "size 10x20 or 20x30",
];

Deno.test("sql patterns: other encodings of the same ideas match", () => {
  for (const [v, family] of ENCODINGS) {
    const m = matchSql(v);
    assert.ok(m, `not matched: ${v}`);
    assert.equal(m.family, family, `${v}: ${m.family} (${m.label})`);
  }
});

Deno.test("sql patterns: look-alikes of the encodings stay silent", () => {
  for (const v of ENCODING_LOOKALIKES) {
    assert.equal(matchSql(v), null, `matched: ${v} -> ${JSON.stringify(matchSql(v))}`);
  }
});

Deno.test("cannotMatchSql: never true for a value whose decoding changes or passes the gate", () => {
  const random = mulberry32(15);
  const tokens = [
    ...["union", "order", "or", "and", "xor", "having", "case", "exec", "execute", "waitfor", "from"],
    ...["information_schema", "sqlite_master", "pg_shadow", "sysobjects", "Information_Schema", "SQLITE_MASTER"],
    ...["UNION", "Or", "aNd", "color", "door", "band", "fromage", "xorro", "orb", "_or", "1or", "or1", "or_"],
    ..."'\"`;(@#|&%+-/*=.,:?!<>[]{}~^$\\ \t\n".split(""),
    ...["--", "/*", "%27", "%2527", "&#39;", "&amp;", "+", "%", "&"],
    ...["a", "b", "z", "Z", "_", "0", "1", "9", "curl/7.88.1", "id", "x", "select", "null", "sleep(5)"],
    ...["\u017f", "\u212a", "\u00e9", "\u0130", "\u00ff", "\u0131", "\u2028"],
  ];
  let cannot = 0, could = 0;
  for (let trial = 0; trial < 20000; trial++) {
    let raw = "";
    for (let k = 1 + Math.floor(random() * 6); k > 0; k--) raw += tokens[Math.floor(random() * tokens.length)];
    for (const form of [false, true]) {
      if (!cannotMatchSql(raw, form)) {
        could++;
        continue;
      }
      cannot++;
      const dec = decodeDeep(raw, form);
      assert.equal(dec.value, raw, `${JSON.stringify(raw)} form ${form}: decoding changes it`);
      assert.equal(passesSqlGate(raw), false, `${JSON.stringify(raw)}: passes the gate`);
      assert.equal(matchSql(raw), null, JSON.stringify(raw));
    }
  }
  assert.ok(cannot > 1000 && could > 1000, `both answers tried: ${cannot} / ${could}`);
  // and the everyday values it exists for
  for (const v of ["curl/7.88.1", "/a", "147", "Mozilla/5.0 (X11)", "10.77.1.1:8081", "ApacheBench/2.3"]) {
    assert.equal(cannotMatchSql(v, true), !v.includes("("), v);
  }
});
