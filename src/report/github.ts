import { appendFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Out } from "./pretty.ts";
import { firstFailure, type Reporter, type RunSummary } from "./reporter.ts";

/** Escapes a value for a GitHub Actions workflow command. */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * The Markdown job summary of a run. With `htmlReport` (the html reporter ran too),
 * it says where the report with the sequence diagrams is: in the run's artifacts,
 * linked when GitHub's variables tell the run's address.
 */
export function toMarkdownSummary(
  summary: RunSummary,
  opts: { htmlReport?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const lines = ["## realtime-labs grade", ""];
  const passed = summary.lessons.filter((l) => l.status === "pass").length;
  lines.push(
    `**${passed} of ${summary.lessons.length} lessons pass** (${(summary.durationMs / 1000).toFixed(1)} s)`,
    "",
  );
  if (opts.htmlReport) {
    const env = opts.env ?? {};
    const run =
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}#artifacts`
        : undefined;
    const name = basename(opts.htmlReport);
    lines.push(
      run
        ? `Every step drawn as a sequence diagram: \`${name}\` in [this run's artifacts](${run}).`
        : `Every step drawn as a sequence diagram: \`${name}\` in this run's artifacts.`,
      "",
    );
  }
  lines.push("| lesson | status | steps | first failure |", "|---|---|---|---|");
  for (const l of summary.lessons) {
    const ran = l.steps.filter((s) => s.status === "pass").length;
    const what = firstFailure(l);
    const icon = l.status === "pass" ? "✅ pass" : l.status === "fail" ? "❌ fail" : "⚠️ error";
    lines.push(
      `| ${l.number} ${l.title} | ${icon} | ${ran}/${l.steps.length} | ${what.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`,
    );
  }
  const failing = summary.lessons.flatMap((l) =>
    l.steps.filter((s) => s.status === "fail" || s.status === "error").map((s) => ({ l, s })),
  );
  if (failing.length) {
    lines.push("", "### Hints", "");
    for (const { l, s } of failing) lines.push(`- **Lesson ${l.number}, ${s.title}**: ${s.hint}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * GitHub Actions: an `::error` annotation per failing step (and per lesson that
 * could not be checked), and the Markdown summary appended to GITHUB_STEP_SUMMARY.
 */
export class GitHubReporter implements Reporter {
  constructor(
    private readonly out: Out,
    private readonly env: NodeJS.ProcessEnv,
    private readonly opts: { htmlReport?: string } = {},
  ) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    for (const l of summary.lessons) {
      if (l.error) {
        this.out.write(
          `::error title=${escapeProperty(`Lesson ${l.number} could not be checked`)}::${escapeData(`${l.error.message}\n${l.error.hint ?? ""}`)}\n`,
        );
      }
      for (const s of l.steps) {
        if (s.status !== "fail" && s.status !== "error") continue;
        const title = `Lesson ${l.number} · ${s.title}`;
        const body = [s.message ?? "", ...(s.details ?? []), `Hint: ${s.hint}`].join("\n");
        this.out.write(`::error title=${escapeProperty(title)}::${escapeData(body)}\n`);
      }
    }
    const file = this.env.GITHUB_STEP_SUMMARY;
    if (file)
      await appendFile(
        file,
        toMarkdownSummary(summary, { htmlReport: this.opts.htmlReport, env: this.env }),
      );
  }
}
