import { START_STEP } from "../../checks/harness.ts";
import type { LessonResult } from "../../checks/results.ts";
import { type HintLevel, hintLevels, nextHintLevel } from "../../course/hint-levels.ts";
import { type Lesson, loadChecker } from "../../course/manifest.ts";
import { readLastResult } from "../../course/progress.ts";
import type { Style } from "../../report/style.ts";
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
  if (p.flags.all) {
    const checker = await loadChecker(lesson);
    const steps = checker.server === false ? checker.steps : [START_STEP, ...checker.steps];
    io.stdout.write(`${s.bold(`Hints for lesson ${lesson.number} · ${lesson.title}`)}\n`);
    steps.forEach((step, i) => {
      io.stdout.write(`\n${i + 1}. ${s.bold(step.title)}\n   ${step.hint}\n`);
    });
    return EXIT.ok;
  }
  const ws = workspaceOf(p, io);
  const last = readLastResult<LessonResult>(ws, lesson);
  if (await writeNextHint(io, s, { lesson, workspace: ws, result: last })) return EXIT.ok;
  if (last?.status === "pass") {
    io.stdout.write(
      `${s.bold(`Lesson ${lesson.number} · ${lesson.title}`)} passed last time. What it checked:\n`,
    );
    last.steps.forEach((step, i) => {
      io.stdout.write(`  ${i + 1}. ${step.title}\n`);
    });
    return EXIT.ok;
  }
  const checker = await loadChecker(lesson);
  const first = checker.steps[0] ?? START_STEP;
  io.stdout.write(
    `${s.bold(`Lesson ${lesson.number} · ${lesson.title}`)}: no check has run in this workspace yet, so there is no step you are stuck on.\n` +
      `Run \`npm run labs -- check ${lesson.number}\` (or \`npm run lesson ${lesson.number}\`), then ask again.\n\n` +
      `${s.yellow("The first step:")} ${first.title}\n  ${first.nudge ?? first.hint}\n`,
  );
  return EXIT.ok;
}

/**
 * Writes the failing step of `result` and its hint, one level more than last
 * time (the levels come with the result; those shown are kept in the
 * workspace); false when nothing failed.
 * `labs hint` and the `h` key of watch mode both use it.
 */
export async function writeNextHint(
  io: CliIO,
  s: Style,
  at: { lesson: Lesson; workspace: string; result?: LessonResult },
): Promise<boolean> {
  const { lesson, result } = at;
  const failing = result?.steps.find((x) => x.status === "fail" || x.status === "error");
  if (!result || !failing) return false;
  const n = result.steps.indexOf(failing) + 1;
  const levels = hintLevels(failing);
  const level = await nextHintLevel(at.workspace, lesson.slug, failing.slug, levels.length);
  io.stdout.write(
    `${s.bold(`Lesson ${lesson.number}, step ${n} of ${result.steps.length}: "${failing.title}"`)} failed last time:\n  ${failing.message ?? ""}\n\n`,
  );
  io.stdout.write(formatLevels(levels, level, s));
  if (level < levels.length) {
    io.stdout.write(
      s.dim(
        `\nAsk again for hint ${level + 1} of ${levels.length} (npm run labs -- hint ${lesson.number}, or h while watching).\n`,
      ),
    );
  }
  return true;
}

/** The first `level` hint levels, numbered and labelled. */
export function formatLevels(levels: HintLevel[], level: number, s: Style): string {
  return levels
    .slice(0, level)
    .map((l, i) => {
      const tag =
        levels.length > 1
          ? `Hint ${i + 1} of ${levels.length}, ${l.label.toLowerCase()}:`
          : "Hint:";
      return `${s.yellow(tag)} ${l.text}\n`;
    })
    .join("");
}
