import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { reportHtml } from "../web/page.ts";
import type { Reporter, RunSummary } from "./reporter.ts";

/**
 * Writes report.html: one self-contained file (styles and its one script inline,
 * nothing fetched) with the summary and every lesson's steps, each drawn as a
 * sequence diagram, the failing ones open with their hint levels. Readable as a
 * CI artifact, offline.
 */
export class HtmlReporter implements Reporter {
  constructor(private readonly file: string) {}

  async onRunEnd(summary: RunSummary): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(this.file, reportHtml(summary));
  }
}
