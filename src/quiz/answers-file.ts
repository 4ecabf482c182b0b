/**
 * The learner's answers to a lesson's knowledge check:
 * `<workspace>/answers/<slug>.json` (named by the lesson's slug, never its number),
 * written by `npm run lesson <n>` (interactive) or by hand, and graded by the
 * lesson's checker. One file, one code path.
 *
 *   { "lesson": "why-real-time-matters",
 *     "how": "…one line on how to answer…",
 *     "answers": { "chat-transport": "c", "poll-load": 2000, "bus-name": "TODO" } }
 *
 * A choice is answered with its letter, a number question with a number (a string
 * such as "2,000" is read too), a text question with a few words. "TODO" or an empty
 * string means not answered yet. A file without `answers` is read as the answers themselves.
 *
 * Runners before slugs wrote `answers/lesson-NN.json`; `adoptLegacyAnswers` renames
 * such a file to the new name.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { Quiz } from "./format.ts";
import { grade, isBlank } from "./grade.ts";

/** The answers of one lesson, by question id. */
export type Answers = Record<string, unknown>;

/** What reading an answers file found. */
export type AnswersRead =
  | { ok: true; file: string; answers: Answers }
  | { ok: false; file: string; problem: "missing" | "invalid"; message: string };

/** A lesson as the answers files need it: the slug names the file, the number is for display. */
export interface QuizLesson {
  number: number;
  slug: string;
}

/** `answers/<slug>.json` (relative to the workspace). */
export function answersRelPath(slug: string): string {
  return join("answers", `${slug}.json`);
}

/** The absolute path of a lesson's answers file in `workspace`. */
export function answersPath(workspace: string, slug: string): string {
  return join(workspace, answersRelPath(slug));
}

/** `answers/lesson-NN.json`: where runners before slugs kept the answers of the lesson numbered `number`. */
export function legacyAnswersRelPath(number: number): string {
  return join("answers", `lesson-${String(number).padStart(2, "0")}.json`);
}

/** A legacy answers file that was renamed (paths relative to the workspace). */
export interface AdoptedAnswers {
  from: string;
  to: string;
}

/**
 * Renames each `answers/lesson-NN.json` of an older runner (NN = the lesson's number
 * in the current manifest) to `answers/<slug>.json`, when the new file is missing or
 * holds no answer yet (every answer TODO, as a starter lays it). Never loses a file:
 * a new file with answers in it is left alone, and so is the old one. Returns what
 * was renamed; once renamed, the old name is gone, so each rename is reported once.
 */
export async function adoptLegacyAnswers(
  workspace: string,
  lessons: readonly QuizLesson[],
): Promise<AdoptedAnswers[]> {
  const adopted: AdoptedAnswers[] = [];
  for (const lesson of lessons) {
    const from = legacyAnswersRelPath(lesson.number);
    const to = answersRelPath(lesson.slug);
    if (from === to || !existsSync(join(workspace, from))) continue;
    if (existsSync(join(workspace, to))) {
      const current = readAnswers(workspace, lesson.slug);
      if (!current.ok || !Object.values(current.answers).every(isBlank)) continue;
    }
    await rename(join(workspace, from), join(workspace, to));
    adopted.push({ from, to });
  }
  return adopted;
}

/** The line that tells the learner about a renamed answers file. */
export function adoptedMessage(a: AdoptedAnswers): string {
  return `Renamed ${a.from} to ${a.to} (answers files are now named after the lesson, not its number).`;
}

/** Reads a lesson's answers file, `answers/<slug>.json`; never throws. */
export function readAnswers(workspace: string, slug: string): AnswersRead {
  const file = answersPath(workspace, slug);
  if (!existsSync(file)) {
    return {
      ok: false,
      file,
      problem: "missing",
      message: `There is no ${answersRelPath(slug)} in your workspace.`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return {
      ok: false,
      file,
      problem: "invalid",
      message: `${answersRelPath(slug)} is not valid JSON: ${(error as Error).message}`,
    };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return {
      ok: false,
      file,
      problem: "invalid",
      message: `${answersRelPath(slug)} must hold a JSON object.`,
    };
  }
  const inner = (data as Record<string, unknown>).answers;
  const answers =
    typeof inner === "object" && inner !== null && !Array.isArray(inner) ? inner : data;
  return { ok: true, file, answers: answers as Answers };
}

/**
 * How to fill in an answers file. `lesson` is what to give `npm run lesson`: the
 * slug in a file (files name no number), the current number in a message.
 */
export function howToAnswer(lesson: string | number): string {
  return `Replace each TODO: a choice with its letter, a number question with a number, a text question with a few words. Or run \`npm run lesson ${lesson}\` and answer in the terminal.`;
}

/** The answers file of a quiz with every answer still TODO (what a lesson's starter holds). */
export function blankAnswers(quiz: Quiz, slug: string): string {
  return formatAnswers(slug, Object.fromEntries(quiz.questions.map((q) => [q.id, "TODO"])));
}

/** The JSON text of an answers file: `{ "lesson": "<slug>", "how": …, "answers": … }`. */
export function formatAnswers(slug: string, answers: Answers): string {
  return `${JSON.stringify({ lesson: slug, how: howToAnswer(slug), answers }, null, 2)}\n`;
}

/** Writes a lesson's answers file atomically, in question order, keeping unknown keys last. */
export async function writeAnswers(
  workspace: string,
  slug: string,
  quiz: Quiz,
  answers: Answers,
): Promise<string> {
  const file = answersPath(workspace, slug);
  const ordered: Answers = {};
  for (const q of quiz.questions) ordered[q.id] = answers[q.id] ?? "TODO";
  for (const [k, v] of Object.entries(answers)) if (!(k in ordered)) ordered[k] = v;
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, formatAnswers(slug, ordered));
  await rename(tmp, file);
  return file;
}

/** How a set of answers scores on a quiz. */
export interface Score {
  right: number;
  total: number;
  /** Ids of the questions not yet answered right (blank, wrong or unreadable). */
  open: string[];
}

/** Scores `answers` against `quiz`. */
export function score(quiz: Quiz, answers: Answers): Score {
  const open = quiz.questions
    .filter((q) => isBlank(answers[q.id]) || grade(q, answers[q.id]).status !== "right")
    .map((q) => q.id);
  return { right: quiz.questions.length - open.length, total: quiz.questions.length, open };
}

/** `file` relative to `workspace`, for messages. */
export function shown(workspace: string, file: string): string {
  return relative(workspace, file) || file;
}
