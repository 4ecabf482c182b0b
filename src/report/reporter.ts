import type { LessonInfo } from "../checks/harness.ts";
import type { LessonResult, StepResult } from "../checks/results.ts";
import type { TranscriptLine } from "../checks/transcript.ts";

/** The outcome of a whole run (one or more lessons). */
export interface RunSummary {
  status: "pass" | "fail" | "error";
  lessons: LessonResult[];
  durationMs: number;
  workspace: string;
}

/** What reporters are told, in this order. Only reporters write to the terminal or report files. */
export interface Reporter {
  onRunStart?(info: { lessons: LessonInfo[]; workspace: string }): void;
  onLessonStart?(lesson: LessonInfo): void;
  onLine?(line: TranscriptLine): void;
  onStepStart?(lesson: LessonInfo, step: { slug: string; title: string }): void;
  onStepResult?(lesson: LessonInfo, result: StepResult): void;
  onLessonEnd?(result: LessonResult): void;
  onRunEnd?(summary: RunSummary): void | Promise<void>;
}

/** Fans every event out to several reporters. */
export function combine(reporters: Reporter[]): Reporter {
  const each = (fn: (r: Reporter) => void) => {
    for (const r of reporters) fn(r);
  };
  return {
    onRunStart: (i) => each((r) => r.onRunStart?.(i)),
    onLessonStart: (l) => each((r) => r.onLessonStart?.(l)),
    onLine: (l) => each((r) => r.onLine?.(l)),
    onStepStart: (l, s) => each((r) => r.onStepStart?.(l, s)),
    onStepResult: (l, s) => each((r) => r.onStepResult?.(l, s)),
    onLessonEnd: (res) => each((r) => r.onLessonEnd?.(res)),
    onRunEnd: async (s) => {
      for (const r of reporters) await r.onRunEnd?.(s);
    },
  };
}

/** A lesson's first failure in one line (why it could not be checked, or its first failing step and message), or "". */
export function firstFailure(lesson: LessonResult): string {
  if (lesson.error) return lesson.error.message;
  const first = lesson.steps.find((s) => s.status === "fail" || s.status === "error");
  return first ? `${first.title}: ${first.message ?? ""}` : "";
}
