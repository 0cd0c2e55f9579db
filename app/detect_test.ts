/** Protocol detection by content, and the login exchanges behind it. */
import assert from "node:assert/strict";
import { detectClient, detectServer } from "./detect.ts";
import { type LoginEvent, LoginTracker } from "./login.ts";
import { HttpResponseParser } from "./http_response.ts";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test("detectClient: HTTP request lines (known and unknown methods), SSH, RDP X.224, Telnet, SMTP", () => {
  assert.equal(detectClient(enc("GET /x HTTP/1.1\r\n")), "http");
  assert.equal(detectClient(enc("PROPFIND / HTTP/1.1\r\n")), "http");
  assert.equal(detectClient(enc("BREW /pot HTTP/1.1\r\n")), "http");
  assert.equal(detectClient(enc("BREW /pot COFFEE/1.0\r\n")), "unknown");
  assert.equal(detectClient(enc("GE")), "more");
  assert.equal(detectClient(enc("SSH-2.0-OpenSSH_9.2p1\r\n")), "ssh");
  assert.equal(detectClient(enc("SS")), "more");
  assert.equal(detectClient(Uint8Array.of(3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0)), "rdp");
  assert.equal(detectClient(Uint8Array.of(0xff, 0xfd, 0x18)), "telnet");
  assert.equal(detectClient(enc("EHLO mail.example\r\n")), "smtp");
  assert.equal(detectClient(Uint8Array.of(0x16, 3, 1, 2, 0, 1, 0)), "unknown", "TLS ClientHello");
});

Deno.test("detectServer: HTTP, SSH, FTP vs SMTP greetings, POP3, IMAP, Telnet", () => {
  assert.equal(detectServer(enc("HTTP/1.1 200 OK\r\n")), "http");
  assert.equal(detectServer(enc("SSH-2.0-dropbear\r\n")), "ssh");
  assert.equal(detectServer(enc("220 (vsFTPd 3.0.3)\r\n")), "ftp");
  assert.equal(detectServer(enc("220 mx.example ESMTP Postfix\r\n")), "smtp");
  assert.equal(detectServer(enc("+OK Dovecot ready.\r\n")), "pop3");
  assert.equal(detectServer(enc("* OK [CAPABILITY IMAP4rev1] ready\r\n")), "imap");
  assert.equal(detectServer(Uint8Array.of(0xff, 0xfb, 0x01)), "telnet");
  assert.equal(detectServer(Uint8Array.of(0x16, 3, 3, 0, 0x5d)), "unknown");
});

function exchange(
  proto: "ftp" | "smtp" | "pop3" | "imap" | "telnet" | "redis",
  lines: [boolean, string][],
): LoginEvent[] {
  const t = new LoginTracker(proto);
  const out: LoginEvent[] = [];
  for (const [fromClient, text] of lines) t.feed(enc(text), fromClient, (e) => out.push(e));
  return out;
}

Deno.test("LoginTracker: FTP USER/PASS then 530 and 230", () => {
  const ev = exchange("ftp", [
    [false, "220 ftp ready\r\n"],
    [true, "USER admin\r\n"],
    [false, "331 Password required\r\n"],
    [true, "PASS 123456\r\n"],
    [false, "530 Login incorrect.\r\n"],
    [true, "USER admin\r\nPASS letmein\r\n"],
    [false, "230 Login successful.\r\n"],
    [false, "530 Please login with USER and PASS.\r\n"], // not after an attempt: no event
  ]);
  assert.deepEqual(ev.map((e) => `${e.kind}:${e.user}`), [
    "attempt:admin",
    "failure:admin",
    "attempt:admin",
    "success:admin",
  ]);
  assert.equal(ev[1].detail, "530 Login incorrect.");
});

