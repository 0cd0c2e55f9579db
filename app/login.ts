/**
 * Login exchanges of the plaintext protocols, line by line: FTP, SMTP AUTH, POP3, IMAP, Telnet and Redis.
 * Each attempt, failure and success becomes a {@link LoginEvent}.
 *
 * | protocol | attempt (client) | failure (server) | success (server) |
 * |---|---|---|---|
 * | ftp    | `PASS` (after `USER name`) | `530` | `230` |
 * | smtp   | `AUTH mechanism …`          | `535` (and `454`) | `235` |
 * | pop3   | `PASS`, `APOP`, `AUTH`       | `-ERR` after an attempt | `+OK` after an attempt |
 * | imap   | `tag LOGIN`, `tag AUTHENTICATE` | `tag NO` / `tag BAD` | `tag OK` |
 * | telnet | the line typed after a `Password:` prompt | `Login incorrect`, `Authentication failure`, … | `Last login`, a shell prompt |
 * | redis  | an `AUTH` command (a RESP bulk string, or inline) | an error (`-WRONGPASS`, `-ERR`) to it | `+OK` to it |
 *
 * User names are attacker bytes: escape them wherever they are shown.
 *
 * @module
 */
import type { AppProtocol } from "./detect.ts";

/** One step of a login exchange. */
export interface LoginEvent {
  /** `attempt`: credentials were sent; `failure` / `success`: the server's verdict on them. */
  kind: "attempt" | "failure" | "success";
  /** User name when the protocol shows it (raw, unescaped), else "". */
  user: string;
  /** The server's line for a verdict (raw, at most 200 characters), else "". */
  detail: string;
  /**
   * For a verdict: a 32-bit fingerprint (FNV-1a) of the user and secret of the attempt it answers, so
   * the same credentials tried again can be told from a new guess; 0 (or absent) when the secret was
   * not seen (a challenge-response mechanism). The secret itself is never kept.
   */
  credential?: number;
}

/** FNV-1a of `text` (char codes), never 0 (0 means "not seen"): a {@link LoginEvent.credential}. */
export function credentialFingerprint(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) || 1;
}

/** Longest line kept; the rest of a longer line is dropped. */
const MAX_LINE = 1024;
/** Lines parsed per direction before the connection is left alone (the login phase is over). */
export const MAX_LOGIN_LINES = 512;

const IAC = 0xff;

/** Splits one direction's bytes into lines (Telnet option sequences removed). */
class LineSplitter {
  #line = "";
  #overflow = false;
  #iac = 0;
  #cr = false;
  lines = 0;

