import { existsSync } from "node:fs";
import { isAvailable, type Lesson, loadCourse } from "../../course/manifest.ts";
import { checkLessons } from "../../course/run-lessons.ts";
import { materialise } from "../../course/workspace.ts";
import { LearnerError } from "../../errors.ts";
import { removeTempDir } from "../../runner/teardown.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { recordCheck } from "../record.ts";
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
  const { workspace, workspaceOf, cleanup } = await workspaces(p, io, lessons, arg === "all");
  try {
    const summary = await checkLessons(lessons, {
      reporter: reportersOf(p, io),
      env: io.env,
      workspace,
      workspaceOf,
    });
    // The learner's own workspace keeps the result, as watch mode does (`hint`, `list`).
    if (!p.flags.solution) {
      for (const result of summary.lessons) {
        const lesson = lessons.find((l) => l.slug === result.slug);
        if (lesson) await recordCheck(workspace, lesson, result, course);
      }
    }
    return summary.status === "pass"
      ? EXIT.ok
      : summary.status === "error"
        ? EXIT.usage
        : EXIT.failed;
  } finally {
    await cleanup();
  }
}

/**
 * Where each lesson is checked. `--solution` checks private copies of the reference
 * solutions (never the repository's own folders): each lesson its own solution, or,
 * with `--previous`, every earlier lesson against the named lesson's solution, which
 * is what a learner's project must survive after passing it.
 */
async function workspaces(
  p: Parsed,
  io: CliIO,
  lessons: Lesson[],
  all: boolean,
): Promise<{
  workspace: string;
  workspaceOf?: (l: Lesson) => string;
  cleanup: () => Promise<void>;
}> {
  if (p.flags.solution) {
    const sources = all || !p.flags.previous ? lessons : [lessons.at(-1)!];
    const copies = new Map<Lesson, string>();
    for (const l of sources) copies.set(l, await materialise(l.solutionDir));
    const own = (l: Lesson) => copies.get(l) ?? copies.get(lessons.at(-1)!)!;
    return {
      workspace: own(lessons.at(-1)!),
      workspaceOf: own,
      cleanup: async () => {
        for (const dir of copies.values()) await removeTempDir(dir);
      },
    };
  }
  const ws = workspaceOf(p, io);
  if (!existsSync(ws)) {
    throw new LearnerError("WORKSPACE", `There is no workspace at ${ws}.`, {
      hint: "Start a lesson with `npm run lesson <n>` (it creates the workspace), or pass --workspace DIR.",
    });
  }
  return { workspace: ws, cleanup: async () => {} };
}
