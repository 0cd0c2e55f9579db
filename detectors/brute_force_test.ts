import assert from "node:assert/strict";
import { F, Harness, ip, MS, SEC, T0, testConfig } from "./_test_packets.ts";
import { BruteForceDetector } from "./brute_force.ts";

const ATK = ip("10.77.0.66"), SRV = ip("10.77.0.1"), CLI = ip("10.77.0.2");

/** These tests pin the threshold at 10 sessions (the default is 5) and keep the slow rule out of the way. */
function harness(patch: { brute_force?: Record<string, unknown>; trusted_ips?: string[] } = {}) {
  return new Harness(
    new BruteForceDetector(
      testConfig({ ...patch, brute_force: { threshold: 10, slow_threshold: 1000, ...patch.brute_force } }),
    ),
  );
}

/** `n` short SSH-like sessions (handshake, a few exchanges, FIN) every `gapUs`. */
function logins(
  h: Harness,
  t: number,
  n: number,
  gapUs: number,
  opts: { src?: number | string; dst?: number | string; port?: number } = {},
) {
  for (let i = 0; i < n; i++) {
    h.session(t + i * gapUs, opts.src ?? ATK, opts.dst ?? SRV, { ports: [40000 + i, opts.port ?? 22], exchanges: 4 });
  }
}

Deno.test("brute_force: threshold-1 short sessions are silent, threshold fire promptly on the FIN", () => {
  const h = harness();
  logins(h, T0, 9, 2 * SEC);
  assert.equal(h.of().length, 0);
  const h2 = harness();
  logins(h2, T0, 10, 2 * SEC);
  const d = h2.of("brute_force");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, ATK);
  assert.equal(d[0].dst, SRV);
  assert.equal(d[0].dstPort, 22);
  assert.equal(d[0].proto, 6);
  assert.ok(d[0].tsUs < T0 + 19 * SEC);
  assert.match(d[0].reason, /^10 short sessions to tcp\/22 \(ssh\) in 60 s$/);
  h2.flush();
  assert.equal(h2.of().length, 1); // flow ends are not counted twice
});

Deno.test("brute_force: sessions ended by RST count; sessions without FIN count when the flow ends", () => {
  const h = harness();
  for (let i = 0; i < 5; i++) {
    const t = h.handshake(T0 + i * SEC, ATK, SRV, [41000 + i, 3389]);
    h.tcp(t + MS, SRV, ATK, [3389, 41000 + i], F.RA);
  }
  for (let i = 0; i < 5; i++) h.handshake(T0 + 10 * SEC + i * SEC, ATK, SRV, [42000 + i, 3389]);
  assert.equal(h.of().length, 0);
  h.flush();
  const d = h.of("brute_force");
  assert.equal(d.length, 1);
  assert.equal(d[0].dstPort, 3389);
});

Deno.test("brute_force: long sessions, failed handshakes, other ports and spread-out logins are silent", () => {
  const h = harness();
  for (let i = 0; i < 15; i++) h.session(T0 + i * SEC, CLI, SRV, { ports: [40000 + i, 22], exchanges: 40, gapUs: SEC });
  for (let i = 0; i < 30; i++) {
    h.tcp(T0 + i * MS, ATK, SRV, [43000 + i, 22], F.S);
    h.tcp(T0 + i * MS + 100, SRV, ATK, [22, 43000 + i], F.RA);
  }
  logins(h, T0, 30, 100 * MS, { port: 8080 });
  logins(h, T0 + 100 * SEC, 30, 8 * SEC, { src: ip("10.77.0.68") }); // 7-8 per minute
  h.flush();
  assert.equal(h.of().length, 0);
});

Deno.test("brute_force: IPv6 and trusted sources", () => {
  const h = harness();
  logins(h, T0, 12, SEC, { src: "fd77::66", dst: "fd77::1", port: 21 });
  const d = h.of();
  assert.equal(d.length, 1);
  assert.equal(d[0].src, "fd77::66");
  assert.equal(d[0].dst, "fd77::1");
  const h2 = harness({ brute_force: { use_trusted: true }, trusted_ips: ["10.77.0.66"] });
  logins(h2, T0, 30, SEC);
  assert.equal(h2.of().length, 0);
});

