import { START_STEP } from "../../checks/harness.ts";
import type { LessonResult } from "../../checks/results.ts";
import { loadChecker } from "../../course/manifest.ts";
import { readLastResult } from "../../course/progress.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { lessonArg, styleOf, workspaceOf } from "../shared.ts";

/**
 * `labs hint <n>`: the hint of the step that failed in the last check of lesson
 * n (watch mode and `labs check` both record it), and never the hints of the
 * steps after it. After a pass it lists what the lesson checked; before any
 * check it says how to get one, with the first step's hint. `--all` prints
 * every step's hint (for instructors).
 */
export async function hintCommand(p: Parsed, io: CliIO): Promise<number> {
  const { lesson } = lessonArg(p);
  const s = styleOf(io);
  const checker = await loadChecker(lesson);
  const steps = checker.server === false ? checker.steps : [START_STEP, ...checker.steps];
  if (p.flags.all) {
    io.stdout.write(`${s.bold(`Hints for lesson ${lesson.number} · ${lesson.title}`)}\n`);
    steps.forEach((step, i) => {
      io.stdout.write(`\n${i + 1}. ${s.bold(step.title)}\n   ${step.hint}\n`);
    });
    return EXIT.ok;
  }
  const last = readLastResult<LessonResult>(workspaceOf(p, io), lesson);
  const failing = last?.steps.find((x) => x.status === "fail" || x.status === "error");
  if (failing) {
    const n = last!.steps.indexOf(failing) + 1;
    io.stdout.write(
      `${s.bold(`Lesson ${lesson.number}, step ${n} of ${last!.steps.length}: "${failing.title}"`)} failed last time:\n  ${failing.message ?? ""}\n\n${s.yellow("Hint:")} ${failing.hint}\n`,
    );
    return EXIT.ok;
  }
  if (last?.status === "pass") {
    io.stdout.write(
      `${s.bold(`Lesson ${lesson.number} · ${lesson.title}`)} passed last time. What it checked:\n`,
    );
    last.steps.forEach((step, i) => {
      io.stdout.write(`  ${i + 1}. ${step.title}\n`);
    });
    return EXIT.ok;
  }
  const first = checker.steps[0] ?? steps[0]!;
  io.stdout.write(
    `${s.bold(`Lesson ${lesson.number} · ${lesson.title}`)}: no check has run in this workspace yet, so there is no step you are stuck on.\n` +
      `Run \`npm run labs -- check ${lesson.number}\` (or \`npm run lesson ${lesson.number}\`), then ask again.\n\n` +
      `${s.yellow("The first step:")} ${first.title}\n  ${first.hint}\n`,
  );
  return EXIT.ok;
}
