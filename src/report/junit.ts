import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { escapeMarkup } from "./escape.ts";
import type { Out } from "./pretty.ts";
import type { Reporter, RunSummary } from "./reporter.ts";

/** JUnit XML of a run: a testsuite per lesson, a testcase per step. */
export function toJUnit(summary: RunSummary): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = summary.lessons.flatMap((l) => l.steps);
  const count = (st: string) => all.filter((s) => s.status === st).length;
  lines.push(
    `<testsuites name="realtime-labs" tests="${all.length}" failures="${count("fail")}" errors="${count("error") + summary.lessons.filter((l) => l.error).length}" time="${(summary.durationMs / 1000).toFixed(3)}">`,
  );
  for (const l of summary.lessons) {
    const name = `${String(l.number).padStart(2, "0")}-${l.slug}`;
    const st = (x: string) => l.steps.filter((s) => s.status === x).length;
    lines.push(
      `  <testsuite name="${escapeMarkup(name)}" tests="${Math.max(l.steps.length, 1)}" failures="${st("fail")}" errors="${st("error") + (l.error ? 1 : 0)}" skipped="${st("skipped")}" time="${(l.durationMs / 1000).toFixed(3)}">`,
    );
    if (l.error) {
      lines.push(
        `    <testcase classname="${escapeMarkup(name)}" name="lesson could not be checked" time="0">`,
      );
      lines.push(
        `      <error message="${escapeMarkup(l.error.message)}" type="${escapeMarkup(l.error.code)}">${escapeMarkup([...(l.error.details ?? []), l.error.hint ?? ""].join("\n"))}</error>`,
      );
      lines.push("    </testcase>");
    }
    for (const s of l.steps) {
      lines.push(
        `    <testcase classname="${escapeMarkup(name)}" name="${escapeMarkup(`${s.slug}: ${s.title}`)}" time="${(s.durationMs / 1000).toFixed(3)}">`,
      );
      const body = escapeMarkup(
        [
          ...(s.details ?? []),
          ...(s.nudge ? [`Where to look: ${s.nudge}`] : []),
          ...(s.concept ? [`The idea: ${s.concept}`] : []),
          `Hint: ${s.hint}`,
          "",
          s.transcript ?? "",
        ].join("\n"),
      );
      if (s.status === "fail")
        lines.push(
          `      <failure message="${escapeMarkup(s.message ?? "")}" type="${escapeMarkup(s.code ?? "CHECK_FAILED")}">${body}</failure>`,
        );
      if (s.status === "error")
        lines.push(
          `      <error message="${escapeMarkup(s.message ?? "")}" type="${escapeMarkup(s.code ?? "ERROR")}">${body}</error>`,
        );
      if (s.status === "skipped")
        lines.push(
          `      <skipped message="${escapeMarkup(s.message ?? "an earlier step failed")}"/>`,
        );
      lines.push("    </testcase>");
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}

/** Writes JUnit XML to a file, or to `out`. */
export class JUnitReporter implements Reporter {
  constructor(private readonly target: { file?: string; out?: Out }) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    const xml = toJUnit(summary);
    if (this.target.file) {
      await mkdir(dirname(this.target.file), { recursive: true });
      await writeFile(this.target.file, xml);
    } else this.target.out?.write(xml);
  }
}