Deno.test("LoginTracker: SMTP AUTH PLAIN, POP3, IMAP tagged, Telnet prompts with option negotiation", () => {
  assert.deepEqual(
    exchange("smtp", [[true, `AUTH PLAIN ${btoa("\0bob\0pw")}\r\n`], [false, "535 5.7.8 Authentication failed\r\n"]])
      .map((e) => `${e.kind}:${e.user}`),
    ["attempt:bob", "failure:bob"],
  );
  assert.deepEqual(
    exchange("pop3", [[false, "+OK\r\n"], [true, "USER amy\r\n"], [false, "+OK\r\n"], [true, "PASS x\r\n"], [
      false,
      "-ERR [AUTH] Authentication failed.\r\n",
    ]]).map((e) => `${e.kind}:${e.user}`),
    ["attempt:amy", "failure:amy"],
  );
  assert.deepEqual(
    exchange("imap", [[true, 'a1 LOGIN "joe" secret\r\n'], [
      false,
      "* CAPABILITY x\r\na1 NO [AUTHENTICATIONFAILED] nope\r\n",
    ]])
      .map((e) => `${e.kind}:${e.user}`),
    ["attempt:joe", "failure:joe"],
  );
  const iac = "\xff\xfd\x18\xff\xfb\x01";
  assert.deepEqual(
    exchange("telnet", [
      [false, `${iac}Debian GNU/Linux 12\r\nhost login: `],
      [true, "root\r\n"],
      [false, "Password: "],
      [true, "toor\r\n"],
      [false, "\r\nLogin incorrect\r\nhost login: "],
    ]).map((e) => `${e.kind}:${e.user}`),
    ["attempt:root", "failure:root"],
  );
});

Deno.test("detectClient: a RESP (Redis) command array; other text starting with * is not", () => {
  assert.equal(detectClient(enc("*2\r\n$4\r\nAUTH\r\n$6\r\nqwerty\r\n")), "redis");
  assert.equal(detectClient(enc("*1\r\n$4\r\nping\r\n")), "redis");
  assert.equal(detectClient(enc("*12")), "more");
  assert.equal(detectClient(enc("*2\r\n:1\r\n")), "unknown");
  assert.equal(detectClient(enc("* OK ready\r\n")), "unknown");
  assert.equal(detectClient(enc("*.example.com\r\n")), "unknown");
  // inline commands (`redis-cli` sends arrays; `nc` users and scripts type them)
  assert.equal(detectClient(enc("AUTH hunter2\r\n")), "redis");
  assert.equal(detectClient(enc("auth admin hunter2\r\n")), "redis");
  assert.equal(detectClient(enc("AUTHORIZE me\r\n")), "unknown");
  assert.equal(detectClient(enc("AUTH TLS\r\n")), "unknown", "FTP's explicit TLS");
  assert.equal(detectClient(enc("auth ssl\r\n")), "unknown");
});

