import type { LessonInfo } from "../checks/harness.ts";
import type { LessonResult, StepResult } from "../checks/results.ts";
import type { LineKind, TranscriptLine } from "../checks/transcript.ts";
import type { Reporter, RunSummary } from "./reporter.ts";
import type { Style } from "./style.ts";

/** Writes to a stream-like target. */
export interface Out {
  write(s: string): unknown;
}

/**
 * The human reporter: a line per step; for the first failing step, the
 * transcript of that step (every line with its actor), what was expected and
 * received, and the hint. `verbose` streams every transcript line as it happens.
 */
export class PrettyReporter implements Reporter {
  constructor(
    private readonly out: Out,
    private readonly style: Style,
    private readonly opts: { verbose?: boolean; summary?: boolean } = {},
  ) {}

  onLessonStart(lesson: LessonInfo): void {
    const s = this.style;
    this.out.write(`\n${s.bold(`Lesson ${lesson.number} · ${lesson.title}`)}\n`);
  }

  onLine(line: TranscriptLine): void {
    if (this.opts.verbose) this.writeLine(line);
  }

  onStepResult(_lesson: LessonInfo, r: StepResult): void {
    const s = this.style;
    if (r.status === "pass") {
      this.out.write(`  ${s.green(s.ok)} ${r.title} ${s.dim(`(${r.durationMs} ms)`)}\n`);
      return;
    }
    if (r.status === "skipped") {
      // A step skipped on purpose (no Chromium) says why; steps after a failure stay quiet.
      if (r.message) {
        this.out.write(`  ${s.yellow(s.skip)} ${r.title} ${s.dim(`(skipped: ${r.message})`)}\n`);
      }
      return;
    }
    const label = r.status === "error" ? s.yellow(s.bad) : s.red(s.bad);
    this.out.write(`  ${label} ${s.bold(r.title)} ${s.dim(`(${r.durationMs} ms)`)}\n`);
    // the step's lines as the harness made them concise: the same the JSON and HTML reports show
    const shown = r.lines ?? [];
    if (!this.opts.verbose && shown.length) {
      this.out.write(`\n${s.dim("    What happened:")}\n`);
      for (const line of shown) {
        if ("note" in line) this.out.write(`    ${s.dim(line.note)}\n`);
        else this.writeLine(line);
      }
    }
    this.out.write(`\n    ${s.red(r.message ?? "failed")}\n`);
    for (const d of r.details ?? []) this.out.write(`    ${d}\n`);
    this.out.write(`\n    ${s.yellow("Hint:")} ${r.hint}\n`);
  }

  onLessonEnd(result: LessonResult): void {
    const s = this.style;
    if (result.status === "error" && result.error) {
      this.out.write(`  ${s.yellow(s.bad)} ${result.error.message}\n`);
      for (const d of result.error.details ?? []) this.out.write(`    ${d}\n`);
      if (result.error.hint) this.out.write(`  ${s.yellow("What to do:")} ${result.error.hint}\n`);
      return;
    }
    const ran = result.steps.filter((x) => x.status !== "skipped");
    const onPurpose = result.steps.filter((x) => x.status === "skipped" && x.message);
    const skipped = result.steps.length - ran.length - onPurpose.length;
    const secs = (result.durationMs / 1000).toFixed(1);
    if (result.status === "pass") {
      this.out.write(
        `\n  ${s.green(`Lesson ${result.number} passed`)}: ${ran.length} steps in ${secs} s.\n`,
      );
      if (onPurpose.length) {
        const n = onPurpose.length;
        this.out.write(
          `  ${s.yellow(`${n} step${n > 1 ? "s" : ""} skipped`)}: ${onPurpose[0].message}\n`,
        );
        for (const d of onPurpose[0].details ?? []) this.out.write(`    ${d}\n`);
      }
    } else {
      const at = result.steps.findIndex((x) => x.status === "fail" || x.status === "error") + 1;
      const more = skipped ? ` (${skipped} later step${skipped > 1 ? "s" : ""} not run)` : "";
      this.out.write(
        `\n  ${s.red(`Lesson ${result.number}: step ${at} of ${result.steps.length} failed`)}${more}.\n`,
      );
    }
  }

  onRunEnd(summary: RunSummary): void {
    if (summary.lessons.length < 2 && !this.opts.summary) return;
    const s = this.style;
    const passed = summary.lessons.filter((l) => l.status === "pass").length;
    this.out.write(
      `\n${s.bold("Summary")}: ${passed} of ${summary.lessons.length} lessons passed.\n`,
    );
    for (const l of summary.lessons) {
      const mark =
        l.status === "pass" ? s.green(s.ok) : l.status === "error" ? s.yellow(s.bad) : s.red(s.bad);
      const skips = l.steps.filter((x) => x.status === "skipped" && x.message).length;
      const note = skips ? s.dim(` (${skips} step${skips > 1 ? "s" : ""} skipped)`) : "";
      this.out.write(`  ${mark} ${String(l.number).padStart(2)} ${l.title}${note}\n`);
    }
  }

  /** A transcript line, and its replay line under it when it has one. */
  private writeLine(line: TranscriptLine): void {
    this.out.write(`    ${this.formatLine(line)}\n`);
    if (line.replay) {
      const { actor, replay } = line;
      this.out.write(
        `    ${this.formatLine({ at: line.at, actor, kind: "curl", text: replay })}\n`,
      );
    }
  }

  private formatLine(line: TranscriptLine): string {
    const s = this.style;
    const colourOf: Record<LineKind, (x: string) => string> = {
      info: (x) => x,
      send: s.cyan,
      recv: (x) => x,
      pass: s.green,
      fail: s.red,
      server: s.magenta,
      curl: s.dim,
    };
    const arrow =
      line.kind === "send" ? "→ " : line.kind === "recv" ? "← " : line.kind === "curl" ? "$ " : "";
    return `${s.dim(`[${line.actor}]`)} ${colourOf[line.kind](`${arrow}${line.text}`)}`;
  }
}