  /** Calls `onLine` per complete line (without CR/LF). */
  feed(b: Uint8Array, telnet: boolean, onLine: (line: string) => void): void {
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      if (telnet) {
        if (this.#iac > 0) {
          // IAC cmd [opt]; subnegotiation (SB … IAC SE) is skipped roughly: SE ends it
          if (this.#iac === 1) this.#iac = c >= 0xfb && c <= 0xfe ? 2 : c === 0xfa ? 3 : 0;
          else if (this.#iac === 2) this.#iac = 0;
          else if (c === 0xf0) this.#iac = 0;
          continue;
        }
        if (c === IAC) {
          this.#iac = 1;
          continue;
        }
        if (c === 0) continue;
      }
      if (c === 10 || c === 13) {
        // CR LF, CR NUL (Telnet) and a bare LF or CR each end one line
        if (!(c === 10 && this.#cr)) {
          this.lines++;
          onLine(this.#line);
        }
        this.#cr = c === 13;
        this.#line = "";
        this.#overflow = false;
        continue;
      }
      this.#cr = false;
      if (this.#overflow) continue;
      if (this.#line.length >= MAX_LINE) {
        this.#overflow = true;
        continue;
      }
      this.#line += String.fromCharCode(c);
    }
  }

  /** The unterminated text held (a prompt such as `Password: `). */
  get pending(): string {
    return this.#line;
  }
}

const TELNET_FAIL =
  /login incorrect|authentication fail|incorrect password|login failed|access denied|permission denied/i;
const TELNET_OK = /^last login|welcome to|[$#>] ?$/i;
/** An IMAP command ending in a literal (`{8}` or `{8+}`): its last argument follows on the next line. */
const LITERAL = /\{\d+\+?\}$/;

/** Follows the login exchange of one connection. */
export class LoginTracker {
  readonly proto: AppProtocol;
  #client = new LineSplitter();
  #server = new LineSplitter();
  #user = "";
  #pending = false;
  #tags = new Set<string>();
  #telnetState = 0; // 0 other, 1 after a login prompt, 2 after a password prompt
  /** SASL exchange in progress: 0 none, 1 PLAIN response next, 2 LOGIN user next, 3 LOGIN password next. */
  #sasl = 0;
  /** Redis: AUTH commands sent and not answered yet (pipelined commands are answered in order). */
  #redisAuth = 0;
  /** Redis: 0 a command line next (inline), 1 after `*N`, 2 the command's bulk string next, 3 an argument's. */
  #resp = 0;
  /** Redis: the arguments of an AUTH command follow (they are its secret). */
  #authArgs = false;
  /** The secret of the last attempt ("" not seen): only its fingerprint leaves this class. */
  #secret = "";
  /** An attempt was sent and the server has not said a line since (a second attempt now is pipelined). */
  #awaiting = false;
  /** Attempts were pipelined: which secret a verdict answers is not known until the client waits again. */
  #mixed = false;
  /** IMAP: the last LOGIN's password is a literal: the next client line is the secret. */
  #literal = false;
  #emit: (ev: LoginEvent) => void = () => {};

  constructor(proto: AppProtocol) {
    this.proto = proto;
  }

  /** True once enough lines went by that the login phase is over. */
  get exhausted(): boolean {
    return this.#client.lines + this.#server.lines > MAX_LOGIN_LINES;
  }

  /** Feeds client (`fromClient`) or server bytes; calls `emit` per login event. */
  feed(b: Uint8Array, fromClient: boolean, emit: (ev: LoginEvent) => void): void {
    this.#emit = emit;
    const telnet = this.proto === "telnet";
    if (fromClient) this.#client.feed(b, telnet, this.#onClient);
    else {
      this.#server.feed(b, telnet, this.#onServer);
      if (telnet) this.#telnetPrompt(this.#server.pending);
    }
  }

  #event(kind: LoginEvent["kind"], detail = ""): void {
    this.#emit({ kind, user: this.#user, detail: detail.slice(0, 200) });
  }

  readonly #onClient = (line: string): void => {
    const sp = line.indexOf(" ");
    const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const arg = sp < 0 ? "" : line.slice(sp + 1).trim();
    switch (this.proto) {
      case "ftp":
        if (verb === "USER") this.#user = arg;
        else if (verb === "PASS") this.#attempt(arg);
        return;
      case "smtp":
        if (this.#saslLine(line)) return;
        if (verb === "AUTH") this.#saslStart(arg.split(/\s+/));
        return;
      case "pop3":
        if (this.#saslLine(line)) return;
        if (verb === "USER") this.#user = arg;
        else if (verb === "AUTH") this.#saslStart(arg.split(/\s+/)); // SASL as in SMTP (RFC 5034)
        else if (verb === "PASS" || verb === "APOP") {
          if (verb === "APOP") this.#user = arg.split(/\s+/)[0] ?? "";
          this.#attempt(arg);
        }
        return;
      case "imap": {
        if (this.#literal) {
          this.#literal = false;
          if (line.length < MAX_LINE) this.#secret = line; // the literal's bytes (and the command's end)
          return;
        }
        // tag SP command SP args
        const rest = arg.split(/\s+/);
        const cmd = (rest[0] ?? "").toUpperCase();
        if (this.#saslLine(line)) return;
        if (cmd === "LOGIN" || cmd === "AUTHENTICATE") {
          if (this.#tags.size < 64) this.#tags.add(line.slice(0, sp)); // the tag as sent
          if (cmd === "LOGIN") {
            this.#user = unquote(rest[1] ?? "");
            // a literal (`{8}`): the password follows on the next line once the server said `+`
            this.#literal = LITERAL.test(line);
            this.#attempt(this.#literal ? "" : rest.slice(2).join(" "));
          } else this.#saslStart(rest.slice(1));
        }
        return;
      }
      case "redis": {
        // RESP: `*N`, then `$len` and the bytes of each argument; the command is the first argument
        if (line.startsWith("*")) {
          this.#resp = 1;
          this.#authArgs = false;
          return;
        }
        if (line.startsWith("$")) {
          this.#resp = this.#resp === 1 ? 2 : 3;
          return;
        }
        const state = this.#resp;
        this.#resp = 0;
        if (state === 3 && this.#authArgs && this.#secret.length < MAX_LINE) {
          this.#secret += `\0${line}`; // AUTH [user] password, as bulk strings
          return;
        }
        const auth = verb === "AUTH" && (state === 2 ? line.length === 4 : state === 0 && arg !== "");
        if (auth && this.#redisAuth < 64) {
          this.#redisAuth++;
          this.#attempt(arg);
          this.#authArgs = state === 2;
        }
        return;
      }
      case "telnet":
        if (line.trim() === "" && this.#telnetState !== 2) return;
        // prompts decide when seen; a client that types ahead (user, then password) is followed by order
        if (this.#telnetState === 2 || (this.#telnetState === 0 && this.#user !== "" && !this.#pending)) {
          this.#telnetState = 0;
          this.#attempt(); // (which line was the password is a guess from prompts: no fingerprint)
        } else {
          this.#user = line.trim().slice(0, 128);
          this.#telnetState = 0;
        }
        return;
    }
  };

  readonly #onServer = (line: string): void => {
    this.#awaiting = false;
    switch (this.proto) {
      case "ftp":
        if (!this.#pending) return; // a 530 for a command sent before logging in is not a failed login
        if (line.startsWith("530")) this.#verdict("failure", line);
        else if (line.startsWith("230")) this.#verdict("success", line);
        return;
      case "smtp":
        if (!this.#pending) return;
        if (line.startsWith("535") || line.startsWith("454")) this.#verdict("failure", line);
        else if (line.startsWith("235")) this.#verdict("success", line);
        return;
      case "pop3":
        if (!this.#pending) return;
        if (line.startsWith("-ERR")) this.#verdict("failure", line);
        else if (line.startsWith("+OK")) this.#verdict("success", line);
        return;
      case "imap": {
        const sp = line.indexOf(" ");
        if (sp <= 0) return;
        const tag = line.slice(0, sp);
        if (!this.#tags.has(tag)) return;
        const status = line.slice(sp + 1, sp + 4).toUpperCase();
        if (status.startsWith("NO") || status.startsWith("BAD")) this.#verdict("failure", line);
        else if (status.startsWith("OK")) this.#verdict("success", line);
        else return;
        this.#tags.delete(tag);
        return;
      }
      case "redis":
        // one reply per command; only the replies to AUTH are verdicts (answered in order, so the
        // first replies after AUTH commands were sent are theirs when the client waits, as login tools do)
        if (this.#redisAuth === 0) return;
        if (line.startsWith("-")) {
          this.#redisAuth--;
          this.#verdict("failure", line);
        } else if (line.startsWith("+OK")) {
          this.#redisAuth--;
          this.#verdict("success", line);
        }
        return;
      case "telnet":
        if (TELNET_FAIL.test(line)) this.#verdict("failure", line);
        else if (this.#pending && TELNET_OK.test(line.trim())) this.#verdict("success", line);
        this.#telnetPrompt(line);
        return;
    }
  };

  #telnetPrompt(text: string): void {
    const t = text.trim().toLowerCase();
    if (t.endsWith("login:") || t.endsWith("username:") || t.endsWith("user:")) this.#telnetState = 1;
    else if (t.endsWith("password:")) this.#telnetState = 2;
  }

  /** `AUTH mechanism [initial-response]` (SMTP) / `tag AUTHENTICATE mechanism [initial]` (IMAP). */
  #saslStart(words: string[]): void {
    const mech = (words[0] ?? "").toUpperCase();
    const initial = words[1];
    if (mech === "PLAIN") {
      if (initial && initial !== "=") {
        this.#user = plainUser(initial);
        this.#attempt(initial);
      } else this.#sasl = 1;
    } else if (mech === "LOGIN") {
      if (initial) {
        this.#user = b64(initial);
        this.#sasl = 3;
      } else this.#sasl = 2;
    } else this.#attempt(); // another mechanism: the attempt is the command itself
  }

  /** A client line inside a SASL exchange; true when it was one. */
  #saslLine(line: string): boolean {
    if (this.#sasl === 0) return false;
    const state = this.#sasl;
    this.#sasl = 0;
    if (line === "*") return true; // cancelled
    if (state === 1) {
      this.#user = plainUser(line.trim());
      this.#attempt(line.trim());
    } else if (state === 2) {
      this.#user = b64(line.trim());
      this.#sasl = 3;
    } else this.#attempt(line.trim());
    return true;
  }

  /** Credentials were sent; `secret` is what the client sent as its password ("" not seen). */
  #attempt(secret = ""): void {
    this.#pending = true;
    this.#secret = secret;
    this.#mixed = this.#awaiting; // sent before the server answered the previous one
    this.#awaiting = true;
    this.#event("attempt");
  }

  #verdict(kind: "failure" | "success", line: string): void {
    this.#pending = false;
    // pipelined attempts (several sent before their answers): which secret a verdict answers is not known
    const known = this.#secret !== "" && !this.#mixed;
    const credential = known ? credentialFingerprint(`${this.#user}\0${this.#secret}`) : 0;
    this.#emit({ kind, user: this.#user, detail: line.slice(0, 200), credential });
  }
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** The user of an AUTH PLAIN response (base64 of `authzid NUL authcid NUL password`). */
function plainUser(text: string): string {
  return b64(text).split("\0")[1] ?? "";
}

/** Base64 text decoded (latin1), or "" when it is not base64; at most 128 characters. */
function b64(text: string): string {
  try {
    return atob(text).slice(0, 128);
  } catch {
    return "";
  }
}
