import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Progress file, `<workspace>/.labs/progress.json`, format version 1:
 *
 *   { "version": 1,
 *     "current": 7,                       // the lesson last opened with `labs lesson`
 *     "lessons": { "7": { "passedAt": "2026-…Z", "runs": 12 } },
 *     "quiz": { "1": { "passedAt": "…", "answers": { "q1": "b" } } } }
 *
 * Unknown fields are kept; a file from a newer version is read but not rewritten.
 */
export interface Progress {
  version: 1;
  current?: number;
  lessons: Record<string, { passedAt?: string; runs: number }>;
  quiz?: Record<string, { passedAt?: string; answers: Record<string, string> }>;
}

/** Where a workspace keeps its progress. */
export function progressFile(workspace: string): string {
  return join(workspace, ".labs", "progress.json");
}

/** Reads progress; a missing or unreadable file gives empty progress. */
export function readProgress(workspace: string): Progress {
  const file = progressFile(workspace);
  if (!existsSync(file)) return { version: 1, lessons: {} };
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as Progress;
    return { ...data, version: 1, lessons: data.lessons ?? {} };
  } catch {
    return { version: 1, lessons: {} };
  }
}

/** Writes progress atomically (temp file, then rename). */
export async function writeProgress(workspace: string, progress: Progress): Promise<void> {
  const file = progressFile(workspace);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(progress, null, 2)}\n`);
  await rename(tmp, file);
}

/** Records one check run of `lesson`, and its pass. */
export async function recordRun(
  workspace: string,
  lesson: number,
  passed: boolean,
): Promise<Progress> {
  const progress = readProgress(workspace);
  const entry = progress.lessons[lesson] ?? { runs: 0 };
  entry.runs += 1;
  if (passed && !entry.passedAt) entry.passedAt = new Date().toISOString();
  progress.lessons[lesson] = entry;
  await writeProgress(workspace, progress);
  return progress;
}

/** True when `lesson` has passed in this workspace. */
export function hasPassed(progress: Progress, lesson: number): boolean {
  return Boolean(progress.lessons[lesson]?.passedAt);
}

/** Keeps the last result of a lesson in the workspace, so `labs hint` knows where the learner is stuck. */
export async function saveLastResult(workspace: string, result: { number: number }): Promise<void> {
  const file = join(workspace, ".labs", "last", `${result.number}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** The last saved result of `lesson`, if any. */
export function readLastResult<T>(workspace: string, lesson: number): T | undefined {
  const file = join(workspace, ".labs", "last", `${lesson}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}