Deno.test("LoginTracker: Redis AUTH (RESP and inline) answered -WRONGPASS / -ERR / +OK; other commands are not logins", () => {
  const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
  assert.deepEqual(
    exchange("redis", [
      [true, resp("ping")],
      [false, "-NOAUTH Authentication required.\r\n"],
      [true, resp("AUTH", "qwerty")],
      [false, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"],
      [true, resp("AUTH", "admin", "letmein")],
      [false, "-ERR invalid password\r\n"],
      [true, "AUTH hunter2\r\n"],
      [false, "+OK\r\n"],
      [true, resp("SET", "AUTH", "AUTH") + resp("GET", "AUTH")],
      [false, "+OK\r\n$4\r\nAUTH\r\n"],
      [false, "-ERR wrong number of arguments\r\n"], // no AUTH waiting: not a verdict
    ]).map((e) => e.kind),
    ["attempt", "failure", "attempt", "failure", "attempt", "success"],
  );
});

Deno.test("LoginTracker: verdicts carry a fingerprint of user and password (equal for a retry, 0 when unseen)", () => {
  const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
  const failures = (proto: "ftp" | "redis", lines: [boolean, string][]) =>
    exchange(proto, lines).filter((e) => e.kind === "failure").map((e) => e.credential ?? 0);
  const [a, b, c] = failures("redis", [
    [true, resp("AUTH", "old password")],
    [false, "-WRONGPASS x\r\n"],
    [true, resp("AUTH", "old password")],
    [false, "-WRONGPASS x\r\n"],
    [true, resp("AUTH", "qwerty")],
    [false, "-WRONGPASS x\r\n"],
  ]);
  assert.ok(a !== 0 && a === b && b !== c);
  const [f1, f2] = failures("ftp", [
    [true, "USER amy\r\nPASS pw\r\n"],
    [false, "530 no\r\n"],
    [true, "USER bob\r\nPASS pw\r\n"],
    [false, "530 no\r\n"],
  ]);
  assert.ok(f1 !== 0 && f1 !== f2, "another user with the same password is another guess (password spraying)");
  const [s] = exchange("smtp", [[true, "AUTH CRAM-MD5\r\n"], [false, "535 no\r\n"]]).filter((e) =>
    e.kind === "failure"
  );
  assert.equal(s.credential, 0);
});

Deno.test("LoginTracker: pipelined attempts, POP3 SASL and IMAP literals never share one fingerprint for different guesses", () => {
  const resp = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
  const failures = (proto: "redis" | "pop3" | "imap", lines: [boolean, string][]) =>
    exchange(proto, lines).filter((e) => e.kind === "failure").map((e) => e.credential ?? 0);
  // three AUTHs sent before their answers: which guess a verdict answers is unknown, so none carries a fingerprint
  assert.deepEqual(
    failures("redis", [
      [true, resp("AUTH", "pw1") + resp("AUTH", "pw2") + resp("AUTH", "pw3")],
      [false, "-WRONGPASS a\r\n-WRONGPASS b\r\n-WRONGPASS c\r\n"],
    ]),
    [0, 0, 0],
  );
  // after the pipeline drained, one at a time again: fingerprints come back
  const [x, y] = failures("redis", [
    [true, resp("AUTH", "a") + resp("AUTH", "b")],
    [false, "-WRONGPASS\r\n-WRONGPASS\r\n"],
    [true, resp("AUTH", "stale")],
    [false, "-WRONGPASS\r\n"],
    [true, resp("AUTH", "stale")],
    [false, "-WRONGPASS\r\n"],
  ]).slice(2);
  assert.ok(x !== 0 && x === y);
  // POP3 AUTH PLAIN without an initial response: the secret is the response line, not the mechanism's name
  const pop = failures("pop3", [
    [false, "+OK ready\r\n"],
    [true, "AUTH PLAIN\r\n"],
    [false, "+ \r\n"],
    [true, btoa("\0bob\0pw1") + "\r\n"],
    [false, "-ERR no\r\n"],
    [true, "AUTH PLAIN\r\n"],
    [false, "+ \r\n"],
    [true, btoa("\0bob\0pw2") + "\r\n"],
    [false, "-ERR no\r\n"],
  ]);
  assert.equal(pop.length, 2);
  assert.ok(pop[0] !== 0 && pop[0] !== pop[1]);
  // IMAP LOGIN with a literal password ({3}): the secret is the literal, not its size
  const imap = failures("imap", [
    [false, "* OK ready\r\n"],
    [true, "a1 LOGIN bob {3}\r\n"],
    [false, "+ go\r\n"],
    [true, "pw1\r\n"],
    [false, "a1 NO fail\r\n"],
    [true, "a2 LOGIN bob {3}\r\n"],
    [false, "+ go\r\n"],
    [true, "pw2\r\n"],
    [false, "a2 NO fail\r\n"],
    [true, "a3 LOGIN bob {3+}\r\npw2\r\n"], // LITERAL+: no continuation; the same password again
    [false, "a3 NO fail\r\n"],
  ]);
  assert.equal(imap.length, 3);
  assert.ok(imap[0] !== 0 && imap[0] !== imap[1] && imap[1] === imap[2]);
  // an attempt the server answers with no verdict (504: mechanism unknown) does not make later ones "pipelined"
  const smtp = exchange("smtp", [
    [false, "220 mail ESMTP\r\n"],
    [true, "AUTH CRAM-MD5\r\n"],
    [false, "504 unrecognized\r\n"],
    [true, "AUTH PLAIN " + btoa("\0bob\0stale") + "\r\n"],
    [false, "535 no\r\n"],
    [true, "AUTH PLAIN " + btoa("\0bob\0stale") + "\r\n"],
    [false, "535 no\r\n"],
  ]).filter((e) => e.kind === "failure").map((e) => e.credential ?? 0);
  assert.ok(smtp.length === 2 && smtp[0] !== 0 && smtp[0] === smtp[1]);
});

Deno.test("HttpResponseParser: statuses of pipelined responses with length, chunked and empty bodies", () => {
  const p = new HttpResponseParser();
  const got: number[] = [];
  const text = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\n\r\nnope!" +
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
    "HTTP/1.1 304 Not Modified\r\n\r\n" +
    "HTTP/1.1 302 Found\r\nLocation: /home\r\nContent-Length: 0\r\n\r\n";
  // byte by byte: the framing must not depend on segment boundaries
  for (const b of enc(text)) p.feed(Uint8Array.of(b), (r) => got.push(r.status));
  assert.deepEqual(got, [401, 200, 304, 302]);
  assert.equal(p.closed, false);
});
