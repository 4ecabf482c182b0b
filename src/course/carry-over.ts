import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isLearnerError } from "../errors.ts";
import type { Course, Lesson } from "./manifest.ts";
import { conflictHunks, mergeText } from "./merge-file.ts";
import { backupWorkspace, filesOf, prepareWorkspace } from "./workspace.ts";

/** A file whose lesson edit met the learner's own edit of the same lines. */
export interface CarryConflict {
  file: string;
  lesson: string;
  hunks: number;
  /** What the lesson text says about this file, so the learner knows what the edit is for. */
  words: string;
}

/** What carrying a workspace forward did. */
export interface CarryResult {
  /** Files the lessons changed that the learner also has: the lessons' edits merged in. */
  merged: string[];
  /** New files of the lessons, copied in. */
  added: string[];
  /** Files the lessons delete that the learner never changed. */
  removed: string[];
  conflicts: CarryConflict[];
  /** Where the workspace was backed up before any file was changed. */
  backup?: string;
  /** Set when the edits could not be merged (no git): the files they touch. */
  notMerged?: string[];
}

/** A lesson's place in the course, by slug (lesson objects of two loads of the manifest differ). */
const indexOf = (course: Course, lesson: Lesson) =>
  course.lessons.findIndex((l) => l.slug === lesson.slug);

const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : undefined);

/**
 * Brings a learner's workspace from lesson `from` to lesson `to`: for each lesson
 * in between, the change from the previous solution to that lesson's starter is
 * three-way merged into the learner's files (base: the previous solution), new
 * files are added, and conflicts are left as standard conflict markers. The
 * workspace is backed up first whenever an existing file is to change.
 */
export async function carryOver(
  workspace: string,
  course: Course,
  from: Lesson,
  to: Lesson,
): Promise<CarryResult> {
  const result: CarryResult = { merged: [], added: [], removed: [], conflicts: [] };
  const steps = course.lessons.slice(indexOf(course, from) + 1, indexOf(course, to) + 1);
  for (const lesson of steps) {
    const prev = course.lessons[indexOf(course, lesson) - 1];
    const files = new Set([
      ...(await filesOf(prev.solutionDir)),
      ...(await filesOf(lesson.starterDir)),
    ]);
    for (const file of [...files].sort()) {
      const base = read(join(prev.solutionDir, file));
      const theirs = read(join(lesson.starterDir, file));
      const target = join(workspace, file);
      const ours = read(target);
      if (base === theirs || ours === theirs) continue;
      if (ours === undefined) {
        if (theirs === undefined) continue;
        await writeNew(target, theirs);
        result.added.push(file);
        continue;
      }
      result.backup ??= await backupWorkspace(workspace, `before-${lesson.slug}-merge`);
      if (theirs === undefined) {
        if (ours === base) {
          await rm(target);
          result.removed.push(file);
        }
        continue;
      }
      let merged: { text: string; conflicts: number };
      try {
        merged = mergeText(ours, base ?? "", theirs, [
          "your work",
          `solution of ${prev.slug}`,
          `starter of ${lesson.slug}`,
        ]);
      } catch (error) {
        if (!isLearnerError(error) || error.code !== "NO_GIT") throw error;
        result.notMerged = [...(result.notMerged ?? []), file];
        continue;
      }
      await writeFile(target, merged.text);
      result.merged.push(file);
      if (merged.conflicts) {
        result.conflicts.push({
          file,
          lesson: lesson.slug,
          hunks: conflictHunks(merged.text).length || merged.conflicts,
          words: lessonWords(lesson, file),
        });
      }
    }
  }
  return result;
}

async function writeNew(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** The first paragraph or list item of the lesson text that names `file`. */
export function lessonWords(lesson: Lesson, file: string): string {
  const text = read(lesson.lessonFile) ?? "";
  const blocks = text.split(/\n\s*\n|\n(?=\s*(?:[-*]|\d+\.) )/);
  const hit = blocks.find((b) => b.includes(file) && !b.trimStart().startsWith("```"));
  if (!hit)
    return `The lesson changes ${file}; its TODO(${lesson.slug}) markers say what to write.`;
  const flat = hit
    .replace(/\s+/g, " ")
    .replace(/^\s*(?:[-*]|\d+\.)\s+/, "")
    .trim();
  return flat.length > 280 ? `${flat.slice(0, 277)}…` : flat;
}

/** What `layLesson` did to the workspace. */
export interface LaidResult extends Partial<CarryResult> {
  seeded: boolean;
  added: string[];
  /** The slug to record as `laid` in progress. */
  laid: string;
}

/**
 * Makes the workspace ready for `lesson`: an empty one gets the starter; one that
 * holds earlier work (last laid for lesson `laid`) keeps it, receives the new files,
 * and has the edits of every lesson since `laid` merged into the files it has.
 */
export async function layLesson(
  workspace: string,
  course: Course,
  lesson: Lesson,
  laid?: string,
): Promise<LaidResult> {
  const prepared = await prepareWorkspace(workspace, lesson);
  const from = course.lessons.find((l) => l.slug === laid);
  const behind = from !== undefined && indexOf(course, from) < indexOf(course, lesson);
  if (prepared.seeded || !behind) {
    const ahead = from !== undefined && !prepared.seeded && !behind;
    return { ...prepared, laid: ahead ? from.slug : lesson.slug };
  }
  const carried = await carryOver(workspace, course, from, lesson);
  return {
    ...carried,
    seeded: false,
    added: [...new Set([...prepared.added, ...carried.added])].sort(),
    laid: lesson.slug,
  };
}
