import { defineChecker } from "../../src/checks/types.ts";
import { loadQuiz } from "../../src/quiz/format.ts";
import { quizSteps } from "../../src/quiz/steps.ts";

/** This lesson has no server: its check grades answers/why-real-time-matters.json, one step per question. */
export default defineChecker({
  server: false,
  steps: quizSteps(loadQuiz(new URL("./quiz.json", import.meta.url))),
});