Deno.test("brute_force: successful-looking SSH logins (server sent > 4.5 KB) are not attempts", () => {
  const h = harness();
  for (let i = 0; i < 15; i++) {
    const t = h.handshake(T0 + i * 2 * SEC, CLI, SRV, [44000 + i, 22]);
    h.tcp(t + MS, SRV, CLI, [22, 44000 + i], F.PA, "x".repeat(5000)); // host keys, channel, output
    h.tcp(t + 2 * MS, CLI, SRV, [44000 + i, 22], F.FA);
    h.tcp(t + 3 * MS, SRV, CLI, [22, 44000 + i], F.FA);
  }
  h.flush();
  assert.equal(h.of().length, 0);
  const h2 = harness(); // the same sessions on port 21: small enough to be attempts
  for (let i = 0; i < 15; i++) {
    const t = h2.handshake(T0 + i * 2 * SEC, CLI, SRV, [44000 + i, 21]);
    h2.tcp(t + MS, SRV, CLI, [21, 44000 + i], F.PA, "x".repeat(5000));
    h2.tcp(t + 2 * MS, CLI, SRV, [44000 + i, 21], F.FA);
  }
  assert.deepEqual(h2.of().map((d) => d.dstPort), [21, 21]); // at the 10th, again 10 s later
});

Deno.test("brute_force: one attempt every 20 s is a slow brute force at the 8th attempt (tag slow)", () => {
  const h = new Harness(new BruteForceDetector(testConfig({})));
  logins(h, T0, 7, 20 * SEC);
  assert.equal(h.of().length, 0, "7 attempts in 2 min are silent");
  logins(h, T0 + 140 * SEC, 1, 20 * SEC, { port: 22 });
  const d = h.of("brute_force");
  assert.equal(d.length, 1);
  assert.equal(d[0].severity, 3);
  assert.deepEqual(d[0].tags, ["slow"]);
  assert.match(d[0].reason, /^8 short sessions to tcp\/22 \(ssh\) in 600 s$/);
  // a fast brute force is reported by the fast rule only
  const f = new Harness(new BruteForceDetector(testConfig({})));
  logins(f, T0, 8, SEC);
  assert.deepEqual(f.of("brute_force").map((x) => x.tags ?? []), [[]]);
});

/** One FTP connection: banner, then `guesses` USER/PASS pairs each answered 530 at 1 s intervals. */
function ftpConnection(h: Harness, t: number, sport: number, guesses: number, password?: string): number {
  const c: [number, number] = [sport, 21], s: [number, number] = [21, sport];
  t = h.handshake(t, ATK, SRV, c);
  h.tcp(t + MS, SRV, ATK, s, F.PA, "220 pyftpdlib ready.\r\n");
  for (let i = 0; i < guesses; i++) {
    t += SEC;
    h.tcp(t, ATK, SRV, c, F.PA, "USER alice\r\n");
    h.tcp(t + MS, SRV, ATK, s, F.PA, "331 Username ok, send password.\r\n");
    h.tcp(t + 2 * MS, ATK, SRV, c, F.PA, `PASS ${password ?? `guess${sport}-${i}`}\r\n`);
    h.tcp(t + 3 * MS, SRV, ATK, s, F.PA, "530 Authentication failed.\r\n");
  }
  return t + 3 * MS;
}

Deno.test("brute_force: plaintext failures count as they happen (FTP 530), not when the session closes", () => {
  const h = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  ftpConnection(h, T0, 40000, 3);
  const t = ftpConnection(h, T0 + 100 * MS, 40001, 2); // 5 failures, both connections still open
  const d = h.of("brute_force");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, ATK);
  assert.equal(d[0].dstPort, 21);
  assert.ok(d[0].tsUs <= t, "reported while the connections are open");
  assert.match(d[0].reason, /^5 failed logins to tcp\/21 \(ftp\) in 60 s$/);
  h.flush();
  assert.equal(h.of().length, 1, "the sessions are not counted again when they close");
  // a user who mistypes once and then logs in is quiet
  const u = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  ftpConnection(u, T0, 40000, 1);
  u.flush();
  assert.equal(u.of().length, 0);
});

Deno.test("brute_force: the same wrong password retried (a stale client reconnecting) is one failure, not a guess each time", () => {
  const h = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  for (let k = 0; k < 6; k++) ftpConnection(h, T0 + k * 2 * SEC, 40000 + k, 2, "old-password");
  h.flush();
  assert.equal(h.of().length, 0);
  // new guesses still count, also after retries
  ftpConnection(h, T0 + 20 * SEC, 40100, 5);
  assert.equal(h.of("brute_force").length, 1);
  assert.match(h.of("brute_force")[0].reason, /^5 failed logins to tcp\/21 \(ftp\) in 60 s$/);
});

