/**
 * The learner's answers to a lesson's knowledge check:
 * `<workspace>/answers/lesson-NN.json`, written by `npm run lesson N` (interactive)
 * or by hand, and graded by the lesson's checker. One file, one code path.
 *
 *   { "lesson": 1,
 *     "how": "…one line on how to answer…",
 *     "answers": { "chat-transport": "c", "poll-load": 2000, "bus-name": "TODO" } }
 *
 * A choice is answered with its letter, a number question with a number (a string
 * such as "2,000" is read too), a text question with a few words. "TODO" or an empty
 * string means not answered yet. A file without `answers` is read as the answers themselves.
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

/** `answers/lesson-NN.json` (relative to the workspace). */
export function answersRelPath(lesson: number): string {
  return join("answers", `lesson-${String(lesson).padStart(2, "0")}.json`);
}

/** The absolute path of a lesson's answers file in `workspace`. */
export function answersPath(workspace: string, lesson: number): string {
  return join(workspace, answersRelPath(lesson));
}

/** Reads a lesson's answers file; never throws. */
export function readAnswers(workspace: string, lesson: number): AnswersRead {
  const file = answersPath(workspace, lesson);
  if (!existsSync(file)) {
    return {
      ok: false,
      file,
      problem: "missing",
      message: `There is no ${answersRelPath(lesson)} in your workspace.`,
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
      message: `${answersRelPath(lesson)} is not valid JSON: ${(error as Error).message}`,
    };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return {
      ok: false,
      file,
      problem: "invalid",
      message: `${answersRelPath(lesson)} must hold a JSON object.`,
    };
  }
  const inner = (data as Record<string, unknown>).answers;
  const answers =
    typeof inner === "object" && inner !== null && !Array.isArray(inner) ? inner : data;
  return { ok: true, file, answers: answers as Answers };
}

/** The line written into every answers file to say how to fill it in. */
export function howToAnswer(lesson: number): string {
  return `Replace each TODO: a choice with its letter, a number question with a number, a text question with a few words. Or run \`npm run lesson ${lesson}\` and answer in the terminal.`;
}

/** The answers file of a quiz with every answer still TODO (what a lesson's starter holds). */
export function blankAnswers(quiz: Quiz, lesson: number): string {
  return formatAnswers(lesson, Object.fromEntries(quiz.questions.map((q) => [q.id, "TODO"])));
}

/** The JSON text of an answers file. */
export function formatAnswers(lesson: number, answers: Answers): string {
  return `${JSON.stringify({ lesson, how: howToAnswer(lesson), answers }, null, 2)}\n`;
}

/** Writes a lesson's answers file atomically, in question order, keeping unknown keys last. */
export async function writeAnswers(
  workspace: string,
  lesson: number,
  quiz: Quiz,
  answers: Answers,
): Promise<string> {
  const file = answersPath(workspace, lesson);
  const ordered: Answers = {};
  for (const q of quiz.questions) ordered[q.id] = answers[q.id] ?? "TODO";
  for (const [k, v] of Object.entries(answers)) if (!(k in ordered)) ordered[k] = v;
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, formatAnswers(lesson, ordered));
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
