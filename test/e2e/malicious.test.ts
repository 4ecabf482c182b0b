import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Transcript } from "../../src/checks/transcript.ts";
import { findLesson, loadCourse } from "../../src/course/manifest.ts";
import { materialise } from "../../src/course/self-check.ts";
import { LearnerError } from "../../src/errors.ts";
import { createBuilder } from "../../src/runner/build.ts";
import { Cage } from "../../src/runner/cage.ts";
import { CHECK_TIMERS } from "../../src/runner/environment.ts";
import { Launcher } from "../../src/runner/launcher.ts";
import { portable } from "../../src/runner/platform.ts";
import { freePort } from "../../src/runner/ports.ts";
import { sandboxSupport } from "../../src/runner/sandbox.ts";
import { ROOT, runCli } from "../helpers/cli.ts";

/**
 * Grading runs code written by learners. Each malicious server below is built on
 * lesson 2's starter (so its honest grade is a fail) and must end in a failing
 * or error grade, with nothing forged: no secret in any report, reports written
 * only by the runner, checkers only from the runner's installation, no process
 * left behind, memory capped, ports not hijacked.
 */
const lesson2 = findLesson(loadCourse(), "2");
const lesson13 = findLesson(loadCourse(), "handling-disconnects");
/**
 * Where learner code runs in its own PID and mount namespaces, it can neither
 * see nor signal the runner, nor read its environment in /proc, nor write the
 * runner's installation. Attacks that would otherwise hit the machine running
 * the tests (killing every ancestor process) only run where that holds.
 */
const sandboxed = sandboxSupport().kind === "namespaces";
const probe = Cage.create(`probe-${randomUUID()}`);
/** Where the runner may create cgroups (Linux, root), the memory cap is exact and named. */
const cageAvailable = probe !== undefined;
await probe?.remove();
const MALICIOUS = join(ROOT, "test", "fixtures", "malicious");
const temps: string[] = [];

async function prepare(name: string) {
  const ws = await materialise(lesson2.starterDir, join(MALICIOUS, name));
  const out = await mkdtemp(join(tmpdir(), "labs-grade-out-"));
  temps.push(ws, out);
  return { ws, out };
}

async function gradeIt(
  ws: string,
  out: string,
  env: Record<string, string> = {},
  opts: { lesson?: string; root?: string } = {},
) {
  const run = await runCli(
    [
      "grade",
      "--workspace",
      ws,
      "--lessons",
      opts.lesson ?? "2",
      "--output",
      out,
      "--reporter",
      "plain,json,junit",
      "--jobs",
      "1",
    ],
    {
      env,
      timeout: 90_000,
      root: opts.root,
    },
  );
  const results = JSON.parse(await readFile(join(out, "results.json"), "utf8"));
  const junit = await readFile(join(out, "junit.xml"), "utf8");
  return { run, results, junit };
}

function processesMentioning(tag: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(tag)) found.push(Number(pid));
    } catch {}
  }
  return found.filter((p) => p !== process.pid);
}

