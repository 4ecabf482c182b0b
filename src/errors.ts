/**
 * Two families of errors that never mix. A `LearnerError` is about the learner's
 * code or set-up: it prints a message and what to do, never a stack. Anything
 * else is a bug in the runner and prints its stack with a request to report it.
 */

/** Stable error codes that tests assert on. */
export type LearnerErrorCode =
  | "CHECK_FAILED"
  | "STEP_TIMEOUT"
  | "LESSON_NOT_FOUND"
  | "USAGE"
  | "SERVER_EXITED"
  | "SERVER_NEVER_LISTENED"
  | "SERVER_WRONG_PORT"
  | "SERVER_PORT_TAKEN"
  | "SERVER_BUILD_FAILED"
  | "SERVER_NOT_FOUND"
  /** A module of the learner's a checker drives: it did not load, answer in time, or stay alive. */
  | "MODULE_FAILED"
  | "NO_MODULES"
  | "NO_REDIS"
  | "NO_BROWSER"
  | "PORT_TROUBLE"
  | "LESSON_MALFORMED"
  | "WORKSPACE"
  /** `.labs/progress.json` was written by a newer runner; it is left untouched. */
  | "PROGRESS_NEWER"
  /** A command needs git and there is none. */
  | "NO_GIT"
  /** The course history (patches, trees, the `labs dev edit` repository) is not in a state to use. */
  | "HISTORY"
  /** A results.json given to `labs class-report` is not one `labs grade` wrote. */
  | "RESULTS_MALFORMED";

/** A problem the learner (or the person running the tool) can fix. */
export class LearnerError extends Error {
  readonly code: LearnerErrorCode;
  readonly hint?: string;
  readonly details: string[];

  constructor(
    code: LearnerErrorCode,
    message: string,
    opts: { hint?: string; details?: string[] } = {},
  ) {
    super(message);
    this.name = "LearnerError";
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

/** A step's check did not hold: what was expected, and what came back. */
export class CheckFailure extends LearnerError {
  readonly expected?: string;
  readonly received?: string;
  /** The transcript actor whose expectation failed (`poller-live`, `sse@B`), for the diagram's mark. */
  readonly actor?: string;

  constructor(
    message: string,
    opts: { expected?: string; received?: string; hint?: string; actor?: string } = {},
  ) {
    const details: string[] = [];
    if (opts.expected !== undefined) details.push(`Expected: ${opts.expected}`);
    if (opts.received !== undefined) details.push(`Received: ${opts.received}`);
    super("CHECK_FAILED", message, { hint: opts.hint, details });
    this.name = "CheckFailure";
    this.expected = opts.expected;
    this.received = opts.received;
    this.actor = opts.actor;
  }
}

/** Errors that stop a run before any step could judge the learner's code (exit code 2). */
export const ENVIRONMENT_CODES: ReadonlySet<LearnerErrorCode> = new Set([
  "LESSON_NOT_FOUND",
  "USAGE",
  "NO_MODULES",
  "NO_REDIS",
  "PORT_TROUBLE",
  "LESSON_MALFORMED",
  "WORKSPACE",
  "PROGRESS_NEWER",
]);

/** True when `error` is a learner-facing error (as opposed to a runner bug). */
export function isLearnerError(error: unknown): error is LearnerError {
  return error instanceof LearnerError;
}
