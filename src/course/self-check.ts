import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LessonResult } from "../checks/results.ts";
import { findQuiz, quizStepSlugs, quizWiringProblems } from "../quiz/lesson-quiz.ts";
import type { Out } from "../report/pretty.ts";
import { createStyle } from "../report/style.ts";
import { removeTempDir } from "../runner/teardown.ts";
import { carryOver } from "./carry-over.ts";
import {
  failsAtProblems,
  hintLevelProblems,
  importChecker,
  skeletonProblems,
  starterEditProblems,
  stepsSectionProblems,
} from "./course-lint.ts";
import { type Fixture, listFixtures, materialiseFixture } from "./fixtures.ts";
import { historyProblems } from "./history/verify.ts";
import { numberedRefProblems } from "./lesson-refs.ts";
import {
  type Course,
  courseOf,
  isAvailable,
  type Lesson,
  loadChecker,
  loadCourse,
} from "./manifest.ts";
import { nextSectionProblems } from "./next-section.ts";
import { checkLesson } from "./run-lessons.ts";
import { taskListProblems } from "./task-lint.ts";
import { courseTreeDirs, typecheckTrees } from "./typecheck-trees.ts";
import { filesOf, materialise } from "./workspace.ts";

export { listFixtures, materialise };

/** Time a lesson's check may take on its reference solution unless its checker says otherwise (ms). */
export const DEFAULT_BUDGET = 5000;

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

/** Checks `lesson` against a private copy made by `make`, removed afterwards. */
async function onCopy(
  lesson: Lesson,
  make: () => Promise<string>,
  env?: NodeJS.ProcessEnv,
): Promise<LessonResult> {
  const dir = await make();
  try {
    return await runQuiet(lesson, dir, env);
  } finally {
    await removeTempDir(dir);
  }
}

/** `lesson`'s checker against a private copy of `solutionOf`'s reference solution. */
export function checkSolution(
  lesson: Lesson,
  solutionOf: Lesson = lesson,
  env?: NodeJS.ProcessEnv,
) {
  return onCopy(lesson, () => materialise(solutionOf.solutionDir), env);
}

/** `lesson`'s checker against a private copy of its starter. */
export function checkStarter(lesson: Lesson, env?: NodeJS.ProcessEnv) {
  return onCopy(lesson, () => materialise(lesson.starterDir), env);
}

/** `lesson`'s checker against its solution with `fixture` applied. */
export function checkFixture(lesson: Lesson, fixture: Fixture, env?: NodeJS.ProcessEnv) {
  return onCopy(lesson, () => materialiseFixture(lesson, fixture), env);
}

/**
 * A learner who carries their work into `lesson`: the previous lesson's solution with
 * this lesson's edits merged in, as `npm run lesson` does it. Resolves to the check's
 * result and the merge's conflicts (there should be none: the learner's files are the base).
 */
export async function checkCarriedOver(
  course: Course,
  lesson: Lesson,
  env?: NodeJS.ProcessEnv,
): Promise<{ result: LessonResult; conflicts: string[] }> {
  const prev = course.lessons[course.lessons.findIndex((l) => l.slug === lesson.slug) - 1];
  let conflicts: string[] = [];
  const result = await onCopy(
    lesson,
    async () => {
      const dir = await materialise(prev.solutionDir);
      const carried = await carryOver(dir, course, prev, lesson);
      conflicts = carried.conflicts.map((c) => c.file);
      return dir;
    },
    env,
  );
  return { result, conflicts };
}

/** True when a check got past starting the learner's server (it failed at a lesson step). */
export function failedAfterStart(result: LessonResult): boolean {
  const at = firstFailure(result);
  return (
    result.status === "fail" &&
    at !== undefined &&
    at !== "server-starts" &&
    !at.startsWith("error:")
  );
}