afterEach(async () => {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("grading untrusted learner code", () => {
  it("keeps secrets of the grader's environment away from the learner's server", async () => {
    const { ws, out } = await prepare("env-secrets");
    const secret = `s3cret-${randomUUID()}`;
    const { run, results, junit } = await gradeIt(ws, out, {
      GITHUB_TOKEN: secret,
      LABS_TEST_SECRET: secret,
      CI: "true",
    });
    expect(run.code).toBe(1);
    expect(results.status).toBe("fail");
    for (const text of [run.stdout, run.stderr, JSON.stringify(results), junit])
      expect(text).not.toContain(secret);
  });

  it("writes its own reports over forged ones, after the learner's processes are gone", async () => {
    const { ws, out } = await prepare("forges-reports");
    await writeFile(join(ws, "target.txt"), out);
    const { run, results, junit } = await gradeIt(ws, out);
    expect(run.code).toBe(1);
    expect(results.status).toBe("fail");
    expect(results.lessons).toHaveLength(1);
    expect(results.score.lessons).toBe(1);
    expect(results.runner.name).toBe("realtime-labs");
    expect(junit).toMatch(/<failure /);
    expect(junit).not.toMatch(/forged/);
  });

  it("does not take fake verdict lines for a pass", async () => {
    const { ws, out } = await prepare("fake-pass-lines");
    const { run, results } = await gradeIt(ws, out);
    expect(run.code).toBe(1);
    expect(results.status).toBe("fail");
    for (const line of run.stdout.split("\n").filter((l) => /Lesson 2 passed|18 of 18/.test(l))) {
      expect(line).toMatch(/\[your server\]/);
    }
  });

  it("grades with the runner's own checker even when the server rewrites checker files", async () => {
    const { ws, out } = await prepare("rewrites-checker");
    const ours = join(ROOT, "lessons", "02-project-setup", "check.ts");
    const before = createHash("sha256").update(readFileSync(ours)).digest("hex");
    const { run, results } = await gradeIt(ws, out);
    expect(run.code).toBe(1);
    expect(results.status).toBe("fail");
    expect(results.lessons[0].steps.length).toBeGreaterThan(3);
    expect(createHash("sha256").update(readFileSync(ours)).digest("hex")).toBe(before);
    await rm(join(tmpdir(), "lessons"), { recursive: true, force: true });
  });

  it("reaps a child that left the group, the session and its environment", async (ctx) => {
    ctx.skip(
      portable(),
      "Linux only: such a child is held only by the cage (cgroups) or the sandbox (namespaces); without them it outlives the run",
    );
    const { ws, out } = await prepare("outlives-itself");
    const tag = `orphan-${randomUUID()}`;
    await writeFile(join(ws, "tag.txt"), tag);
    const { run } = await gradeIt(ws, out);
    expect(run.code).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    const left = processesMentioning(tag);
    for (const pid of left) process.kill(pid, "SIGKILL");
    expect(left).toEqual([]);
  });

  it("stops a server that eats memory without end", async () => {
    const { ws, out } = await prepare("eats-memory");
    const { run, results } = await gradeIt(ws, out, { LABS_MEMORY_MB: "300" });
    expect(run.code).toBe(1);
    const health = results.lessons[0].steps.find((s: { slug: string }) => s.slug === "health");
    expect(health.status).toBe("fail");
    expect(`${health.message}`).toMatch(
      cageAvailable ? /used more than 300 MiB of memory/ : /memory|did not finish|exited|killed/,
    );
  });

  it("does not take a squatter on a server's port for that server", async () => {
    const ws = await materialise(lesson2.starterDir, join(MALICIOUS, "squats-ports"));
    temps.push(ws);
    const port = await freePort();
    await writeFile(join(ws, "squat.txt"), String(port));
    const builder = createBuilder(ws);
    const launcher = new Launcher({
      builder,
      transcript: new Transcript(),
      timers: CHECK_TIMERS,
      readyTimeout: 3000,
    });
    try {
      await launcher.launch("server A");
      const error = await launcher.launch("server B", {}, { port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LearnerError);
      expect(["SERVER_PORT_TAKEN", "SERVER_EXITED"]).toContain((error as LearnerError).code);
    } finally {
      await launcher.stopAll();
      await builder.dispose();
    }
  });
});

/**
 * Lesson 13's checker drives the learner's client module. Each malicious module
 * below wraps the reference client but drops the jitter (so its honest grade is
 * a fail, at backoff-jitter-cap) and attacks the grader when it is loaded.
 */
async function prepareModule(name: string) {
  const ws = await materialise(lesson13.solutionDir);
  const client = join(ws, "src", "client");
  await rename(join(client, "reconnecting-socket.ts"), join(client, "honest-socket.ts"));
  await cp(join(MALICIOUS, name), ws, { recursive: true });
  const out = await mkdtemp(join(tmpdir(), "labs-grade-out-"));
  // the grader checks a private copy of the workspace: the module says what it found here
  const drop = await mkdtemp(join(tmpdir(), "labs-drop-"));
  await writeFile(join(ws, "drop.txt"), drop);
  temps.push(ws, out, drop);
  return { ws, out, drop };
}

function stepsOf(results: { lessons: { steps: { slug: string; status: string }[] }[] }) {
  return Object.fromEntries(results.lessons[0]!.steps.map((s) => [s.slug, s.status]));
}

/** A throwaway copy of the runner (its node_modules linked), for attacks on its files. */
async function runnerCopy(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "labs-runner-copy-"));
  temps.push(root);
  for (const part of ["bin", "src", "lessons", "packages", "package.json", "tsconfig.json"]) {
    await cp(join(ROOT, part), join(root, part), {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|\.labs)([\\/]|$)/.test(src),
    });
  }
  await symlink(join(ROOT, "node_modules"), join(root, "node_modules"), "dir");
  return root;
}

