import { START_STEP } from "../../checks/harness.ts";
import type { LessonResult } from "../../checks/results.ts";
import { loadChecker } from "../../course/manifest.ts";
import { readLastResult } from "../../course/progress.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { lessonArg, styleOf, workspaceOf } from "../shared.ts";

/** `labs hint <n>`: the hint of the step that failed last, or all the lesson's hints. */
export async function hintCommand(p: Parsed, io: CliIO): Promise<number> {
  const { lesson } = lessonArg(p);
  const s = styleOf(io);
  const last = readLastResult<LessonResult>(workspaceOf(p, io), lesson);
  const failing = last?.steps.find((x) => x.status === "fail" || x.status === "error");
  if (failing) {
    io.stdout.write(
      `${s.bold(`Lesson ${lesson.number}, step "${failing.title}"`)} failed last time:\n  ${failing.message ?? ""}\n\n${s.yellow("Hint:")} ${failing.hint}\n`,
    );
    return EXIT.ok;
  }
  const checker = await loadChecker(lesson);
  io.stdout.write(`${s.bold(`Hints for lesson ${lesson.number} · ${lesson.title}`)}\n`);
  const steps = checker.server === false ? checker.steps : [START_STEP, ...checker.steps];
  steps.forEach((step, i) => {
    io.stdout.write(`\n${i + 1}. ${s.bold(step.title)}\n   ${step.hint}\n`);
  });
  return EXIT.ok;
}
