import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { LearnerError } from "../errors.ts";
import { type Course, loadCourse } from "./manifest.ts";

/**
 * Progress file, `<workspace>/.labs/progress.json`, format version 2. Lessons are
 * named by their slug, never by their number (numbers change when a lesson is
 * inserted or the lessons are reordered):
 *
 *   { "version": 2,
 *     "current": "event-types-and-ids",   // the lesson last opened with `labs lesson`
 *     "laid": "event-types-and-ids",      // the last lesson whose starter was laid into
 *                                         // (or merged into) this workspace
 *     "lessons": { "event-types-and-ids": { "passedAt": "2026-…Z", "runs": 12 } },
 *     "quiz": { "why-real-time-matters": { "passedAt": "…", "answers": { "q1": "b" } } } }
 *
 * `current`, `laid`, `quiz` and every `passedAt` are optional. Unknown fields, at the
 * top and inside entries, are kept as they are.
 *
 * Reading (`readProgress`):
 * - no file: empty progress;
 * - version 1 (the same shape keyed by lesson number, `"current": 7`): migrated in
 *   memory, numbers mapped to slugs with the current manifest, numbers the manifest
 *   does not know dropped, `laid` taken from `current`; the next write stores version 2;
 * - a version newer than 2: refused with a `PROGRESS_NEWER` LearnerError, and the
 *   file is never rewritten (`writeProgress` refuses too);
 * - an unreadable file (not JSON, not an object, a version that is not a number):
 *   read as empty progress; the next write first moves it to
 *   `progress.json.bad-<stamp>`, so nothing is overwritten silently.
 */
export interface Progress {
  version: 2;
  /** Slug of the lesson last opened with `labs lesson`. */
  current?: string;
  /** Slug of the last lesson whose starter was laid into (or merged into) this workspace. */
  laid?: string;
  /** Check runs by lesson slug. */
  lessons: Record<string, LessonProgress>;
  /** Knowledge checks by lesson slug. */
  quiz?: Record<string, QuizProgress>;
  /** Fields this runner does not know are kept. */
  [field: string]: unknown;
}

/** One lesson's check runs. */
export interface LessonProgress {
  passedAt?: string;
  runs: number;
  [field: string]: unknown;
}

/** One lesson's knowledge check, as last recorded. */
export interface QuizProgress {
  passedAt?: string;
  answers: Record<string, string>;
  [field: string]: unknown;
}

/** The format version this runner writes. */
export const PROGRESS_VERSION = 2;

/** A lesson as the progress file names it: its slug, or anything with a slug (a `Lesson`). */
export type LessonRef = string | { slug: string };

/** The slug of a lesson reference. */
export function slugOf(lesson: LessonRef): string {
  return typeof lesson === "string" ? lesson : lesson.slug;
}

/** Where a workspace keeps its progress. */
export function progressFile(workspace: string): string {
  return join(workspace, ".labs", "progress.json");
}

function emptyProgress(): Progress {
  return { version: PROGRESS_VERSION, lessons: {} };
}

/** What is on disk: nothing, a JSON object with a numeric (or no) version, or something unreadable. */
type OnDisk =
  | { kind: "missing" }
  | { kind: "corrupt" }
  | { kind: "data"; version: number; data: Record<string, unknown> };

function inspect(file: string): OnDisk {
  if (!existsSync(file)) return { kind: "missing" };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return { kind: "corrupt" };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { kind: "corrupt" };
  const record = data as Record<string, unknown>;
  // Version 1 files were always written with "version": 1; a file without one is read as version 1.
  const version = record.version === undefined ? 1 : record.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1)
    return { kind: "corrupt" };
  return { kind: "data", version, data: record };
}

