import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { LessonResult } from "../checks/results.ts";
import { sandboxSupport } from "../runner/sandbox.ts";
import type { Out } from "./pretty.ts";
import type { Reporter, RunSummary } from "./reporter.ts";

/** Version of the results.json schema (documented in docs/results-schema.md). */
export const RESULTS_VERSION = 1;

/** The results.json document. */
export interface ResultsDocument {
  version: number;
  status: "pass" | "fail" | "error";
  /** Steps passed out of steps in all lessons; lessons passed out of lessons. */
  score: { lessonsPassed: number; lessons: number; stepsPassed: number; steps: number };
  durationMs: number;
  generatedAt: string;
  /** `isolation`: how learner code was kept apart (`namespaces`, or `none` where the machine allows no sandbox). */
  runner: { name: string; node: string; isolation: "namespaces" | "none" };
  lessons: LessonResult[];
}

/** Builds the results document of a run. */
export function toResults(summary: RunSummary): ResultsDocument {
  const steps = summary.lessons.flatMap((l) => l.steps);
  return {
    version: RESULTS_VERSION,
    status: summary.status,
    score: {
      lessonsPassed: summary.lessons.filter((l) => l.status === "pass").length,
      lessons: summary.lessons.length,
      stepsPassed: steps.filter((s) => s.status === "pass").length,
      steps: steps.length,
    },
    durationMs: summary.durationMs,
    generatedAt: new Date().toISOString(),
    runner: { name: "realtime-labs", node: process.version, isolation: sandboxSupport().kind },
    // the structured lines of passing steps stay in the HTML report and the web view
    lessons: summary.lessons.map((l) => ({
      ...l,
      steps: l.steps.map(({ lines, ...step }) =>
        step.status === "fail" || step.status === "error" ? { ...step, lines } : step,
      ),
    })),
  };
}

/** Writes results.json to a file, or to `out` when no file is given. */
export class JsonReporter implements Reporter {
  constructor(private readonly target: { file?: string; out?: Out }) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    const text = `${JSON.stringify(toResults(summary), null, 2)}\n`;
    if (this.target.file) {
      await mkdir(dirname(this.target.file), { recursive: true });
      await writeFile(this.target.file, text);
    } else this.target.out?.write(text);
  }
}
