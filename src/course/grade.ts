import { availableParallelism } from "node:os";
import type { LessonResult } from "../checks/results.ts";
import { LearnerError } from "../errors.ts";
import type { Reporter, RunSummary } from "../report/reporter.ts";
import { removeTempDir } from "../runner/teardown.ts";
import { type Course, isAvailable, type Lesson, loadChecker } from "./manifest.ts";
import { checkLesson, infoOf, summarise } from "./run-lessons.ts";
import { materialise } from "./workspace.ts";

/** Longest a single lesson may take when graded, whatever its steps say (ms). */
export const LESSON_GRADE_LIMIT = 180_000;

/** Which lessons `--lessons` names: `all` (every available one) or a comma list of numbers or slugs. */
export function selectLessons(course: Course, spec = "all"): Lesson[] {
  if (spec === "all") return course.lessons.filter(isAvailable);
  const wanted = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return wanted.map((w) => {
    const lesson = course.lessons.find((l) => String(l.number) === w || l.slug === w || l.id === w);
    if (!lesson || !isAvailable(lesson)) {
      throw new LearnerError("USAGE", `--lessons names "${w}", which is not an available lesson.`, {
        hint: "Give lesson numbers or slugs separated by commas, or `all`.",
      });
    }
    return lesson;
  });
}

/**
 * Grades lessons against a workspace, `jobs` at a time. Each lesson runs on its
 * own private copy of the workspace (so parallel builds never share files and
 * learner code cannot touch the original), with its own ports, database files
 * and Redis. The checkers always come from the runner's own installation.
 * Results come back in lesson order, and the reporters see them in that order.
 */
export async function grade(opts: {
  lessons: Lesson[];
  workspace: string;
  /** A workspace per lesson (grading reference solutions or starters); overrides `workspace`. */
  workspaceOf?: (lesson: Lesson) => string;
  jobs?: number;
  reporter: Reporter;
  /** Makes a reporter for one lesson's live output (buffered so parallel lessons do not interleave). */
  lessonReporter?: () => { reporter: Reporter; flush: () => void };
  env?: NodeJS.ProcessEnv;
}): Promise<RunSummary> {
  const t0 = performance.now();
  // Every checker is loaded before any learner code runs: a server that rewrites
  // checker files on disk cannot change what grades it.
  await Promise.all(opts.lessons.map((l) => loadChecker(l).catch(() => undefined)));
  const jobs = Math.max(1, Math.min(opts.jobs ?? availableParallelism(), opts.lessons.length));
  opts.reporter.onRunStart?.({ lessons: opts.lessons.map(infoOf), workspace: opts.workspace });
  const results: LessonResult[] = new Array(opts.lessons.length);
  const flushes: (() => void)[] = new Array(opts.lessons.length);
  let printed = 0;
  const printReady = () => {
    while (printed < opts.lessons.length && results[printed]) flushes[printed++]?.();
  };
  let next = 0;
  const worker = async () => {
    while (next < opts.lessons.length) {
      const i = next++;
      const lesson = opts.lessons[i];
      const own = opts.lessonReporter?.();
      // a private copy of the learner's files (not node_modules, not runner state)
      const dir = await materialise(opts.workspaceOf?.(lesson) ?? opts.workspace);
      try {
        results[i] = await withLimit(
          checkLesson(lesson, { workspace: dir, reporter: own?.reporter ?? {}, env: opts.env }),
          lesson,
        );
      } finally {
        await removeTempDir(dir);
      }
      flushes[i] = own?.flush ?? (() => {});
      printReady();
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  for (const r of results) opts.reporter.onLessonEnd?.(r);
  const summary = summarise(results, t0, opts.workspace);
  await opts.reporter.onRunEnd?.(summary);
  return summary;
}

async function withLimit(run: Promise<LessonResult>, lesson: Lesson): Promise<LessonResult> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<LessonResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ...infoOf(lesson),
          status: "error",
          durationMs: LESSON_GRADE_LIMIT,
          steps: [],
          error: {
            code: "GRADE_TIME_LIMIT",
            message: `Lesson ${lesson.number} did not finish grading within ${LESSON_GRADE_LIMIT / 1000} s.`,
          },
        }),
      LESSON_GRADE_LIMIT,
    );
  });
  try {
    return await Promise.race([run, limit]);
  } finally {
    clearTimeout(timer);
  }
}
