import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { loadCourse } from "../../course/manifest.ts";
import { parsePoints } from "../../course/points.ts";
import { LearnerError } from "../../errors.ts";
import { readClassResults, toClassTable } from "../../report/class-report.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";

/**
 * `labs class-report <dir>`: one table for a class from the results.json of each
 * learner (`<dir>/<learner>/results.json`), as Markdown on standard output and,
 * with --output, as CSV. Reads JSON only: it never runs learner code.
 */
export async function classReportCommand(p: Parsed, io: CliIO): Promise<number> {
  const dir = p.positionals[0];
  if (!dir) {
    throw new LearnerError("USAGE", "Which folder? Give the folder of the learners' results.", {
      hint: "For example: npm run labs -- class-report results --output class.csv (results/<learner>/results.json).",
    });
  }
  const points = parsePoints(p.flags.points, loadCourse());
  const table = toClassTable(readClassResults(resolve(dir)), points);
  if (p.flags.output) {
    const file = resolve(p.flags.output);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, table.csv);
  }
  io.stdout.write(table.markdown);
  return EXIT.ok;
}
