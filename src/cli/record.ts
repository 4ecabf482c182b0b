import type { LessonResult } from "../checks/results.ts";
import type { Course, Lesson } from "../course/manifest.ts";
import { recordRun, saveLastResult } from "../course/progress.ts";
import { findQuiz, recordQuiz } from "../quiz/lesson-quiz.ts";

/**
 * Records one check of `lesson` in the learner's workspace, the same for watch
 * mode and `labs check`: the last result (what `labs hint` reads), the run and
 * its pass in progress.json, and the knowledge check's answers.
 */
export async function recordCheck(
  workspace: string,
  lesson: Lesson,
  result: LessonResult,
  course: Course,
): Promise<void> {
  await saveLastResult(workspace, result);
  if (result.status !== "error") await recordRun(workspace, lesson, result.status === "pass");
  const quiz = findQuiz(lesson.dir, course);
  if (quiz) await recordQuiz(workspace, lesson, quiz);
}
