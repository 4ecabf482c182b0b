/**
 * GitHub Classroom's points. Classroom shows what the action
 * `classroom-resources/autograding-grading-reporter@v1` reports: it takes a
 * comma-separated list of runner ids (input `runners`), reads each runner's
 * result from the variable `<ID>_RESULTS` (base64 of a JSON document), prints a
 * table and writes "Points X/Y" to the run of the job named "Autograding Tests".
 * Here every graded lesson is one runner, `lesson_<slug>`, with one test.
 */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { LessonResult } from "../checks/results.ts";
import { ONE_POINT_EACH, type Points, pointsOf } from "../course/points.ts";
import { firstFailure, type Reporter, type RunSummary } from "./reporter.ts";

/** One test of a runner, as the grading reporter reads it. */
export interface ClassroomTest {
  name: string;
  status: "pass" | "fail" | "error";
  /** Points earned: the lesson's points when it passed, else 0. */
  score: number;
  message?: string;
  /** Always 0: the action prints " - line <n>" after a test's name unless it is 0. */
  line_no: number;
  /** Seconds. */
  duration: number;
}

/** A runner's result (version 1 of the autograding result format). */
export interface ClassroomResult {
  version: 1;
  status: "pass" | "fail" | "error";
  max_score: number;
  tests: ClassroomTest[];
}

/** classroom.json: the runner ids in lesson order and each runner's result. */
export interface ClassroomDocument {
  runners: string[];
  results: Record<string, ClassroomResult>;
}

/**
 * The runner id of a lesson: `lesson_<slug>` with underscores, so its variable
 * (`LESSON_SHORT_POLLING_RESULTS`) is a plain shell-safe name.
 */
export function runnerIdOf(lesson: { slug: string }): string {
  return `lesson_${lesson.slug.replaceAll("-", "_")}`;
}

/** The variable the action reads a runner's result from (it upper-cases the id exactly so). */
export function resultsVariableOf(runnerId: string): string {
  return `${runnerId.trim().toUpperCase()}_RESULTS`;
}

/** One lesson as a runner with one test named after it. */
export function toClassroomResult(lesson: LessonResult, points: number): ClassroomResult {
  const message = firstFailure(lesson);
  return {
    version: 1,
    status: lesson.status,
    max_score: points,
    tests: [
      {
        name: `Lesson ${lesson.number} · ${lesson.title}`,
        status: lesson.status,
        score: lesson.status === "pass" ? points : 0,
        ...(message ? { message } : {}),
        line_no: 0,
        duration: Math.round(lesson.durationMs) / 1000,
      },
    ],
  };
}

/** The runners of a run, in lesson order. */
export function toClassroom(
  summary: RunSummary,
  points: Points = ONE_POINT_EACH,
): ClassroomDocument {
  const runners = summary.lessons.map(runnerIdOf);
  const results: Record<string, ClassroomResult> = {};
  summary.lessons.forEach((l, i) => {
    results[runners[i]] = toClassroomResult(l, pointsOf(points, l.slug));
  });
  return { runners, results };
}

/** A result as the action wants it in its variable: base64 of the JSON. */
export function encodeResult(result: ClassroomResult): string {
  return Buffer.from(JSON.stringify(result), "utf8").toString("base64");
}

/**
 * Writes classroom.json and, under GitHub Actions (when `env` has GITHUB_ENV and
 * GITHUB_OUTPUT), hands the results to the job's later steps: `<ID>_RESULTS=…`
 * lines to the GITHUB_ENV file and `runners=…` to the GITHUB_OUTPUT file, for
 * `runners: ${{ steps.<grade step>.outputs.runners }}`. All of it at the end of
 * the run, after every learner process has ended.
 */
export class ClassroomReporter implements Reporter {
  constructor(private readonly opts: { file: string; env: NodeJS.ProcessEnv; points?: Points }) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    const doc = toClassroom(summary, this.opts.points);
    await mkdir(dirname(this.opts.file), { recursive: true });
    await writeFile(this.opts.file, `${JSON.stringify(doc, null, 2)}\n`);
    const { GITHUB_ENV, GITHUB_OUTPUT } = this.opts.env;
    if (GITHUB_ENV) {
      const lines = doc.runners.map(
        (id) => `${resultsVariableOf(id)}=${encodeResult(doc.results[id])}\n`,
      );
      await appendFile(GITHUB_ENV, lines.join(""));
    }
    if (GITHUB_OUTPUT) await appendFile(GITHUB_OUTPUT, `runners=${doc.runners.join(",")}\n`);
  }
}
