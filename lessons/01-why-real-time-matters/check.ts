import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

/** This lesson has no server: its check grades answers/why-real-time-matters.json, one step per question. */
export default defineChecker({
  server: false,
  steps: lessonQuizSteps(import.meta.url),
});
