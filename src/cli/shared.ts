import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type Course,
  findLesson,
  isAvailable,
  type Lesson,
  loadCourse,
} from "../course/manifest.ts";
import { resolveWorkspace } from "../course/workspace.ts";
import { LearnerError } from "../errors.ts";
import { HtmlReporter } from "../report/html.ts";
import { JsonReporter } from "../report/json.ts";
import { JUnitReporter } from "../report/junit.ts";
import { PrettyReporter } from "../report/pretty.ts";
import { combine, type Reporter } from "../report/reporter.ts";
import { createStyle, type Style, wantsColor } from "../report/style.ts";
import { RUNNER_ROOT } from "../runner/build.ts";
import type { Parsed } from "./args.ts";
import type { CliIO } from "./io.ts";

/** Fails with NO_MODULES when `npm install` has not been run in the runner. */
export function requireModules(root = RUNNER_ROOT): void {
  for (const pkg of ["srvx", "ws", "esbuild", "@hectoday/http", "better-sqlite3"]) {
    if (!existsSync(join(root, "node_modules", pkg))) {
      throw new LearnerError("NO_MODULES", `The package ${pkg} is not installed.`, {
        hint: `Run \`npm install\` in ${root}, then try again.`,
      });
    }
  }
}

/** The course and the lesson a positional argument names (must be available). */
export function lessonArg(p: Parsed): { course: Course; lesson: Lesson } {
  const course = loadCourse();
  const lesson = findLesson(course, p.positionals[0]);
  if (!isAvailable(lesson)) {
    throw new LearnerError(
      "LESSON_NOT_FOUND",
      `Lesson ${lesson.number} (${lesson.title}) is not available yet.`,
      {
        hint: "`npm run labs -- list` shows the lessons you can take.",
      },
    );
  }
  return { course, lesson };
}

/** The workspace the command works on. */
export function workspaceOf(p: Parsed, io: CliIO): string {
  return resolveWorkspace(p.flags.workspace, io.env);
}

/** The terminal style for standard output. */
export function styleOf(io: CliIO): Style {
  return createStyle(wantsColor(io.stdout, io.env));
}

/**
 * Reporters named by `--reporter` (default: pretty on a terminal, plain elsewhere).
 * json and junit go to `--output` when it is given, else to standard output.
 */
export function reportersOf(p: Parsed, io: CliIO): Reporter {
  const names = (p.flags.reporter ?? (io.stdout.isTTY ? "pretty" : "plain"))
    .split(",")
    .map((s) => s.trim());
  const list: Reporter[] = [];
  for (const name of names) {
    if (name === "pretty")
      list.push(new PrettyReporter(io.stdout, styleOf(io), { verbose: p.flags.verbose }));
    else if (name === "plain")
      list.push(new PrettyReporter(io.stdout, createStyle(false), { verbose: p.flags.verbose }));
    else if (name === "json") list.push(new JsonReporter({ file: p.flags.output, out: io.stdout }));
    else if (name === "junit")
      list.push(new JUnitReporter({ file: p.flags.output, out: io.stdout }));
    else if (name === "html") {
      if (!p.flags.output)
        throw new LearnerError("USAGE", "The html reporter writes a file: give it --output.", {
          hint: "For example --reporter html --output report.html.",
        });
      list.push(new HtmlReporter(p.flags.output));
    } else {
      throw new LearnerError("USAGE", `Unknown reporter "${name}".`, {
        hint: "Reporters: pretty, plain, json, junit, html.",
      });
    }
  }
  return combine(list);
}
