/**
 * A fake Windows machine for the Windows backend's tests: a {@link CommandRunner} that understands the
 * exact `netsh advfirewall firewall add|delete rule` argument vectors and the fixed PowerShell scripts,
 * keeps a rule table, and answers with the real tools' output (CRLF lines, the elevation message,
 * "No rules match the specified criteria.", ConvertTo-Json's object-or-array shape). Anything else is
 * refused the way netsh refuses it, so a malformed command fails the test.
 *
 * @module
 */
import type { CommandResult, CommandRunner } from "./command.ts";
import { IS_ADMIN_SCRIPT, LIST_RULES_SCRIPT, POWERSHELL } from "./windows_firewall.ts";

/** A firewall rule in the fake. */
export interface FakeRule {
  name: string;
  dir: string;
  action: string;
  remoteip: string;
  description: string;
  enable: string;
  profile: string;
}

const ELEVATION = "The requested operation requires elevation (Run as administrator).\r\n\r\n";
const NOT_VALID = "A specified value is not valid.\r\n\r\nUsage: add rule name=<string>\r\n      dir=in|out\r\n";

/** The fake machine. */
export class FakeWindows {
  /** Every command run, as given. */
  readonly calls: string[][] = [];
  /** The firewall's rules (all of them, not only ids'). */
  rules: FakeRule[] = [];
  /** Is the process elevated? */
  admin: boolean;
  /** When set, the next command fails with this result (then it is cleared). */
  failNext: CommandResult | undefined;

  constructor(options: { admin?: boolean } = {}) {
    this.admin = options.admin ?? true;
  }

  /** The runner to give the backend. */
  readonly runner: CommandRunner = (argv) => Promise.resolve(this.#handle([...argv]));

  #handle(argv: string[]): CommandResult {
    this.calls.push(argv);
    if (this.failNext) {
      const r = this.failNext;
      this.failNext = undefined;
      return r;
    }
    if (argv[0] === "netsh") return this.#netsh(argv.slice(1));
    if (argv.length === POWERSHELL.length + 1 && POWERSHELL.every((a, i) => argv[i] === a)) {
      return this.#powershell(argv[argv.length - 1]);
    }
    return { code: -1, stdout: "", stderr: `Cannot run ${argv[0]}: program not found` };
  }

  #netsh(args: string[]): CommandResult {
    if (args[0] !== "advfirewall" || args[1] !== "firewall" || args[3] !== "rule") {
      return { code: 1, stdout: "The following command was not found: " + args.join(" ") + ".\r\n", stderr: "" };
    }
    const kv = new Map<string, string>();
    for (const token of args.slice(4)) {
      const eq = token.indexOf("=");
      // netsh splits on spaces itself: a token with a space would have been two arguments to it
      if (eq <= 0 || /\s/.test(token)) return { code: 1, stdout: NOT_VALID, stderr: "" };
      kv.set(token.slice(0, eq).toLowerCase(), token.slice(eq + 1));
    }
    if (args[2] === "add") {
      const known = ["name", "dir", "action", "enable", "profile", "remoteip", "description"];
      if ([...kv.keys()].some((k) => !known.includes(k)) || !kv.get("name") || !kv.get("action")) {
        return { code: 1, stdout: NOT_VALID, stderr: "" };
      }
      if (!["in", "out"].includes(kv.get("dir") ?? "in") || !["block", "allow"].includes(kv.get("action")!)) {
        return { code: 1, stdout: NOT_VALID, stderr: "" };
      }
      if (!this.admin) return { code: 1, stdout: ELEVATION, stderr: "" };
      this.rules.push({
        name: kv.get("name")!,
        dir: kv.get("dir") ?? "in",
        action: kv.get("action")!,
        remoteip: kv.get("remoteip") ?? "any",
        description: kv.get("description") ?? "",
        enable: kv.get("enable") ?? "yes",
        profile: kv.get("profile") ?? "any",
      });
      return { code: 0, stdout: "Ok.\r\n\r\n", stderr: "" };
    }
    if (args[2] === "delete") {
      if ([...kv.keys()].some((k) => !["name", "dir", "remoteip"].includes(k)) || !kv.get("name")) {
        return { code: 1, stdout: NOT_VALID, stderr: "" };
      }
      if (!this.admin) return { code: 1, stdout: ELEVATION, stderr: "" };
      const match = (r: FakeRule) => r.name === kv.get("name") && (!kv.has("dir") || r.dir === kv.get("dir"));
      const n = this.rules.filter(match).length;
      if (n === 0) return { code: 1, stdout: "\r\nNo rules match the specified criteria.\r\n\r\n", stderr: "" };
      this.rules = this.rules.filter((r) => !match(r));
      return { code: 0, stdout: `\r\nDeleted ${n} rule(s).\r\nOk.\r\n\r\n`, stderr: "" };
    }
    return { code: 1, stdout: "The following command was not found: " + args.join(" ") + ".\r\n", stderr: "" };
  }

  #powershell(script: string): CommandResult {
    if (script === IS_ADMIN_SCRIPT) return { code: 0, stdout: this.admin ? "True\r\n" : "False\r\n", stderr: "" };
    if (script === LIST_RULES_SCRIPT) {
      // Get-NetFirewallRule reads rules without elevation; ConvertTo-Json: nothing, one object, or an array
      const ours = this.rules.filter((r) => r.name.startsWith("ids-block-"))
        .map((r) => ({ name: r.name, description: r.description }));
      const stdout = ours.length === 0 ? "" : JSON.stringify(ours.length === 1 ? ours[0] : ours) + "\r\n";
      return { code: 0, stdout, stderr: "" };
    }
    return {
      code: 1,
      stdout: "",
      stderr: "The term is not recognized as the name of a cmdlet, function, script file, or operable program.\r\n",
    };
  }
}
