import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LessonResult } from "../checks/results.ts";
import type { Out } from "../report/pretty.ts";
import { createStyle } from "../report/style.ts";
import { type Course, isAvailable, type Lesson, loadChecker, loadCourse } from "./manifest.ts";
import { checkLesson } from "./run-lessons.ts";
import { filesOf, materialise } from "./workspace.ts";

export { materialise };

/** Time a lesson's check may take on its reference solution unless its checker says otherwise (ms). */
export const DEFAULT_BUDGET = 5000;

/** A broken learner server kept as an overlay on a lesson's solution. */
export interface Fixture {
  name: string;
  dir: string;
  /** The step slug at which the checker must reject it. */
  failsAt: string;
  about: string;
}

/** The fixtures of a lesson (`test/fixtures/NN-slug/<name>/fixture.json` + overlay files). */
export function listFixtures(lesson: Lesson): Fixture[] {
  if (!existsSync(lesson.fixturesDir)) return [];
  return readdirSync(lesson.fixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(lesson.fixturesDir, d.name, "fixture.json")))
    .map((d) => {
      const dir = join(lesson.fixturesDir, d.name);
      const meta = JSON.parse(readFileSync(join(dir, "fixture.json"), "utf8")) as {
        failsAt: string;
        about: string;
      };
      return { name: d.name, dir, ...meta };
    });
}

