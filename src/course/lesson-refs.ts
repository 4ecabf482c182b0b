/**
 * Lessons name each other by slug, never by number, so that inserting or
 * reordering a lesson (which renumbers the folders) needs no edit elsewhere.
 *
 * In text that reaches a learner (lesson.md, a checker's titles, hints and
 * messages, quiz.json) a reference is written `{{lesson:long-polling}}` and shown
 * as "lesson 4", the number taken from `lessons/manifest.json` when it is shown;
 * `{{Lesson:long-polling}}` gives "Lesson 4" at the start of a sentence. In the
 * learner's project (starters, solutions, fixtures) nothing is rendered: code and
 * comments name the slug itself, as in `// TODO(long-polling): …`.
 *
 * `numberedRefProblems(course)` is the lint behind that rule.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { LearnerError } from "../errors.ts";
import type { Course } from "./manifest.ts";

/** `{{lesson:slug}}` or `{{Lesson:slug}}` (spaces inside the braces are tolerated). */
const REF = /\{\{\s*([Ll])esson\s*:\s*([^{}]*?)\s*\}\}/g;

/** What to do with a reference to a slug the course does not have. */
export type UnknownRef = "throw" | "keep";

/**
 * Replaces every `{{lesson:slug}}` with "lesson N" and `{{Lesson:slug}}` with
 * "Lesson N". A slug the manifest does not know throws a `LearnerError`
 * (`LESSON_MALFORMED`) naming the slug and `file`; with `unknown: "keep"` the
 * reference is left in the text as it was written (for text built at run time,
 * which may quote the learner's own output).
 */
export function renderLessonRefs(
  text: string,
  course: Course,
  opts: { file?: string; unknown?: UnknownRef } = {},
): string {
  if (!text.includes("{{")) return text;
  return text.replace(REF, (whole, l: string, slug: string) => {
    const lesson = course.lessons.find((x) => x.slug === slug);
    if (lesson) return `${l}esson ${lesson.number}`;
    if (opts.unknown === "keep") return whole;
    throw new LearnerError(
      "LESSON_MALFORMED",
      `${opts.file ? shownPath(course, opts.file) : "A lesson text"} refers to "${whole}", but no lesson has the slug "${slug}".`,
      {
        hint: `Use a slug from lessons/manifest.json: ${course.lessons.map((x) => x.slug).join(", ")}.`,
      },
    );
  });
}

/** `renderLessonRefs` applied to every string inside a JSON-like value (a quiz, say); returns a copy. */
export function renderLessonRefsIn<T>(
  value: T,
  course: Course,
  opts: { file?: string; unknown?: UnknownRef } = {},
): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return renderLessonRefs(v, course, opts);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** A `{{lesson:slug}}` reference found in a text. */
export interface FoundLessonRef {
  slug: string;
  /** 1-based line of the reference. */
  line: number;
  text: string;
}

/** Every `{{lesson:…}}` / `{{Lesson:…}}` in `text`. */
export function findLessonRefs(text: string): FoundLessonRef[] {
  return [...text.matchAll(REF)].map((m) => ({
    slug: m[2],
    line: lineAt(text, m.index ?? 0),
    text: m[0],
  }));
}

/** A lesson named by its number. */
export interface NumberedRef {
  /** The lesson number it names. */
  number: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** What was written: `lesson 4`, `Lessons 5`, `lessons (3`, `lesson-04`, `lab 13`, `lab13`, `labs -- check 7`. */
  text: string;
}

/**
 * Patterns of a lesson named by number: "lesson 4", "Lessons 5-8" (the first
 * number), "lessons (3, 4", "lesson-04", "lab 13", "lab13", "labs 14-16".
 */
