/**
 * "Your task" against the starter: the lesson text's task list names exactly the
 * files the learner still writes, and what the starter already has is named apart.
 *
 * In `lesson.md`, the `## Your task` section holds numbered items that start with the
 * file in bold code (`1. **`src/sse.ts`**: …`), and optionally one paragraph that
 * starts `Already in your starter` naming what the starter has done for the learner. The
 * lesson's `solution.patch` says which files the learner changes. The rules:
 *
 *   - every file the solution changes has an item, and its starter version carries a
 *     `TODO(<slug>)` marker, so the learner finds it;
 *   - every item names a file the solution changes (a task the starter already did
 *     sends learners hunting for a TODO that is not there), and so does an item's
 *     "add … to `file`" (or in, into; also call, register, put, move);
 *   - a file named as already in the starter is there (it may also have an item, for
 *     the part the learner still writes);
 *   - no starter file keeps a `TODO(<slug>)` marker the solution leaves alone.
 *
 * The knowledge check's `answers/<slug>.json` is exempt: the runner asks for it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { courseRelative, walkFiles } from "./course-lint.ts";
import type { Lesson } from "./manifest.ts";

/** The line that opens the paragraph of files the starter already has. */
export const GIVEN_LEAD = "Already in your starter";

const ITEM_RE = /^(\d+)\.\s+\*\*`([^`]+)`\*\*/;
const PATH_RE = /`((?:src|public|answers)\/[\w./-]+\.[a-z]+)`/g;
/** "add `x` to `src/app.ts`": an instruction to change another file, within one clause. */
const ADD_TO_RE =
  /\b(?:add|call|register|put|move)\b(?:`[^`]*`|[^.;:`])*?\b(?:in|to|into)\s+\*{0,2}`((?:src|public)\/[\w./-]+\.[a-z]+)`/gi;

/** What the `## Your task` section of a lesson text says. */
export interface TaskSection {
  /** The items: their number, the file they start with, and the files they say to add something to. */
  items: { n: number; file: string; paths: string[] }[];
  /** The files named in the paragraph that starts `Already in your starter`. */
  given: string[];
}

/** Reads the `## Your task` section of `markdown`, or undefined when there is none. */
export function readTaskSection(markdown: string): TaskSection | undefined {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => /^##\s+Your task\s*$/.test(l));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^##\s/.test(l) || /^\s*<!--\s*steps:/.test(l));
  const body = end < 0 ? rest : rest.slice(0, end);
  const section: TaskSection = { items: [], given: [] };
  const texts: string[] = [];
  let inItem = false;
  let inGiven = false;
  for (const line of body) {
    const item = ITEM_RE.exec(line);
    if (item) {
      inGiven = false;
      inItem = true;
      section.items.push({ n: Number(item[1]), file: item[2]!, paths: [] });
      texts.push(line.replace(ITEM_RE, ""));
    } else if (line.startsWith(GIVEN_LEAD)) {
      inGiven = true;
      inItem = false;
    } else if (line.trim() === "") {
      inGiven = false;
    } else if (!/^\s/.test(line)) {
      // a paragraph at the left margin ends the item it follows
      inItem = false;
    }
    if (inGiven) section.given.push(...[...line.matchAll(PATH_RE)].map((m) => m[1]!));
    else if (inItem && !item) texts[texts.length - 1] += ` ${line.trim()}`;
  }
  section.items.forEach((it, i) => {
    it.paths = [...texts[i]!.matchAll(ADD_TO_RE)].map((m) => m[1]!);
  });
  return section;
}

/** The files `solution.patch` changes (added, edited or deleted), by their path in the tree. */
export function filesTheSolutionChanges(patchText: string): string[] {
  return [
    ...new Set(
      [...patchText.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)].flatMap((m) =>
        m[1] === m[2] ? [m[1]!] : [m[1]!, m[2]!],
      ),
    ),
  ];
}

/** Problems of the lesson's task list against its starter and solution (empty when they agree). */
export function taskListProblems(lesson: Lesson): string[] {
  const patch = join(lesson.dir, "solution.patch");
  if (!existsSync(lesson.lessonFile) || !existsSync(patch) || !existsSync(lesson.starterDir))
    return [];
  const where = courseRelative(lesson, lesson.lessonFile);
  const section = readTaskSection(readFileSync(lesson.lessonFile, "utf8"));
  if (!section) return [`${where}: has no "## Your task" section`];
  const answers = `answers/${lesson.slug}.json`;
  const changed = new Set(
    // TODO.md is the `labs new` skeleton's, reported by skeletonProblems
    filesTheSolutionChanges(readFileSync(patch, "utf8")).filter(
      (f) => f !== answers && f !== "TODO.md",
    ),
  );
  const marker = `TODO(${lesson.slug})`;
  const starterHas = (f: string) => existsSync(join(lesson.starterDir, f));
  const marked = (f: string) =>
    starterHas(f) && readFileSync(join(lesson.starterDir, f), "utf8").includes(marker);
  const itemFiles = new Set(section.items.map((i) => i.file));
  const problems: string[] = [];

  for (const f of changed) {
    if (!itemFiles.has(f))
      problems.push(
        `${where}: the solution changes ${f}, but "## Your task" has no item for it; add one that starts **\`${f}\`**`,
      );
    if (starterHas(f) && !marked(f))
      problems.push(
        `${courseRelative(lesson, join(lesson.starterDir, f))}: the learner writes part of this file in this lesson, but it has no ${marker} marker showing where`,
      );
  }
  for (const item of section.items) {
    if (item.file !== answers && !changed.has(item.file))
      problems.push(
        `${where}: item ${item.n} asks for ${item.file}, which the starter already has as the solution needs it; name it after "${GIVEN_LEAD}" instead`,
      );
    for (const p of item.paths)
      if (p !== answers && !changed.has(p) && p !== item.file)
        problems.push(
          `${where}: item ${item.n} names ${p}, which the solution does not change; say it is already in the starter (after "${GIVEN_LEAD}") or drop it`,
        );
  }
  for (const f of new Set(section.given)) {
    if (!starterHas(f))
      problems.push(`${where}: "${GIVEN_LEAD}" names ${f}, which the starter does not have`);
  }
  for (const abs of walkFiles(lesson.starterDir)) {
    const f = relative(lesson.starterDir, abs).split(sep).join("/");
    if (changed.has(f) || f === answers) continue;
    if (/\.(ts|js|mjs|html|css)$/.test(f) && readFileSync(abs, "utf8").includes(marker))
      problems.push(
        `${courseRelative(lesson, abs)}: keeps a ${marker} marker, but the solution leaves the file as it is`,
      );
  }
  return problems;
}
