import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { LessonResult, StepResult, StepStatus } from "../checks/results.ts";
import { escapeMarkup as esc } from "../report/escape.ts";
import { firstFailure, type RunSummary } from "../report/reporter.ts";
import { sequenceDiagram } from "./diagram.ts";

/** A step as the page shows it: not run yet, running, or with its result. */
export interface StepView {
  slug: string;
  title: string;
  status: "pending" | "running" | StepStatus;
  result?: StepResult;
}

/** The current (or last) check of the lesson. */
export interface RunView {
  status: "waiting" | "running" | LessonResult["status"];
  steps: StepView[];
  /** Files whose save started this run. */
  changed?: string[];
  durationMs?: number;
  error?: LessonResult["error"];
  /** When the verdict came (ISO). */
  finishedAt?: string;
}

/** The course's lessons, and how far the learner is. */
export interface ProgressView {
  lessons: { number: number; slug: string; title: string; passed: boolean; current: boolean }[];
}

/** The parts of the page the live view replaces as they change. */
export type Regions = Record<"status" | "steps" | "progress" | "lesson", string>;

/** The page's stylesheet (the live view serves it; the report inlines it). */
export const PAGE_CSS = [
  readFileSync(new URL("./assets/page.css", import.meta.url), "utf8"),
  readFileSync(
    createRequire(import.meta.url).resolve("highlight.js/styles/github.min.css"),
    "utf8",
  ),
].join("\n");

/** The script of the self-contained report: copy buttons and expanding labels, nothing else. */
export const REPORT_JS = readFileSync(new URL("./assets/report.js", import.meta.url), "utf8");

/** The live view's script: the report's, plus following the runner over Server-Sent Events. */
export const LIVE_JS = readFileSync(new URL("./assets/live.js", import.meta.url), "utf8");

const MARK: Record<StepView["status"], string> = {
  pending: "○",
  running: "◌",
  pass: "✓",
  fail: "✗",
  error: "!",
  skipped: "–",
};

/** A text a checker wrote (or that quotes the learner's output), escaped, with `code` spans kept. */
export function inlineText(text: string): string {
  return esc(text).replace(/`([^`\n]+)`/g, "<code>$1</code>");
}

/**
 * One step: its mark and title; for a step that ran, its failure, hint levels and
 * diagram. `light` leaves out everything but the mark, title and time (what the
 * live view sends while a check runs, so the page draws diagrams once the verdict is in).
 */
export function stepHtml(step: StepView, opts: { open?: boolean; light?: boolean } = {}): string {
  const r = step.result;
  const failing = step.status === "fail" || step.status === "error";
  const head =
    `<span class="mark">${MARK[step.status]}</span> <span class="step-title">${inlineText(step.title)}</span>` +
    (r && step.status !== "skipped" ? ` <span class="dur">${r.durationMs} ms</span>` : "") +
    (r?.status === "skipped" && r.message
      ? ` <span class="dur">skipped: ${inlineText(r.message)}</span>`
      : "");
  const attrs = `class="step step-${step.status}" data-step="${esc(step.slug)}" data-status="${step.status}"`;
  if (opts.light || (!r?.lines?.length && !failing))
    return `<li ${attrs}><div class="step-head">${head}</div></li>`;
  const parts: string[] = [];
  if (failing && r) {
    parts.push(`<p class="message">${inlineText(r.message ?? "failed")}</p>`);
    if (r.details?.length)
      parts.push(
        `<ul class="details">${r.details.map((d) => `<li>${inlineText(d)}</li>`).join("")}</ul>`,
      );
    const levels: [string, string | undefined][] = [
      ["Hint 1 · where to look", r.nudge],
      ["Hint 2 · the idea", r.concept],
      [r.nudge || r.concept ? "Hint 3 · what to write" : "Hint", r.hint],
    ];
    parts.push(
      `<div class="hints">${levels
        .filter(([, text]) => text)
        .map(
          ([label, text], i) =>
            `<details class="hint" data-key="hint-${i}:${esc(step.slug)}"><summary>${label}</summary><p>${inlineText(text!)}</p></details>`,
        )
        .join("")}</div>`,
    );
  }
  if (r?.lines?.length)
    parts.push(
      `<div class="diagram">${sequenceDiagram(r.lines, failing ? { failedAt: r.failedAt, failure: r.message } : {})}</div>`,
    );
  const open = opts.open ?? failing;
  return (
    `<li ${attrs}><details class="step-more" data-key="step:${esc(step.slug)}"${open ? " open" : ""}>` +
    `<summary class="step-head">${head}</summary>${parts.join("")}</details></li>`
  );
}

/** The step list of a run (`light`: marks, titles and times only). */
export function stepsHtml(run: RunView, opts: { light?: boolean } = {}): string {
  if (run.error)
    return (
      `<div class="lesson-error"><p class="message">${inlineText(run.error.message)}</p>` +
      (run.error.details?.length
        ? `<ul class="details">${run.error.details.map((d) => `<li>${inlineText(d)}</li>`).join("")}</ul>`
        : "") +
      (run.error.hint ? `<p class="hint-line">What to do: ${inlineText(run.error.hint)}</p>` : "") +
      "</div>"
    );
  return `<ol class="steps">${run.steps.map((s) => stepHtml(s, opts)).join("")}</ol>`;
}

/** The run's status line: what is happening now, or the verdict. */
export function statusHtml(run: RunView): string {
  const ran = run.steps.filter((s) => s.status !== "pending" && s.status !== "skipped");
  const at = run.steps.findIndex((s) => s.status === "fail" || s.status === "error");
  const text =
    run.status === "waiting"
      ? "Waiting for the first check…"
      : run.status === "running"
        ? `Checking… (${ran.length} of ${run.steps.length} steps)`
        : run.status === "pass"
          ? `Passed: ${ran.length} steps in ${((run.durationMs ?? 0) / 1000).toFixed(1)} s`
          : run.status === "error"
            ? "Could not check this lesson"
            : `Step ${at + 1} of ${run.steps.length} failed`;
  const changed = run.changed?.length
    ? ` <span class="changed">after saving ${run.changed.slice(0, 3).map(esc).join(", ")}</span>`
    : "";
  return `<span class="verdict verdict-${run.status}" data-verdict="${run.status}">${text}</span>${changed}`;
}

/** The course's lessons, passed ones ticked, the current one marked. */
export function progressHtml(p: ProgressView): string {
  const passed = p.lessons.filter((l) => l.passed).length;
  return (
    `<p class="progress-count">${passed} of ${p.lessons.length} lessons passed</p><ol class="lessons">` +
    p.lessons
      .map(
        (l) =>
          `<li class="${l.passed ? "passed" : ""}${l.current ? " current" : ""}" value="${l.number}" data-lesson="${esc(l.slug)}">${l.passed ? "✓ " : ""}${esc(l.title)}</li>`,
      )
      .join("") +
    "</ol>"
  );
}

/** The live view's page: its stylesheet and script linked, the regions in their places. */
export function pageHtml(opts: {
  title: string;
  heading: string;
  regions: Regions;
  live?: boolean;
  /** The command that starts this page's runner again, said when the runner is gone. */
  restart?: string;
}): string {
  const r = opts.regions;
  const head = `<link rel="stylesheet" href="/assets/page.css"><script src="/assets/live.js" defer></script>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title>${head}</head>