function newerVersion(file: string, version: number): LearnerError {
  return new LearnerError(
    "PROGRESS_NEWER",
    `Your progress file ${file} has format version ${version}; this runner knows versions up to ${PROGRESS_VERSION}.`,
    {
      hint: "A newer version of realtime-labs wrote it. Update the runner (git pull && npm install) and run the command again; the file was left as it is.",
    },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads progress. A missing file gives empty progress, a version 1 file is migrated
 * (see the format above), an unreadable one reads as empty progress.
 * Throws a `PROGRESS_NEWER` LearnerError for a file from a newer runner.
 * `course` (default: the runner's manifest) maps version 1 lesson numbers to slugs.
 */
export function readProgress(workspace: string, course?: Course): Progress {
  const file = progressFile(workspace);
  const found = inspect(file);
  if (found.kind !== "data") return emptyProgress();
  if (found.version > PROGRESS_VERSION) throw newerVersion(file, found.version);
  const data = found.version === 1 ? migrateV1(found.data, course ?? loadCourse()) : found.data;
  return {
    ...data,
    version: PROGRESS_VERSION,
    lessons: isRecord(data.lessons) ? (data.lessons as Progress["lessons"]) : {},
  } as Progress;
}

/**
 * A version 1 progress object (keyed by lesson number) as version 2 (keyed by slug),
 * using `course` to map numbers to slugs. Numbers `course` does not know are dropped;
 * `laid` is taken from `current`; other fields are kept.
 */
export function migrateV1(data: Record<string, unknown>, course: Course): Record<string, unknown> {
  const slugs = new Map(course.lessons.map((l) => [l.number, l.slug]));
  const slugOfNumber = (value: unknown): string | undefined => {
    const text = typeof value === "number" ? String(value) : value;
    return typeof text === "string" && /^\d+$/.test(text) ? slugs.get(Number(text)) : undefined;
  };
  const rekey = (table: unknown): Record<string, unknown> | undefined => {
    if (!isRecord(table)) return undefined;
    const entries: [string, unknown][] = [];
    for (const [key, value] of Object.entries(table)) {
      if (/^\d+$/.test(key)) {
        const slug = slugOfNumber(key);
        if (slug) entries.push([slug, value]);
      } else entries.push([key, value]);
    }
    return Object.fromEntries(entries);
  };
  const { current, lessons, quiz, laid: _laid, ...rest } = data;
  const currentSlug = slugOfNumber(current);
  const out: Record<string, unknown> = { ...rest, version: PROGRESS_VERSION };
  if (currentSlug) {
    out.current = currentSlug;
    out.laid = currentSlug;
  }
  out.lessons = rekey(lessons) ?? {};
  const quizzes = rekey(quiz);
  if (quizzes) out.quiz = quizzes;
  return out;
}

/**
 * Writes progress atomically (temp file, then rename) as version 2. Refuses (throws
 * `PROGRESS_NEWER`) to replace a file from a newer runner. An unreadable file is first
 * moved to `progress.json.bad-<stamp>`; its path is returned then.
 */
export async function writeProgress(
  workspace: string,
  progress: Progress,
): Promise<string | undefined> {
  const file = progressFile(workspace);
  const found = inspect(file);
  if (found.kind === "data" && found.version > PROGRESS_VERSION)
    throw newerVersion(file, found.version);
  await mkdir(dirname(file), { recursive: true });
  let backup: string | undefined;
  if (found.kind === "corrupt") {
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    backup = `${file}.bad-${stamp}`;
    if (existsSync(backup)) backup = `${backup}-${process.pid}`;
    await rename(file, backup);
  }
  const { version: _version, ...rest } = progress;
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ version: PROGRESS_VERSION, ...rest }, null, 2)}\n`);
  await rename(tmp, file);
  return backup;
}

/** Records one check run of `lesson`, and its pass. */
export async function recordRun(
  workspace: string,
  lesson: LessonRef,
  passed: boolean,
): Promise<Progress> {
  const slug = slugOf(lesson);
  const progress = readProgress(workspace);
  const entry = progress.lessons[slug] ?? { runs: 0 };
  entry.runs = (typeof entry.runs === "number" ? entry.runs : 0) + 1;
  if (passed && !entry.passedAt) entry.passedAt = new Date().toISOString();
  progress.lessons[slug] = entry;
  await writeProgress(workspace, progress);
  return progress;
}

/** True when `lesson` has passed in this workspace. */
export function hasPassed(progress: Progress, lesson: LessonRef): boolean {
  return Boolean(progress.lessons[slugOf(lesson)]?.passedAt);
}

/** Where the last result of a lesson is kept: `.labs/last/<slug>.json`. */
export function lastResultFile(workspace: string, lesson: LessonRef): string {
  return join(workspace, ".labs", "last", `${slugOf(lesson)}.json`);
}

/** Keeps the last result of a lesson in the workspace, so `labs hint` knows where the learner is stuck. */
export async function saveLastResult(workspace: string, result: { slug: string }): Promise<void> {
  const file = lastResultFile(workspace, result);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** The last saved result of `lesson`, if any. */
export function readLastResult<T>(workspace: string, lesson: LessonRef): T | undefined {
  try {
    return JSON.parse(readFileSync(lastResultFile(workspace, lesson), "utf8")) as T;
  } catch {
    return undefined;
  }
}