/** A keep-alive HTTP connection with `n` login POSTs, each answered with `answer`. */
function webLogins(h: Harness, t: number, n: number, answer: string): void {
  const c: [number, number] = [41000, 8081], s: [number, number] = [8081, 41000];
  t = h.handshake(t, ATK, SRV, c);
  for (let i = 0; i < n; i++) {
    t += 100 * MS;
    const body = `username=admin&password=guess${i}`;
    h.tcp(
      t,
      ATK,
      SRV,
      c,
      F.PA,
      `POST /login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    h.tcp(t + MS, SRV, ATK, s, F.PA, answer);
  }
}

Deno.test("brute_force: web logins — POSTs with a password field answered without success count on any port", () => {
  const failed = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nLogin failed";
  const h = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  webLogins(h, T0, 5, failed);
  const d = h.of("brute_force");
  assert.equal(d.length, 1);
  assert.match(d[0].reason, /^5 failed web logins to tcp\/8081 \(http\) in 60 s$/);
  // redirects with a session cookie are successes
  const ok = "HTTP/1.1 302 Found\r\nLocation: /account\r\nSet-Cookie: s=1\r\nContent-Length: 0\r\n\r\n";
  const s = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  webLogins(s, T0, 6, ok);
  assert.equal(s.of().length, 0);
});

/** A keep-alive HTTP connection with `n` GETs carrying `auth` (an Authorization value), each answered with `answer`. */
function authRequests(h: Harness, t: number, n: number, auth: (i: number) => string, answer: string): void {
  const c: [number, number] = [41100, 8083], s: [number, number] = [8083, 41100];
  t = h.handshake(t, ATK, SRV, c);
  for (let i = 0; i < n; i++) {
    t += 100 * MS;
    h.tcp(t, ATK, SRV, c, F.PA, `GET /admin HTTP/1.1\r\nHost: shop\r\nAuthorization: ${auth(i)}\r\n\r\n`);
    h.tcp(t + MS, SRV, ATK, s, F.PA, answer);
  }
}

Deno.test("brute_force: the same stale Basic credentials polled again are one failure; pipelined guesses each count", () => {
  const denied = 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="admin"\r\nContent-Length: 0\r\n\r\n';
  const poll = (h: Harness, t: number, port: number, auth: string) => {
    const c: [number, number] = [port, 8083], s: [number, number] = [8083, port];
    t = h.handshake(t, ATK, SRV, c);
    h.tcp(t + MS, ATK, SRV, c, F.PA, `GET /status HTTP/1.1\r\nHost: nas\r\nAuthorization: ${auth}\r\n\r\n`);
    h.tcp(t + 2 * MS, SRV, ATK, s, F.PA, denied);
  };
  // a monitoring job with an old password, every 5 s for a minute (a new connection each time)
  const h = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  for (let k = 0; k < 12; k++) poll(h, T0 + k * 5 * SEC, 42000 + k, `Basic ${btoa("monitor:old-password")}`);
  h.flush();
  assert.equal(h.of().length, 0);
  // new guesses still count after it
  for (let k = 0; k < 5; k++) poll(h, T0 + 61 * SEC + k * SEC, 42100 + k, `Basic ${btoa(`monitor:guess${k}`)}`);
  assert.equal(h.of("brute_force").length, 1);
  // guesses pipelined on one connection (requests sent before the answers) each count
  const p = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  const c: [number, number] = [42200, 8083], sv: [number, number] = [8083, 42200];
  let t = p.handshake(T0, ATK, SRV, c);
  const reqs = [0, 1, 2, 3, 4].map((i) =>
    `GET /admin HTTP/1.1\r\nHost: nas\r\nAuthorization: Basic ${btoa(`admin:guess${i}`)}\r\n\r\n`
  ).join("");
  p.tcp(t += MS, ATK, SRV, c, F.PA, reqs);
  p.tcp(t += MS, SRV, ATK, sv, F.PA, denied.repeat(5));
  assert.equal(p.of("brute_force").length, 1);
});

Deno.test("brute_force: HTTP Basic/Digest credentials answered 401 are failed logins; tokens and successes are not", () => {
  const denied = 'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="admin"\r\nContent-Length: 0\r\n\r\n';
  const basic = (i: number) => `Basic ${btoa(`admin:guess${i}`)}`;
  const h = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  authRequests(h, T0, 5, basic, denied);
  const d = h.of("brute_force");
  assert.equal(d.length, 1);
  assert.equal(d[0].src, ATK);
  assert.equal(d[0].dstPort, 8083);
  assert.match(d[0].reason, /^5 failed HTTP authentications to tcp\/8083 \(http\) in 60 s$/);
  const four = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  authRequests(four, T0, 4, (i) => `Digest username="admin", response="${i}"`, denied);
  assert.equal(four.of().length, 0);
  // a client whose bearer token expired (or an NTLM handshake) gets 401s that are no password guesses
  const bearer = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  authRequests(bearer, T0, 8, (i) => `Bearer token${i}`, denied);
  authRequests(bearer, T0 + 5 * SEC, 8, () => "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==", denied);
  assert.equal(bearer.of().length, 0);
  // the right password, again and again
  const ok = new Harness(new BruteForceDetector(testConfig({})), { tcpSeq: true });
  authRequests(ok, T0, 8, basic, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  assert.equal(ok.of().length, 0);
});