/** Static problems of a lesson's folders: missing parts, starters without TODO markers, malformed checkers, stale step lists. */
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
    // A stub says TODO(<slug>); a knowledge check's answers file holds "TODO" answers.
    const answers = join("answers", `${lesson.slug}.json`);
    const marked = await Promise.all(
      (await filesOf(lesson.starterDir))
        .filter((f) => f.endsWith(".ts") || f === answers)
        .map(async (f) => {
          const text = await readFile(join(lesson.starterDir, f), "utf8");
          return f === answers ? text.includes('"TODO"') : text.includes(`TODO(${lesson.slug})`);
        }),
    );
    if (!marked.some(Boolean))
      problems.push(
        `the starter has no TODO(${lesson.slug}) marker (nor a "TODO" answer in ${answers})`,
      );
  } else problems.push(`missing starter: ${lesson.starterDir}`);
  if (hasServer && !existsSync(join(lesson.solutionDir, "src", "server.ts")))
    problems.push(`missing solution: ${lesson.solutionDir}`);
  problems.push(
    ...skeletonProblems(lesson),
    ...starterEditProblems(lesson),
    ...taskListProblems(lesson),
    ...nextSectionProblems(courseOf(lesson), lesson),
  );
  let fixtures: Fixture[] = [];
  try {
    fixtures = listFixtures(lesson);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (existsSync(lesson.checkFile)) {
    try {
      // the step list is generated from the titles as written, before references are rendered
      const checker = await importChecker(lesson);
      problems.push(...stepsSectionProblems(lesson, checker));
      problems.push(...failsAtProblems(lesson, checker, fixtures));
      const quiz = findQuiz(lesson.dir, courseOf(lesson));
      const quizSlugs = quizStepSlugs(quiz);
      problems.push(...hintLevelProblems(checker, quizSlugs));
      problems.push(...quizWiringProblems(lesson.dir, checker, quiz));
    } catch (error) {
      problems.push(
        `checker: ${(error as Error).message} ${((error as { details?: string[] }).details ?? []).join("; ")}`,
      );
    }
  }
  if (hasServer && fixtures.length < 4)
    problems.push(`only ${fixtures.length} broken-server fixtures (4 or more wanted)`);
  return problems;
}

/** Problems of the course as a whole: manifest and folders, numbered references, the history, the trees' types. */
export async function courseWideProblems(course: Course): Promise<string[]> {
  return [
    ...courseProblems(course),
    ...numberedRefProblems(course),
    ...(await historyProblems(course)),
    ...(await typecheckTrees(course.root, courseTreeDirs(course))),
  ];
}

