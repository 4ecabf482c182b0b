import type { ShownLine } from "./transcript.ts";

/** Outcome of one step: `error` means the step could not judge the code (environment trouble). */
export type StepStatus = "pass" | "fail" | "error" | "skipped";

/** Outcome of a lesson: `error` means it could not be checked at all. */
export type LessonStatus = "pass" | "fail" | "error";

/** What one step did, for reporters and results files. */
export interface StepResult {
  slug: string;
  title: string;
  /** The last hint level, the near-solution (or a failure's own advice). */
  hint: string;
  /** For a failing step whose hint is its own: the first level (where to look). */
  nudge?: string;
  /** For a failing step whose hint is its own: the second level (the idea). */
  concept?: string;
  status: StepStatus;
  durationMs: number;
  /** The failure in one sentence. */
  message?: string;
  /** Expected/received lines and other details of a failure. */
  details?: string[];
  /** The error code of a failure (CHECK_FAILED, STEP_TIMEOUT, SERVER_EXITED …). */
  code?: string;
  /** The transcript lines this step produced, as text, for a failing step. */
  transcript?: string;
  /**
   * The lines this step produced, as every report shows them (made concise by
   * `conciseLines`): actor, other end, kind of message, time, text and replay
   * line. `transcript` is these as text. results.json keeps them for failing steps.
   */
  lines?: ShownLine[];
  /** For a failing step: the actor whose expectation failed and, when one is, the index in `lines` of the message it is about. */
  failedAt?: { actor: string; line?: number };
}

/** What one lesson's check did. */
export interface LessonResult {
  number: number;
  slug: string;
  title: string;
  status: LessonStatus;
  durationMs: number;
  steps: StepResult[];
  /** Set when the lesson could not be checked (status `error`). */
  error?: { code: string; message: string; hint?: string; details?: string[] };
}
