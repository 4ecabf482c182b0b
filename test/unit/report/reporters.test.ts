import { describe, expect, it } from "vitest";
import { GitHubReporter, toMarkdownSummary } from "../../../src/report/github.ts";
import { toResults } from "../../../src/report/json.ts";
import { toJUnit } from "../../../src/report/junit.ts";
import { renderMarkdown } from "../../../src/report/markdown.ts";
import { PrettyReporter } from "../../../src/report/pretty.ts";
import { createStyle } from "../../../src/report/style.ts";
import { reportHtml } from "../../../src/web/page.ts";
import { failing, summary } from "../../helpers/results.ts";

describe("reporters", () => {
  it("score results.json by lessons and steps", () => {
    const doc = toResults(summary);
    expect(doc.version).toBe(1);
    expect(doc.status).toBe("fail");
    expect(doc.score).toEqual({ lessonsPassed: 1, lessons: 2, stepsPassed: 2, steps: 4 });
  });

  it("write JUnit with a failure, a skip and escaped text", () => {
    const xml = toJUnit(summary);
    expect(xml).toMatch(
      /<testsuite name="04-long-polling" tests="3" failures="1" errors="0" skipped="1"/,
    );
    expect(xml).toMatch(
      /<failure message="answered at once &amp; &quot;early&quot;" type="CHECK_FAILED">/,
    );
    expect(xml).toMatch(/a poll is held &lt;while&gt; idle/);
    expect(xml).toMatch(
      /Where to look: look at the poll route\nThe idea: a held request answers later\nHint: return waitForUpdate\(\)/,
    );
    expect(xml).toMatch(/<skipped /);
  });

  it("annotate failing steps for GitHub Actions, with newlines escaped", async () => {
    let out = "";
    await new GitHubReporter({ write: (s: string) => (out += s) }, {}).onRunEnd(summary);
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^::error title=Lesson 4 · a poll is held <while> idle::answered at once/,
    );
    expect(lines[0]).toMatch(/%0AHint: return waitForUpdate\(\)/);
    expect(toMarkdownSummary(summary)).toMatch(/\*\*1 of 2 lessons pass\*\*/);
    expect(toMarkdownSummary(summary)).not.toMatch(/report\.html/);
  });

  it("link the HTML report from the job summary when it is written", () => {
    const env = {
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "school/alice-taskboard",
      GITHUB_RUN_ID: "42",
    };
    expect(toMarkdownSummary(summary, { htmlReport: "/r/report.html", env })).toContain(
      "`report.html` in [this run's artifacts](https://github.com/school/alice-taskboard/actions/runs/42#artifacts)",
    );
    expect(toMarkdownSummary(summary, { htmlReport: "/r/report.html" })).toContain(
      "`report.html` in this run's artifacts.",
    );
  });

  it("write a self-contained HTML report: every lesson, its steps, and the failing one open", () => {
    const html = reportHtml(summary, "2026-12-01T00:00:00.000Z");
    expect(html).toContain("1 of 2 lessons pass");
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'/,
    );
    expect(html).not.toMatch(/<script src|<link /);
    // the failing step is open, its words escaped; hint levels are folded
    expect(html).toMatch(
      /data-step="poll-held" data-status="fail"><details class="step-more" data-key="step:poll-held" open>/,
    );
    expect(html).toContain("a poll is held &lt;while&gt; idle");
    expect(html).toMatch(
      /<details class="hint" data-key="hint-0:poll-held"><summary>Hint 1 · where to look<\/summary>/,
    );
  });

  it("print the failing step's transcript, expected vs received and the hint", () => {
    let out = "";
    const r = new PrettyReporter({ write: (s: string) => (out += s) }, createStyle(false));
    // the step's lines come with its result, as the harness made them concise
    const step = {
      ...failing.steps[1],
      lines: [{ at: 1, actor: "poller", kind: "send" as const, text: "GET /boards/board-1/poll" }],
    };
    r.onStepResult({ number: 4, slug: "long-polling", title: "Long Polling" }, step);
    r.onLessonEnd(failing);
    expect(out).toMatch(/FAIL a poll is held <while> idle/);
    expect(out).toMatch(/\[poller\] → GET \/boards\/board-1\/poll/);
    expect(out).toMatch(/Expected: open\n\s+Received: 200/);
    expect(out).toMatch(/Hint: return waitForUpdate\(\)/);
    expect(out).toMatch(/Lesson 4: step 2 of 3 failed \(1 later step not run\)/);
    expect(out).not.toContain("\u001b[");
  });

  it("render lesson Markdown for a terminal", () => {
    const text = renderMarkdown(
      "# Long Polling\n\nHold the `request` open.\n\n1. first\n2. second\n\n```ts\nconst x = 1;\n```\n",
      createStyle(false),
      60,
    );
    expect(text).toMatch(/^LONG POLLING/);
    expect(text).toMatch(/Hold the request open\./);
    expect(text).toMatch(/ {2}1\. first\n {2}2\. second/);
    expect(text).toMatch(/ {4}const x = 1;/);
  });
});
