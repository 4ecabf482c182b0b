import type { LessonResult } from "../../src/checks/results.ts";
import type { RunSummary } from "../../src/report/reporter.ts";

/** Results of a run shared by the reporter tests: lesson 3 passed, lesson 4 failed at poll-held. */
export const failing: LessonResult = {
  number: 4,
  slug: "long-polling",
  title: "Long Polling",
  status: "fail",
  durationMs: 900,
  steps: [
    { slug: "server-starts", title: "starts", hint: "h0", status: "pass", durationMs: 200 },
    {
      slug: "poll-held",
      title: "a poll is held <while> idle",
      hint: "return waitForUpdate()",
      nudge: "look at the poll route",
      concept: "a held request answers later",
      status: "fail",
      durationMs: 300,
      message: 'answered at once & "early"',
      details: ["Expected: open", "Received: 200"],
      code: "CHECK_FAILED",
      transcript: "[poller] → GET /boards/board-1/poll",
    },
    { slug: "timeout", title: "times out", hint: "h2", status: "skipped", durationMs: 0 },
  ],
};
export const passing: LessonResult = {
  ...failing,
  number: 3,
  slug: "short-polling",
  title: "Short Polling",
  status: "pass",
  steps: [failing.steps[0]],
};
export const summary: RunSummary = {
  status: "fail",
  lessons: [passing, failing],
  durationMs: 1200,
  workspace: "/w",
};
