/**
 * Checks `.github/workflows/release.yml` without GitHub: the YAML parses, it runs on version tags,
 * pins Deno 2.9.6, calls only `deno task`s that exist, compiles both targets, smoke-runs each binary
 * on its own OS and publishes checksums only after both smoke runs passed.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { TARGETS } from "./build.ts";
import { hasCommand, prereq } from "../testing/prereq.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");
const WORKFLOW = `${ROOT}/.github/workflows/release.yml`;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  "runs-on": string;
  needs?: string | string[];
  steps: Step[];
}

/** YAML → JSON with Python's PyYAML (Debian python3-yaml): the YAML a reviewer reads is what we check. */
async function loadWorkflow(): Promise<Record<string, unknown>> {
  const out = await new Deno.Command("python3", {
    args: ["-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", WORKFLOW],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `release.yml does not parse: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const hasYaml = () => hasCommand("python3", ["-c", "import yaml"]);
const needsOf = (j: Job) => (j.needs === undefined ? [] : Array.isArray(j.needs) ? j.needs : [j.needs]);
const script = (j: Job) => j.steps.map((s) => s.run ?? "").join("\n");

Deno.test("release workflow: tags, Deno 2.9.6, existing tasks, both targets, smoke runs, checksums", async (t) => {
  if (!prereq(t.name, hasYaml(), "needs python3 with PyYAML (apt-get install python3-yaml)")) return;
  const wf = await loadWorkflow();
  // YAML 1.1 reads the key `on` as true.
  const on = (wf.on ?? wf["true"]) as { push?: { tags?: string[] } };
  assert.ok(on?.push?.tags?.some((tag) => tag.startsWith("v")), "must run on version tags");

  const jobs = wf.jobs as Record<string, Job>;
  const tasks = Object.keys(JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks);
  for (const [name, job] of Object.entries(jobs)) {
    for (const m of script(job).matchAll(/deno task ([\w:-]+)/g)) {
      assert.ok(tasks.includes(m[1]), `job ${name} calls "deno task ${m[1]}", which deno.json does not define`);
    }
    if (/deno /.test(script(job))) {
      const setup = job.steps.find((s) => s.uses?.startsWith("denoland/setup-deno@"));
      assert.equal(setup?.with?.["deno-version"], "v2.9.6", `job ${name} must pin Deno 2.9.6`);
    }
    for (const need of needsOf(job)) assert.ok(need in jobs, `job ${name} needs unknown job ${need}`);
  }

  const byRun = (re: RegExp) => Object.entries(jobs).filter(([, j]) => re.test(script(j)));
  const [testJob] = byRun(/deno task test\b/);
  assert.ok(testJob, "no job runs the tests");
  const [compileJob] = byRun(/deno task compile(?!\s+--target)/);
  assert.ok(compileJob, "no job runs deno task compile for every target");
  assert.ok(needsOf(compileJob[1]).includes(testJob[0]), "compile must wait for the tests");
  const uploaded = JSON.stringify(compileJob[1].steps);
  for (const file of Object.values(TARGETS)) {
    assert.ok(uploaded.includes(file), `compile job does not upload ${file}`);
    assert.ok(uploaded.includes(`${file}.sha256`), `compile job does not upload ${file}.sha256`);
  }

  const smoke: string[] = [];
  for (
    const [os, file] of [["windows", TARGETS["x86_64-pc-windows-msvc"]], [
      "ubuntu",
      TARGETS["x86_64-unknown-linux-gnu"],
    ]]
  ) {
    const jobsForOs = Object.entries(jobs).filter(([, j]) => j["runs-on"].startsWith(os));
    const runner = jobsForOs.find(([, j]) => {
      const s = script(j);
      return s.includes(`${file} version`) && new RegExp(`${file.replace(/\./g, "\\.")} replay \\S+demo`).test(s);
    });
    assert.ok(runner, `no ${os} job smoke-runs ${file} (version and replay of the demo capture)`);
    assert.ok(needsOf(runner[1]).includes(compileJob[0]), `${runner[0]} must use the compiled binaries`);
    smoke.push(runner[0]);
  }
  const publish = Object.entries(jobs).find(([, j]) => /gh release create/.test(script(j)));
  assert.ok(publish, "no job publishes the release");
  for (const s of smoke) assert.ok(needsOf(publish[1]).includes(s), `publish must wait for ${s}`);
  assert.match(script(publish[1]), /sha256|SHA256SUMS/, "publish must ship checksums");
});