function sha(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

describe("grading untrusted learner modules (they run in a process of their own)", () => {
  it("forges nothing with patched globals, fake verdict lines, answers on the channel or report files", async () => {
    const { ws, out } = await prepareModule("module-forges-results");
    await writeFile(join(ws, "target.txt"), out);
    const { run, results, junit } = await gradeIt(ws, out, {}, { lesson: "13" });
    expect(run.code).toBe(1);
    expect(results.status).toBe("fail");
    expect(results.lessons).toHaveLength(1);
    expect(results.runner.name).toBe("realtime-labs");
    const steps = stepsOf(results);
    expect(steps["client-module"]).toBe("pass");
    expect(steps["backoff-jitter-cap"]).toBe("fail");
    expect(junit).toMatch(/<failure /);
    expect(junit).not.toMatch(/forged/);
    expect(JSON.stringify(results)).not.toMatch(/"forged"/);
    for (const line of run.stdout
      .split("\n")
      .filter((l) => /Lesson 13 passed|1 of 1 lessons passed/.test(l))) {
      expect(line).toMatch(/\[your client\]/);
    }
  });

  it("keeps the grader's secrets from a module, in its environment and in /proc", async () => {
    const { ws, out, drop } = await prepareModule("module-reads-secrets");
    const secret = `s3cret-${randomUUID()}`;
    const { run, results, junit } = await gradeIt(
      ws,
      out,
      { GITHUB_TOKEN: secret, LABS_TEST_SECRET: secret, CI: "true" },
      { lesson: "13" },
    );
    expect(run.code).toBe(1);
    expect(results.status).toBe("fail");
    const env = await readFile(join(drop, "env.txt"), "utf8");
    expect(env).toContain("PATH");
    expect(env).not.toContain(secret);
    for (const text of [run.stdout, run.stderr, JSON.stringify(results), junit])
      expect(text).not.toContain(secret);
    const proc = await readFile(join(drop, "proc.txt"), "utf8");
    // Outside the sandbox the runner's /proc entry is readable by the same user.
    if (sandboxed) expect(proc).not.toContain(secret);
  });

  it("cannot rewrite a checker, the runner's code or its packages", async () => {
    const root = await runnerCopy();
    const { ws, out, drop } = await prepareModule("module-rewrites-runner");
    const tag = randomUUID();
    await writeFile(join(ws, "tag.txt"), tag);
    const guarded = [
      join(root, "lessons", "13-handling-disconnects", "check.ts"),
      join(root, "src", "checks", "harness.ts"),
      join(root, "src", "runner", "child", "module-host.mjs"),
    ];
    const before = guarded.map(sha);
    const { run, results } = await gradeIt(ws, out, {}, { lesson: "13", root });
    expect(run.code).toBe(1);
    expect(results.status).toBe("fail");
    expect(stepsOf(results)["backoff-jitter-cap"]).toBe("fail");
    const dropped = join(ROOT, "node_modules", `.labs-${tag}`);
    const wrote = existsSync(dropped);
    await rm(dropped, { force: true });
    if (sandboxed) {
      const tried = await readFile(join(drop, "rewrites.txt"), "utf8");
      expect(tried).toContain(`EROFS ${guarded[0]}`);
      expect(guarded.map(sha)).toEqual(before);
      expect(wrote).toBe(false);
    }
  });

  it.runIf(sandboxed)(
    "survives a module that kills its ancestors and every process it can",
    async () => {
      const { ws, out } = await prepareModule("module-kills-runner");
      const { run, results } = await gradeIt(ws, out, {}, { lesson: "13" });
      expect(run.code).toBe(1);
      expect(results.status).toBe("fail");
      expect(results.lessons[0].steps.length).toBeGreaterThan(5);
    },
  );

  it.runIf(sandboxed)(
    "survives a server that kills its ancestors and every process it can",
    async () => {
      const { ws, out } = await prepare("kills-runner");
      const { run, results } = await gradeIt(ws, out);
      expect(run.code).toBe(1);
      expect(results.status).toBe("fail");
      expect(results.lessons[0].steps.length).toBeGreaterThan(3);
    },
  );
});