/** Checks `lesson` against a folder, quietly. */
export async function runQuiet(
  lesson: Lesson,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LessonResult> {
  return checkLesson(lesson, { workspace, reporter: {}, env });
}

/** The slug of the first step that did not pass, if any. */
export function firstFailure(result: LessonResult): string | undefined {
  return result.error
    ? `error:${result.error.code}`
    : result.steps.find((s) => s.status === "fail" || s.status === "error")?.slug;
}

/** Static problems of a lesson's folders: missing parts, starters without TODO markers, malformed checkers. */
export async function staticProblems(lesson: Lesson): Promise<string[]> {
  const problems: string[] = [];
  for (const [what, path] of [
    ["lesson text", lesson.lessonFile],
    ["checker", lesson.checkFile],
  ] as const) {
    if (!existsSync(path)) problems.push(`missing ${what}: ${path}`);
  }
  const hasServer = existsSync(join(lesson.starterDir, "src", "server.ts"));
  if (existsSync(lesson.starterDir)) {
    const sources = (await filesOf(lesson.starterDir)).filter(
      (f) => f.endsWith(".ts") || /^answers[\\/].*\.json$/.test(f),
    );
    const texts = await Promise.all(
      sources.map((f) => readFile(join(lesson.starterDir, f), "utf8")),
    );
    if (!texts.some((t) => t.includes("TODO"))) problems.push("the starter has no TODO marker");
  } else problems.push(`missing starter: ${lesson.starterDir}`);
  if (hasServer && !existsSync(join(lesson.solutionDir, "src", "server.ts")))
    problems.push(`missing solution: ${lesson.solutionDir}`);
  if (existsSync(lesson.checkFile)) {
    try {
      await loadChecker(lesson);
    } catch (error) {
      problems.push(
        `checker: ${(error as Error).message} ${((error as { details?: string[] }).details ?? []).join("; ")}`,
      );
    }
  }
  if (hasServer && listFixtures(lesson).length < 4)
    problems.push(`only ${listFixtures(lesson).length} broken-server fixtures (4 or more wanted)`);
  return problems;
}

/** Problems of the course as a whole: manifest entries and folders that do not agree. */
export function courseProblems(course: Course): string[] {
  const problems: string[] = [];
  const known = new Set(course.lessons.map((l) => l.id));
  for (const dir of readdirSync(join(course.root, "lessons"), { withFileTypes: true })) {
    if (dir.isDirectory() && !known.has(dir.name))
      problems.push(`lessons/${dir.name} is not in lessons/manifest.json`);
  }
  for (const dir of existsSync(join(course.root, "solutions"))
    ? readdirSync(join(course.root, "solutions"))
    : []) {
    if (!known.has(dir)) problems.push(`solutions/${dir} matches no lesson in the manifest`);
  }
  course.lessons.forEach((l, i) => {
    if (l.number !== i + 1)
      problems.push(`lesson ${l.slug} is numbered ${l.number}, expected ${i + 1}`);
  });
  return problems;
}

/** What `selfCheck` found. */
export interface SelfCheckReport {
  ok: boolean;
  problems: string[];
}

/** `labs dev check`: every part of every available lesson, with `repeat` runs of each solution. */
export async function selfCheck(opts: {
  repeat?: number;
  lessons?: string;
  out: Out;
  env?: NodeJS.ProcessEnv;
  color?: boolean;
}): Promise<SelfCheckReport> {
  const s = createStyle(Boolean(opts.color));
  const course = loadCourse();
  const wanted = opts.lessons?.split(",").map((x) => Number(x.trim()));
  const lessons = course.lessons.filter(
    (l) => isAvailable(l) && (!wanted || wanted.includes(l.number)),
  );
  const problems = courseProblems(course);
  const missing = course.lessons.filter((l) => !isAvailable(l));
  if (missing.length)
    opts.out.write(s.dim(`Not written yet: ${missing.map((l) => l.number).join(", ")}\n`));
  const say = (ok: boolean, text: string) => {
    opts.out.write(`  ${ok ? s.green(s.ok) : s.red(s.bad)} ${text}\n`);
    if (!ok) problems.push(text);
  };
  const flakySteps = new Map<string, number>();
  let solutionRuns = 0;
  for (const lesson of lessons) {
    opts.out.write(`\n${s.bold(`Lesson ${lesson.number} · ${lesson.title}`)}\n`);
    for (const p of await staticProblems(lesson)) say(false, `lesson ${lesson.number}: ${p}`);
    const checker = await loadChecker(lesson).catch(() => undefined);
    if (!checker) continue;
    // A lesson without a server (a knowledge check) has a solution folder without src/server.ts.
    const serverless = checker.server === false && existsSync(lesson.solutionDir);
    if (!serverless && !existsSync(join(lesson.solutionDir, "src", "server.ts"))) continue;
    let flaky = 0;
    const repeat = Math.max(1, opts.repeat ?? 1);
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      solutionRuns++;
      const dir = await materialise(lesson.solutionDir);
      try {
        const r = await runQuiet(lesson, dir, opts.env);
        times.push(r.durationMs);
        if (r.status !== "pass") {
          flaky++;
          const at = firstFailure(r) ?? "?";
          flakySteps.set(
            `${lesson.number}/${at}`,
            (flakySteps.get(`${lesson.number}/${at}`) ?? 0) + 1,
          );
          problems.push(
            `lesson ${lesson.number}: solution failed at ${firstFailure(r)} on run ${i + 1}: ${r.steps.find((x) => x.status !== "pass")?.message ?? r.error?.message}`,
          );
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    const budget = checker.budget ?? DEFAULT_BUDGET;
    if (median > budget)
      problems.push(
        `lesson ${lesson.number}: the check took ${median} ms on the solution, over its budget of ${budget} ms`,
      );
    opts.out.write(
      `  ${flaky === 0 ? s.green(s.ok) : s.red(s.bad)} solution passes ${repeat - flaky}/${repeat} (median ${median} ms)\n`,
    );
    const starter = await materialise(lesson.starterDir);
    try {
      const r = await runQuiet(lesson, starter, opts.env);
      say(r.status === "fail", `starter fails (at ${firstFailure(r) ?? "nothing: it passed"})`);
    } finally {
      await rm(starter, { recursive: true, force: true });
    }
    for (const fx of listFixtures(lesson)) {
      const dir = await materialise(lesson.solutionDir, fx.dir);
      try {
        const r = await runQuiet(lesson, dir, opts.env);
        const at = firstFailure(r);
        say(
          at === fx.failsAt,
          `fixture ${fx.name} fails at ${fx.failsAt}${at === fx.failsAt ? "" : ` (it ${at ? `failed at ${at}` : "passed"})`}`,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  const flakyList = [...flakySteps].map(([step, n]) => `${step} (${n}×)`).join(", ");
  opts.out.write(
    `\nSolution runs: ${solutionRuns}; steps that failed on a solution: ${flakyList || "none"}.`,
  );
  opts.out.write(
    `\n${problems.length === 0 ? s.green("The course checks out.") : s.red(`${problems.length} problem(s).`)}\n`,
  );
  return { ok: problems.length === 0, problems };
}
