import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { LessonChecker } from "../checks/types.ts";
import { LearnerError } from "../errors.ts";
import { RUNNER_ROOT } from "../runner/build.ts";
import { renderLessonRefs } from "./lesson-refs.ts";

/** One lesson of the course, with the paths of its parts. */
export interface Lesson {
  number: number;
  slug: string;
  title: string;
  section: string;
  /** `lessons/NN-slug` */
  dir: string;
  /** `NN-slug` */
  id: string;
  lessonFile: string;
  starterDir: string;
  checkFile: string;
  solutionDir: string;
  fixturesDir: string;
}

/** The course: its lessons in order. */
export interface Course {
  root: string;
  lessons: Lesson[];
}

interface ManifestFile {
  version: number;
  lessons: { number: number; slug: string; title: string; section: string }[];
}

/** Reads `lessons/manifest.json` under `root`. */
export function loadCourse(root = RUNNER_ROOT): Course {
  const file = join(root, "lessons", "manifest.json");
  let manifest: ManifestFile;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8")) as ManifestFile;
  } catch (error) {
    throw new LearnerError(
      "LESSON_MALFORMED",
      `Cannot read the course manifest ${file}: ${(error as Error).message}`,
      {
        hint: "Restore lessons/manifest.json (git checkout lessons/manifest.json).",
      },
    );
  }
  const lessons = manifest.lessons.map((l) => {
    const id = `${String(l.number).padStart(2, "0")}-${l.slug}`;
    const dir = join(root, "lessons", id);
    return {
      ...l,
      id,
      dir,
      lessonFile: join(dir, "lesson.md"),
      starterDir: join(dir, "starter"),
      checkFile: join(dir, "check.ts"),
      solutionDir: join(root, "solutions", id),
      fixturesDir: join(root, "test", "fixtures", id),
    };
  });
  return { root, lessons };
}

/** Finds a lesson by number (`7`, `07`), slug or folder name; a clear error otherwise. */
export function findLesson(course: Course, arg: string | undefined): Lesson {
  const wanted = (arg ?? "").trim().toLowerCase();
  const found = course.lessons.find(
    (l) =>
      String(l.number) === wanted.replace(/^0+(?=\d)/, "") || l.slug === wanted || l.id === wanted,
  );
  if (found) return found;
  const near = course.lessons
    .filter((l) => wanted.length > 2 && l.slug.includes(wanted))
    .map((l) => `${l.number} (${l.slug})`);
  throw new LearnerError(
    "LESSON_NOT_FOUND",
    arg ? `There is no lesson "${arg}".` : "Which lesson? Give a lesson number or slug.",
    {
      hint: near.length
        ? `Did you mean ${near.join(" or ")}?`
        : `Lessons are numbered 1 to ${course.lessons.length}; \`npm run labs -- list\` shows them all.`,
    },
  );
}

/** True when the lesson's folder exists (lessons are added one by one). */
export function isAvailable(lesson: Lesson): boolean {
  return existsSync(lesson.lessonFile);
}

/** The course a lesson belongs to (read again from its manifest: `lessons/NN-slug` → the root). */
export function courseOf(lesson: Lesson): Course {
  return loadCourse(dirname(dirname(lesson.dir)));
}

/**
 * Imports and validates a lesson's checker. The steps come back as copies whose
 * titles and hints (every level) have their `{{lesson:slug}}` references rendered.
 */
export async function loadChecker(lesson: Lesson, course?: Course): Promise<LessonChecker> {
  if (!existsSync(lesson.checkFile)) {
    throw new LearnerError(
      "LESSON_MALFORMED",
      `Lesson ${lesson.number} has no checker (${lesson.checkFile}).`,
      {
        hint: "Every lesson folder needs a check.ts that default-exports defineChecker({ steps }).",
      },
    );
  }
  const mod = await importCheckFile(lesson);
  const checker = mod.default;
  const problems = validateChecker(checker);
  if (problems.length) {
    throw new LearnerError("LESSON_MALFORMED", `Lesson ${lesson.number}'s checker is malformed.`, {
      details: problems,
      hint: "See AUTHORING.md for the checker format.",
    });
  }
  const refs = course ?? courseOf(lesson);
  const render = (text: string) => renderLessonRefs(text, refs, { file: lesson.checkFile });
  return {
    ...checker!,
    steps: checker!.steps.map((s) => ({
      ...s,
      title: render(s.title),
      hint: render(s.hint),
      ...(s.nudge !== undefined ? { nudge: render(s.nudge) } : {}),
      ...(s.concept !== undefined ? { concept: render(s.concept) } : {}),
    })),
  };
}

/** Lists what is wrong with a checker object (empty when it is well-formed). */
export function validateChecker(checker: LessonChecker | undefined): string[] {
  if (!checker || !Array.isArray(checker.steps))
    return ["check.ts must default-export defineChecker({ steps: [...] })"];
  const problems: string[] = [];
  const seen = new Set<string>();
  checker.steps.forEach((s, i) => {
    const where = `step ${i + 1}${s?.slug ? ` (${s.slug})` : ""}`;
    if (!s || typeof s.run !== "function") problems.push(`${where}: no run function`);
    if (!s?.slug || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(s.slug))
      problems.push(`${where}: slug must be kebab-case`);
    if (s?.slug && seen.has(s.slug)) problems.push(`${where}: duplicate slug`);
    if (s?.slug) seen.add(s.slug);
    if (!s?.title?.trim()) problems.push(`${where}: no title`);
    if (!s?.hint?.trim()) problems.push(`${where}: no hint`);
  });
  if (checker.steps.length === 0) problems.push("the checker has no steps");
  return problems;
}

/** Imports a lesson's check.ts; a file that does not compile or throws is the author's problem, named with its place. */
export async function importCheckFile(lesson: Lesson): Promise<{ default?: LessonChecker }> {
  try {
    return (await import(pathToFileURL(lesson.checkFile).href)) as { default?: LessonChecker };
  } catch (error) {
    const err = error as Error;
    throw new LearnerError(
      "LESSON_MALFORMED",
      `The checker ${lesson.checkFile} cannot be loaded.`,
      {
        details: String(err.message ?? err)
          .split("\n")
          .slice(0, 8),
        hint: "Fix the error at the place named above (a syntax error, or code that throws when the file is imported), then run the command again.",
      },
    );
  }
}
