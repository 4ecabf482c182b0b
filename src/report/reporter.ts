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
  return {
    onRunStart: (i) => reporters.forEach((r) => r.onRunStart?.(i)),
    onLessonStart: (l) => reporters.forEach((r) => r.onLessonStart?.(l)),
    onLine: (l) => reporters.forEach((r) => r.onLine?.(l)),
    onStepStart: (l, s) => reporters.forEach((r) => r.onStepStart?.(l, s)),
    onStepResult: (l, s) => reporters.forEach((r) => r.onStepResult?.(l, s)),
    onLessonEnd: (res) => reporters.forEach((r) => r.onLessonEnd?.(res)),
    onRunEnd: async (s) => {
      for (const r of reporters) await r.onRunEnd?.(s);
    },
  };
}