/** Problems of the course as a whole: manifest entries and folders that do not agree. */
export function courseProblems(course: Course): string[] {
  const problems: string[] = [];
  const known = new Set(course.lessons.map((l) => l.id));
  for (const dir of readdirSync(join(course.root, "lessons"), { withFileTypes: true })) {
    if (dir.isDirectory() && !known.has(dir.name))
      problems.push(`lessons/${dir.name} is not in lessons/manifest.json`);
  }
  for (const base of ["solutions", join("test", "fixtures")]) {
    const dir = join(course.root, base);
    for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      if (
        entry.isDirectory() &&
        !known.has(entry.name) &&
        !["malicious", "supervisor"].includes(entry.name)
      )
        problems.push(`${base}/${entry.name} matches no lesson in the manifest`);
    }
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

/**
 * `labs dev check`: the course as a whole, then every part of every available lesson:
 * `repeat` runs of its solution, its starter, a carried-over learner, each fixture, and
 * the final solution against the lesson's checker (with `forward`, every later solution).
 */
export async function selfCheck(opts: {
  repeat?: number;
  lessons?: string;
  forward?: boolean;
  out: Out;
  env?: NodeJS.ProcessEnv;
  color?: boolean;
}): Promise<SelfCheckReport> {
  const s = createStyle(Boolean(opts.color));
  const course = loadCourse();
  const wanted = opts.lessons?.split(",").map((x) => x.trim());
  const lessons = course.lessons.filter(
    (l) =>
      isAvailable(l) && (!wanted || wanted.includes(String(l.number)) || wanted.includes(l.slug)),
  );
  const problems: string[] = [];
  const say = (ok: boolean, text: string) => {
    opts.out.write(`  ${ok ? s.green(s.ok) : s.red(s.bad)} ${text}\n`);
    if (!ok) problems.push(text);
  };
  opts.out.write(`${s.bold("The course")}\n`);
  const t0 = performance.now();
  const wide = await courseWideProblems(course);
  for (const p of wide) say(false, p);
  if (!wide.length)
    say(
      true,
      `manifest, references, history and types agree (${Math.round(performance.now() - t0)} ms)`,
    );
  const missing = course.lessons.filter((l) => !isAvailable(l));
  if (missing.length)
    opts.out.write(s.dim(`Not written yet: ${missing.map((l) => l.slug).join(", ")}\n`));
  const final = course.lessons.at(-1)!;
  const flakySteps = new Map<string, number>();
  let solutionRuns = 0;
  for (const lesson of lessons) {
    opts.out.write(`\n${s.bold(`Lesson ${lesson.number} · ${lesson.title} (${lesson.slug})`)}\n`);
    for (const p of await staticProblems(lesson)) say(false, `${lesson.slug}: ${p}`);
    const checker = await loadChecker(lesson).catch(() => undefined);
    if (!checker || !existsSync(lesson.solutionDir)) continue;
    let flaky = 0;
    const repeat = Math.max(1, opts.repeat ?? 1);
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      solutionRuns++;
      const r = await checkSolution(lesson, lesson, opts.env);
      times.push(r.durationMs);
      if (r.status !== "pass") {
        flaky++;
        const at = `${lesson.slug}/${firstFailure(r) ?? "?"}`;
        flakySteps.set(at, (flakySteps.get(at) ?? 0) + 1);
        say(
          false,
          `${lesson.slug}: solution failed at ${firstFailure(r)} on run ${i + 1}: ${r.steps.find((x) => x.status !== "pass")?.message ?? r.error?.message}`,
        );
      }
    }
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    const budget = checker.budget ?? DEFAULT_BUDGET;
    if (median > budget)
      say(
        false,
        `${lesson.slug}: the check took ${median} ms on the solution, over its budget of ${budget} ms`,
      );
    opts.out.write(
      `  ${flaky === 0 ? s.green(s.ok) : s.red(s.bad)} solution passes ${repeat - flaky}/${repeat} (median ${median} ms)\n`,
    );
    const starter = await checkStarter(lesson, opts.env);
    say(
      starter.status === "fail",
      `starter fails (at ${firstFailure(starter) ?? "nothing: it passed"})`,
    );
    if (lesson !== course.lessons[0] && checker.server !== false) {
      const carried = await checkCarriedOver(course, lesson, opts.env);
      say(
        failedAfterStart(carried.result) && carried.conflicts.length === 0,
        `a learner carried over from the previous solution starts and fails (at ${firstFailure(carried.result) ?? "nothing: it passed"}${carried.conflicts.length ? `; conflicts in ${carried.conflicts.join(", ")}` : ""})`,
      );
    }
    for (const fx of listFixtures(lesson)) {
      let at: string | undefined;
      try {
        const r = await checkFixture(lesson, fx, opts.env);
        at = firstFailure(r);
        const skipped = r.steps.filter((x) => x.status === "skipped");
        // a skipped step (no browser could start) lets a fixture through: say so, it is not the checker's fault
        if (!at && skipped.length)
          at = `nothing, with ${skipped.map((x) => `${x.slug} skipped: ${x.message}`).join("; ")}`;
      } catch (error) {
        at = `not applied: ${(error as Error).message}`;
      }
      say(
        at === fx.failsAt,
        `fixture ${fx.name} fails at ${fx.failsAt}${at === fx.failsAt ? "" : ` (it ${at ? `failed at ${at}` : "passed"})`}`,
      );
    }
    const later = course.lessons.filter(
      (l) => l.number > lesson.number && (opts.forward || l === final),
    );
    for (const sol of later) {
      const r = await checkSolution(lesson, sol, opts.env);
      say(
        r.status === "pass",
        `the solution of ${sol.slug} passes this lesson's check${r.status === "pass" ? "" : ` (it failed at ${firstFailure(r)})`}`,
      );
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