<body${opts.live ? ' data-live="1"' : ""}${opts.restart ? ` data-restart="${esc(opts.restart)}"` : ""}>
<header class="top"><h1>${opts.heading}</h1>${opts.live ? '<span class="conn" data-conn="connecting">connecting…</span>' : ""}</header>
<div class="layout">
<nav class="progress" data-region="progress">${r.progress}</nav>
<main>
<section class="run"><h2>Checks</h2><p class="status" data-region="status">${r.status}</p><div data-region="steps">${r.steps}</div></section>
<section class="lesson-text"><details open data-key="lesson-text"><summary><h2>Lesson text</h2></summary><div class="markdown" data-region="lesson">${r.lesson}</div></details></section>
</main></div>
</body></html>
`;
}

function scriptHash(js: string): string {
  return `sha256-${createHash("sha256").update(js).digest("base64")}`;
}

/** The self-contained HTML report of a graded run: the summary, then every lesson's steps with their diagrams. */
export function reportHtml(summary: RunSummary, generatedAt = new Date().toISOString()): string {
  const passed = summary.lessons.filter((l) => l.status === "pass").length;
  const table =
    `<table class="summary"><thead><tr><th>Lesson</th><th>Status</th><th>Steps</th><th>First failure</th></tr></thead><tbody>` +
    summary.lessons
      .map((l) => {
        const ok = l.steps.filter((s) => s.status === "pass").length;
        const what = firstFailure(l);
        return `<tr class="row-${l.status}"><td><a href="#lesson-${esc(l.slug)}">${l.number} ${esc(l.title)}</a></td><td>${l.status}</td><td>${ok}/${l.steps.length}</td><td>${inlineText(what)}</td></tr>`;
      })
      .join("") +
    "</tbody></table>";
  const lessons = summary.lessons
    .map((l) => {
      const run: RunView = {
        status: l.status,
        steps: l.steps.map((s) => ({ slug: s.slug, title: s.title, status: s.status, result: s })),
        durationMs: l.durationMs,
        error: l.error,
      };
      return `<section class="report-lesson" id="lesson-${esc(l.slug)}" data-lesson="${esc(l.slug)}"><h2>Lesson ${l.number} · ${esc(l.title)}</h2><p class="status">${statusHtml(run)}</p>${stepsHtml(run)}</section>`;
    })
    .join("");
  const heading = `realtime-labs · ${passed} of ${summary.lessons.length} lessons pass`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(heading)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '${scriptHash(REPORT_JS)}'; img-src data:">
<style>${PAGE_CSS}</style><script>${REPORT_JS}</script></head>
<body class="report">
<header class="top"><h1>${esc(heading)}</h1><span class="generated">${esc(generatedAt)} · ${(summary.durationMs / 1000).toFixed(1)} s</span></header>
<main class="report-main">${table}${lessons}</main>
</body></html>
`;
}
