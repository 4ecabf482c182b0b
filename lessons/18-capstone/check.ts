import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";
import { pageSteps } from "./page-steps.ts";
import { scenarioSteps } from "./scenario-steps.ts";

/**
 * The capstone: the whole contract in one scenario against two instances of the
 * learner's server behind one Redis, then the board page in a real browser.
 */
export default defineChecker({
  redis: true,
  timers: { WS_HEARTBEAT_MS: 5000, SSE_HEARTBEAT_MS: 500 },
  // Browsers reconnect an event stream after the server's `retry:`; keep it short for the restart step.
  env: { SSE_RETRY_MS: "1000" },
  budget: 30_000,
  steps: [...scenarioSteps, ...pageSteps, ...lessonQuizSteps(import.meta.url)],
});
