import { existsSync } from "node:fs";
import { isAvailable, type Lesson, loadCourse } from "../../course/manifest.ts";
import { checkLessons } from "../../course/run-lessons.ts";
import { LearnerError } from "../../errors.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { lessonArg, reportersOf, requireModules, workspaceOf } from "../shared.ts";

/** `labs check <n|slug|all>`: one run, no watching; the exit code tells the outcome. */
export async function checkCommand(p: Parsed, io: CliIO): Promise<number> {
  requireModules();
  const course = loadCourse();
  const arg = p.positionals[0];
  if (!arg)
    throw new LearnerError("USAGE", "Which lesson should be checked?", {
      hint: "`npm run labs -- check 3`, or `check all`.",
    });
  let lessons: Lesson[];
  if (arg === "all") lessons = course.lessons.filter(isAvailable);
  else {
    const { lesson } = lessonArg(p);
    lessons = p.flags.previous
      ? course.lessons.filter((l) => l.number <= lesson.number && isAvailable(l))
      : [lesson];
  }
  const summary = await checkLessons(lessons, {
    reporter: reportersOf(p, io),
    env: io.env,
    ...workspaces(p, io, lessons),
  });
  return summary.status === "pass"
    ? EXIT.ok
    : summary.status === "error"
      ? EXIT.usage
      : EXIT.failed;
}

function workspaces(
  p: Parsed,
  io: CliIO,
  lessons: Lesson[],
): { workspace: string; workspaceOf?: (l: Lesson) => string } {
  if (p.flags.solution) {
    return { workspace: lessons[0]?.solutionDir ?? "", workspaceOf: (l) => l.solutionDir };
  }
  const ws = workspaceOf(p, io);
  if (!existsSync(ws)) {
    throw new LearnerError("WORKSPACE", `There is no workspace at ${ws}.`, {
      hint: "Start a lesson with `npm run lesson <n>` (it creates the workspace), or pass --workspace DIR.",
    });
  }
  return { workspace: ws };
}
