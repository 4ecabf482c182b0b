import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { grade, selectLessons } from "../../course/grade.ts";
import { type Lesson, loadCourse } from "../../course/manifest.ts";
import { parsePoints } from "../../course/points.ts";
import { LearnerError } from "../../errors.ts";
import { ClassroomReporter } from "../../report/classroom.ts";
import { GitHubReporter } from "../../report/github.ts";
import { HtmlReporter } from "../../report/html.ts";
import { JsonReporter } from "../../report/json.ts";
import { JUnitReporter } from "../../report/junit.ts";
import { PrettyReporter } from "../../report/pretty.ts";
import { combine, type Reporter } from "../../report/reporter.ts";
import { createStyle } from "../../report/style.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { requireModules, styleOf, workspaceOf } from "../shared.ts";

/**
 * `labs grade`: grades a workspace without a terminal. Writes results.json and
 * junit.xml to --output (default `reports/`), GitHub annotations and a job
 * summary under GitHub Actions, GitHub Classroom's points with the classroom
 * reporter (each lesson worth what --points says), and a readable log on
 * standard output.
 */
export async function gradeCommand(p: Parsed, io: CliIO): Promise<number> {
  requireModules();
  const course = loadCourse();
  const lessons = selectLessons(course, p.flags.lessons ?? "all");
  const points = parsePoints(p.flags.points, course);
  const workspace = workspaceOf(p, io);
  const perLesson = p.flags.solution
    ? (l: Lesson) => l.solutionDir
    : p.flags.starter
      ? (l: Lesson) => l.starterDir
      : undefined;
  if (
    !perLesson &&
    !existsSync(join(workspace, "src")) &&
    !existsSync(join(workspace, "answers"))
  ) {
    throw new LearnerError("WORKSPACE", `There is nothing to grade in ${workspace}.`, {
      hint: "Point --workspace at the learner's taskboard-api project (the folder with src/server.ts).",
    });
  }
  const outDir = resolve(p.flags.output ?? "reports");
  const names = (
    p.flags.reporter ??
    (io.env.GITHUB_ACTIONS === "true" ? "plain,json,junit,github" : "plain,json,junit")
  )
    .split(",")
    .map((s) => s.trim());
  const jobs = p.flags.jobs ? Number(p.flags.jobs) : undefined;
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0)) {
    throw new LearnerError("USAGE", `--jobs takes a whole number, not "${p.flags.jobs}".`, {
      hint: "For example --jobs 2; leave it out to use one job per core.",
    });
  }
  // Results are written only by the runner, after every learner process has ended;
  // stale or forged files from before are removed first.
  await rm(join(outDir, "results.json"), { force: true });
  await rm(join(outDir, "junit.xml"), { force: true });
  await rm(join(outDir, "report.html"), { force: true });
  await rm(join(outDir, "classroom.json"), { force: true });

  const reporters: Reporter[] = [];
  let live: (() => { reporter: Reporter; flush: () => void }) | undefined;
  for (const name of names) {
    if (name === "pretty" || name === "plain") {
      const style = name === "pretty" ? styleOf(io) : createStyle(false);
      live = () => {
        let text = "";
        const reporter = new PrettyReporter({ write: (s: string) => (text += s) }, style);
        return { reporter, flush: () => io.stdout.write(text) };
      };
      reporters.push({
        onRunEnd: (s) => new PrettyReporter(io.stdout, style, { summary: true }).onRunEnd(s),
      });
    } else if (name === "json")
      reporters.push(new JsonReporter({ file: join(outDir, "results.json") }));
    else if (name === "junit")
      reporters.push(new JUnitReporter({ file: join(outDir, "junit.xml") }));
    else if (name === "github")
      reporters.push(
        new GitHubReporter(io.stdout, io.env, {
          htmlReport: names.includes("html") ? join(outDir, "report.html") : undefined,
        }),
      );
    else if (name === "html") reporters.push(new HtmlReporter(join(outDir, "report.html")));
    else if (name === "classroom")
      reporters.push(
        new ClassroomReporter({ file: join(outDir, "classroom.json"), env: io.env, points }),
      );
    else
      throw new LearnerError("USAGE", `Unknown reporter "${name}".`, {
        hint: "Reporters: pretty, plain, json, junit, github, html, classroom.",
      });
  }
  const summary = await grade({
    lessons,
    workspace,
    workspaceOf: perLesson,
    jobs,
    reporter: combine(reporters),
    lessonReporter: live,
    env: io.env,
  });
  if (names.includes("json")) io.stdout.write(`Results: ${join(outDir, "results.json")}\n`);
  if (names.includes("html")) io.stdout.write(`Report: ${join(outDir, "report.html")}\n`);
  if (names.includes("classroom"))
    io.stdout.write(`Classroom points: ${join(outDir, "classroom.json")}\n`);
  if (summary.status === "error") return EXIT.usage;
  if (summary.status === "fail") return p.flags["no-fail"] ? EXIT.ok : EXIT.failed;
  return EXIT.ok;
}
