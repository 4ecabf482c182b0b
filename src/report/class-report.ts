/**
 * A whole class in one table: reads the results.json `labs grade` wrote for each
 * learner (one folder per learner, as the teacher's grade-class.yml downloads its
 * artifacts) and makes a learner × lesson table of points, as Markdown (for a job
 * summary) and as CSV (for a spreadsheet). It reads JSON only; no learner code runs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { type Points, pointsOf } from "../course/points.ts";
import { LearnerError } from "../errors.ts";
import { RESULTS_VERSION } from "./json.ts";

const Status = z.enum(["pass", "fail", "error"]);

/** The parts of results.json (docs/results-schema.md) the class table reads. */
const ResultsSchema = z.object({
  version: z.literal(RESULTS_VERSION),
  status: Status,
  lessons: z.array(
    z.object({
      number: z.number().int().positive(),
      slug: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a lesson slug"),
      title: z.string(),
      status: Status,
      steps: z.array(z.object({ status: z.enum(["pass", "fail", "error", "skipped"]) })),
    }),
  ),
});

/** One learner's grade as read from their results.json; `results` is missing when their folder has none. */
export interface LearnerResults {
  /** The learner's folder name (grade-class.yml names it `<owner>--<repo>`). */
  learner: string;
  results?: z.infer<typeof ResultsSchema>;
}

/** A lesson column of the table. */
interface Column {
  number: number;
  slug: string;
  title: string;
}

const MALFORMED_HINT =
  "Each learner's folder must hold the results.json that `labs grade` wrote (docs/results-schema.md), unchanged; grade that learner again with this version of realtime-labs.";

/** Validates one parsed results.json; a clear error naming the file and every problem otherwise. */
export function parseResults(data: unknown, source: string): z.infer<typeof ResultsSchema> {
  const parsed = ResultsSchema.safeParse(data);
  if (!parsed.success) {
    throw new LearnerError("RESULTS_MALFORMED", `${source} is not a results.json of labs grade.`, {
      details: parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`),
      hint: MALFORMED_HINT,
    });
  }
  const slugs = parsed.data.lessons.map((l) => l.slug);
  const twice = slugs.find((s, i) => slugs.indexOf(s) !== i);
  if (twice) {
    throw new LearnerError("RESULTS_MALFORMED", `${source} lists lesson ${twice} twice.`, {
      hint: MALFORMED_HINT,
    });
  }
  return parsed.data;
}

/**
 * Reads `<dir>/<learner>/results.json` for every folder in `dir`, sorted by name.
 * A folder without results.json is a learner whose grading left no results.
 */
export function readClassResults(dir: string): LearnerResults[] {
  if (!existsSync(dir)) {
    throw new LearnerError("USAGE", `There is no folder ${dir}.`, {
      hint: "Give the folder with one sub-folder per learner, each holding that learner's results.json.",
    });
  }
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (folders.length === 0) {
    throw new LearnerError("USAGE", `${dir} has no learner folders.`, {
      hint: "Give the folder with one sub-folder per learner, each holding that learner's results.json.",
    });
  }
  return folders.map((learner) => {
    const file = join(dir, learner, "results.json");
    if (!existsSync(file)) return { learner };
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new LearnerError("RESULTS_MALFORMED", `${file} is not JSON.`, {
        details: [(error as Error).message],
        hint: MALFORMED_HINT,
      });
    }
    return { learner, results: parseResults(data, file) };
  });
}

/** The lessons any learner was graded on, in lesson order. */
function columnsOf(learners: LearnerResults[]): Column[] {
  const bySlug = new Map<string, Column>();
  for (const { results } of learners)
    for (const l of results?.lessons ?? [])
      if (!bySlug.has(l.slug))
        bySlug.set(l.slug, { number: l.number, slug: l.slug, title: l.title });
  return [...bySlug.values()].sort((a, b) => a.number - b.number);
}

/** Points without floating-point dust (0.1 + 0.2 is 0.3). */
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** One learner's row: per lesson their status and points (undefined when not graded), and the total. */
function rowOf(learner: LearnerResults, columns: Column[], points: Points) {
  const cells = columns.map((c) => {
    const lesson = learner.results?.lessons.find((l) => l.slug === c.slug);
    if (!lesson) return undefined;
    return {
      status: lesson.status,
      points: lesson.status === "pass" ? pointsOf(points, c.slug) : 0,
    };
  });
  const total = round(cells.reduce((sum, c) => sum + (c?.points ?? 0), 0));
  return { cells, total };
}

/** The class table: a learner per row, a lesson per column, the points of each and the total. */
export function toClassTable(
  learners: LearnerResults[],
  points: Points,
): { markdown: string; csv: string } {
  const columns = columnsOf(learners);
  const max = round(columns.reduce((sum, c) => sum + pointsOf(points, c.slug), 0));
  const rows = learners.map((l) => ({ learner: l, ...rowOf(l, columns, points) }));

  const md = ["## realtime-labs: class results", ""];
  const graded = learners.filter((l) => l.results).length;
  md.push(
    `**${count(learners.length, "learner")}** (${graded} graded), ${count(columns.length, "lesson")}, ${max} points in all.`,
    "",
    columns.map((c) => `${c.number} ${c.slug}`).join(" · "),
    "",
    `| learner | ${columns.map((c) => c.number).join(" | ")} | points |`,
    `|---|${columns.map(() => "---|").join("")}---|`,
  );
  const icon = { pass: "✅", fail: "❌", error: "⚠️" } as const;
  for (const r of rows) {
    const cells = r.learner.results
      ? r.cells.map((c) => (c ? `${icon[c.status]} ${c.points}` : "—"))
      : columns.map(() => "—");
    const total = r.learner.results ? `${r.total}/${max}` : `no results (0/${max})`;
    md.push(`| ${markdownCell(r.learner.learner)} | ${cells.join(" | ")} | ${total} |`);
  }

  const csv = [["learner", "status", ...columns.map((c) => c.slug), "points", "max_points"]];
  for (const r of rows) {
    csv.push([
      r.learner.learner,
      r.learner.results?.status ?? "no results",
      ...r.cells.map((c) => (c ? String(c.points) : "")),
      String(r.total),
      String(max),
    ]);
  }
  return {
    markdown: `${md.join("\n")}\n`,
    csv: `${csv.map((row) => row.map(csvCell).join(",")).join("\n")}\n`,
  };
}

/** "1 lesson", "3 lessons". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A Markdown table cell: no pipe or newline can break the row. */
function markdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}

/**
 * A CSV field (RFC 4180 quoting). A field a spreadsheet would read as a formula
 * (starting with =, +, -, @) gets a leading apostrophe.
 */
function csvCell(text: string): string {
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
