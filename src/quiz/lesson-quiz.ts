import { existsSync } from "node:fs";
import { join } from "node:path";
import { renderLessonRefsIn } from "../course/lesson-refs.ts";
import type { Course } from "../course/manifest.ts";
import { type LessonRef, readProgress, slugOf, writeProgress } from "../course/progress.ts";
import { readAnswers, score } from "./answers-file.ts";
import { loadQuiz, type Quiz } from "./format.ts";
import { ANSWERS_STEP } from "./steps.ts";

/** `lessons/NN-slug/quiz.json` of a lesson folder. */
export function quizFileOf(lessonDir: string): string {
  return join(lessonDir, "quiz.json");
}

/**
 * The lesson's knowledge check, or undefined when the lesson has none. With the
 * course, its texts come back with `{{lesson:slug}}` references rendered.
 */
export function findQuiz(lessonDir: string, course?: Course): Quiz | undefined {
  const file = quizFileOf(lessonDir);
  if (!existsSync(file)) return undefined;
  const quiz = loadQuiz(file);
  return course ? renderLessonRefsIn(quiz, course, { file }) : quiz;
}

/** The slugs of a knowledge check's steps (see `quizSteps`): the answers file, then one per question. */
export function quizStepSlugs(quiz: Quiz | undefined): Set<string> {
  return new Set([ANSWERS_STEP, ...(quiz?.questions.map((q) => q.id) ?? [])]);
}

/**
 * Problems of a lesson's knowledge check against its checker: every lesson has a
 * `quiz.json`, and the checker asks every question of it (its steps end with
 * `...lessonQuizSteps(import.meta.url)`).
 */
export function quizWiringProblems(
  lessonDir: string,
  checker: { steps: readonly { slug: string }[] },
  quiz: Quiz | undefined,
): string[] {
  const where = `${lessonDir.split(/[\\/]/).slice(-2).join("/")}`;
  if (!quiz)
    return [
      `${where} has no knowledge check: add quiz.json (2 to 4 questions; see AUTHORING.md) and end the checker's steps with ...lessonQuizSteps(import.meta.url)`,
    ];
  const slugs = new Set(checker.steps.map((s) => s.slug));
  const unasked = quiz.questions.filter((q) => !slugs.has(q.id)).map((q) => q.id);
  return unasked.length
    ? [
        `${where}/quiz.json: the checker never asks ${unasked.join(", ")}; end its steps with ...lessonQuizSteps(import.meta.url)`,
      ]
    : [];
}

/**
 * Copies a lesson's answers file (`answers/<slug>.json`) into the progress file's
 * `quiz` field under the lesson's slug (`{ answers, passedAt }`, answers as strings),
 * with `passedAt` set the first time every answer is right. Does nothing when there
 * is no answers file.
 */
export async function recordQuiz(workspace: string, lesson: LessonRef, quiz: Quiz): Promise<void> {
  const slug = slugOf(lesson);
  const read = readAnswers(workspace, slug);
  if (!read.ok) return;
  const progress = readProgress(workspace);
  const previous = progress.quiz?.[slug];
  const answers: Record<string, string> = {};
  for (const q of quiz.questions) {
    const value = read.answers[q.id];
    if (value !== undefined && value !== null) answers[q.id] = String(value);
  }
  const allRight = score(quiz, read.answers).open.length === 0;
  const passedAt = previous?.passedAt ?? (allRight ? new Date().toISOString() : undefined);
  progress.quiz = {
    ...progress.quiz,
    [slug]: { ...previous, answers, ...(passedAt ? { passedAt } : {}) },
  };
  await writeProgress(workspace, progress);
}
