import { existsSync } from "node:fs";
import { join } from "node:path";
import { readProgress, writeProgress } from "../course/progress.ts";
import { readAnswers, score } from "./answers-file.ts";
import { loadQuiz, type Quiz } from "./format.ts";

/** `lessons/NN-slug/quiz.json` of a lesson folder. */
export function quizFileOf(lessonDir: string): string {
  return join(lessonDir, "quiz.json");
}

/** The lesson's knowledge check, or undefined when the lesson has none. */
export function findQuiz(lessonDir: string): Quiz | undefined {
  const file = quizFileOf(lessonDir);
  return existsSync(file) ? loadQuiz(file) : undefined;
}

/**
 * Copies a lesson's answers file into the progress file's `quiz` field
 * (`{ answers, passedAt }`, answers as strings), with `passedAt` set the first
 * time every answer is right. Does nothing when there is no answers file.
 */
export async function recordQuiz(workspace: string, lesson: number, quiz: Quiz): Promise<void> {
  const read = readAnswers(workspace, lesson);
  if (!read.ok) return;
  const progress = readProgress(workspace);
  const previous = progress.quiz?.[lesson];
  const answers: Record<string, string> = {};
  for (const q of quiz.questions) {
    const value = read.answers[q.id];
    if (value !== undefined && value !== null) answers[q.id] = String(value);
  }
  const allRight = score(quiz, read.answers).open.length === 0;
  const passedAt = previous?.passedAt ?? (allRight ? new Date().toISOString() : undefined);
  progress.quiz = { ...progress.quiz, [lesson]: { answers, ...(passedAt ? { passedAt } : {}) } };
  await writeProgress(workspace, progress);
}
