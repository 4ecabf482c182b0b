import { readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { StepResult } from "../checks/results.ts";

/** One level of a step's hint, as shown. */
export interface HintLevel {
  label: string;
  text: string;
}

/**
 * The hint levels of a failing step, from the least to the most telling: the
 * nudge (where to look), the concept (the idea), then the near-solution. The
 * harness puts the first two on a result only when its hint is the step's own;
 * a failure that brought advice of its own (a server that did not start, a
 * module that did not answer) has that advice as its only level.
 */
export function hintLevels(failed: Pick<StepResult, "hint" | "nudge" | "concept">): HintLevel[] {
  return [
    ...(failed.nudge ? [{ label: "Where to look", text: failed.nudge }] : []),
    ...(failed.concept ? [{ label: "The idea", text: failed.concept }] : []),
    { label: "What to do", text: failed.hint },
  ];
}

/** Where the levels already shown are kept: `.labs/hints.json`, `{ lessonSlug: { stepSlug: n } }`. */
function levelsFile(workspace: string): string {
  return join(workspace, ".labs", "hints.json");
}

function read(workspace: string): Record<string, Record<string, number>> {
  try {
    const value = JSON.parse(readFileSync(levelsFile(workspace), "utf8"));
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

/**
 * Counts one more request for a hint of `stepSlug` in `lessonSlug` and says how
 * many levels to show now (1 the first time, one more each time, at most `of`).
 */
export async function nextHintLevel(
  workspace: string,
  lessonSlug: string,
  stepSlug: string,
  of: number,
): Promise<number> {
  const all = read(workspace);
  const shown = Number(all[lessonSlug]?.[stepSlug] ?? 0);
  const level = Math.min(of, (Number.isFinite(shown) ? shown : 0) + 1);
  all[lessonSlug] = { ...all[lessonSlug], [stepSlug]: level };
  const file = levelsFile(workspace);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return level;
}