const NUMBERED = /\b(?:[Ll]essons?[ \u00a0]\(?|[Ll]esson-|[Ll]abs?[ \u00a0-]?)(\d+)\b/g;

/** A runner command given a lesson number: `labs -- check 7`, `labs hint --force 7`. */
const COMMAND = /\blabs(?: --)? (?:check|hint|reset|solution|grade)(?: --?[\w-]+)* (\d+)\b/g;

/** Finds bare numbered references to lessons in `text` (for the lint), in order. */
export function findNumberedRefs(text: string): NumberedRef[] {
  const found = [...text.matchAll(NUMBERED), ...text.matchAll(COMMAND)]
    .map((m) => ({ index: m.index ?? 0, number: Number(m[1]), text: m[0] }))
    .sort((a, b) => a.index - b.index);
  return found.map(({ index, number, text: written }) => {
    const lineStart = text.lastIndexOf("\n", index - 1) + 1;
    return { number, line: lineAt(text, index), column: index - lineStart + 1, text: written };
  });
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Folders never scanned inside a project tree. */
const SKIP_DIRS = new Set(["node_modules", ".labs", "dist", ".git"]);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...filesUnder(path));
    } else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

function readText(file: string): string | undefined {
  try {
    if (statSync(file).size > 2_000_000) return undefined;
    const text = readFileSync(file, "utf8");
    return text.includes("\u0000") ? undefined : text;
  } catch {
    return undefined;
  }
}

function shownPath(course: Course, file: string): string {
  const rel = relative(course.root, file);
  return (rel.startsWith("..") ? file : rel).split(sep).join("/");
}

/**
 * What breaks the "lessons are named by slug" rule in `course`, one line per
 * problem (`lessons/05-how-sse-works/lesson.md:12: names lesson 4 by number;
 * write {{lesson:long-polling}}`); empty when there is nothing to fix.
 *
 * Scanned: every lesson's lesson.md, check.ts and quiz.json and the shared
 * checker helpers in src/checks/ (rendered texts: a reference is written
 * `{{lesson:slug}}` and must name a known slug), and every file of the lessons'
 * starter, solution and fixture trees (the learner's project: nothing is rendered
 * there, so the slug is written as it is, e.g. `TODO(long-polling)`).
 */
export function numberedRefProblems(course: Course): string[] {
  const bySlug = new Set(course.lessons.map((l) => l.slug));
  const byNumber = new Map(course.lessons.map((l) => [l.number, l.slug]));
  const problems: string[] = [];

  const scan = (file: string, rendered: boolean) => {
    const text = readText(file);
    if (text === undefined) return;
    const where = shownPath(course, file);
    for (const ref of findNumberedRefs(text)) {
      const slug = byNumber.get(ref.number);
      const at = lineOffset(text, ref.line) + ref.column - 1;
      const fix = !slug
        ? `name the lesson by its slug (lessons/manifest.json has no lesson ${ref.number})`
        : text.slice(Math.max(0, at - 5), at) === "TODO("
          ? `write TODO(${slug})`
          : /^labs\b/.test(ref.text)
            ? `give the command the slug (${ref.text.replace(/\d+$/, slug)})`
            : rendered
              ? `write {{lesson:${slug}}}`
              : `name it by its slug (${slug})`;
      problems.push(
        `${where}:${ref.line}: names lesson ${ref.number} by number ("${ref.text}"); ${fix}`,
      );
    }
    for (const ref of findLessonRefs(text)) {
      if (!rendered) {
        problems.push(
          `${where}:${ref.line}: ${ref.text} is not rendered in the learner's project; write the slug itself`,
        );
      } else if (!bySlug.has(ref.slug)) {
        problems.push(
          `${where}:${ref.line}: ${ref.text} names no lesson of lessons/manifest.json (unknown slug "${ref.slug}")`,
        );
      }
    }
  };

  for (const lesson of course.lessons) {
    for (const file of [lesson.lessonFile, lesson.checkFile, join(lesson.dir, "quiz.json")])
      if (existsSync(file)) scan(file, true);
    for (const dir of [lesson.starterDir, lesson.solutionDir, lesson.fixturesDir])
      for (const file of filesUnder(dir)) scan(file, false);
  }
  const checksDir = join(course.root, "src", "checks");
  for (const file of filesUnder(checksDir).filter((f) => f.endsWith(".ts"))) scan(file, true);
  return problems;
}

function lineOffset(text: string, line: number): number {
  let at = 0;
  for (let i = 1; i < line; i++) at = text.indexOf("\n", at) + 1;
  return at;
}
