import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { LearnerError } from "../../errors.ts";
import type { Course } from "../manifest.ts";
import { courseTrees } from "./course-trees.ts";
import { git } from "./git.ts";
import {
  buildHistory,
  initRepo,
  installRetag,
  markSaved,
  refsSnapshot,
  SAVED_FILE,
} from "./history-repo.ts";
import { assertSettled } from "./save.ts";

/** Where `labs dev edit` lays out the history unless told otherwise. */
export function defaultEditDir(course: Course): string {
  return join(course.root, ".labs", "course-history");
}

/** True when the history repository holds nothing that `dev save` has not written. */
function isSaved(repo: string): boolean {
  try {
    assertSettled(repo);
    return refsSnapshot(repo) === readFileSync(join(repo, ".git", SAVED_FILE), "utf8");
  } catch {
    return false;
  }
}

/**
 * `labs dev edit`: lays the course out as a git repository, one commit per stage in
 * course order (starter 1, solution 1, starter 2, …), tagged `starter/<slug>` and
 * `solution/<slug>`, with a branch per fixture. With `at` (a slug, `starter/<slug>` or
 * `solution/<slug>`) it also starts an interactive rebase that stops at that stage
 * (both stages of a lesson for a bare slug), so the author can change it and let git
 * replay every later lesson on top.
 */
export async function startEdit(
  course: Course,
  opts: { dir?: string; at?: string; fromTrees?: boolean; force?: boolean } = {},
): Promise<{ dir: string; stops: string[]; fixtures: number }> {
  const dir = opts.dir ?? defaultEditDir(course);
  if (existsSync(join(dir, ".git"))) {
    if (!opts.force && !isSaved(dir)) {
      throw new LearnerError(
        "HISTORY",
        `${dir} holds an edit of the course that is not saved yet.`,
        {
          hint: "Save it first (`npm run labs -- dev save`), or throw it away and start again with `dev edit --force`.",
        },
      );
    }
    await rm(dir, { recursive: true, force: true });
  } else if (existsSync(dir)) {
    throw new LearnerError("HISTORY", `${dir} exists and is not a history repository.`, {
      hint: "Pick another folder with --dir, or remove it.",
    });
  }
  await initRepo(dir);
  const built = await buildHistory(course, dir, { fromTrees: opts.fromTrees });
  const stops = opts.at ? stopsFor(course, opts.at) : [];
  await installRetag(dir);
  await markSaved(dir);
  if (stops.length) startRebase(dir, built.commits, stops);
  return { dir, stops, fixtures: built.fixtures };
}

function stopsFor(course: Course, at: string): string[] {
  const tags = courseTrees(course).map((t) => t.tag);
  if (tags.includes(at)) return [at];
  const both = [`starter/${at}`, `solution/${at}`];
  if (both.every((t) => tags.includes(t))) return both;
  throw new LearnerError("USAGE", `--at ${at} names no stage of the course.`, {
    hint: "Give a lesson slug (both its stages), or starter/<slug> or solution/<slug>; `npm run labs -- list` shows the slugs.",
  });
}

/** The sequence editor of `startRebase`: marks the commits named in LABS_EDIT_MARKS `edit`. */
const MARK_EDIT = `const fs = require("node:fs");
const file = process.argv[2];
const marks = process.env.LABS_EDIT_MARKS.split(" ");
const todo = fs.readFileSync(file, "utf8").split("\\n").map((line) => {
  const [verb, sha, ...rest] = line.split(" ");
  return verb === "pick" && marks.some((m) => m.startsWith(sha) || sha.startsWith(m)) ? ["edit", sha, ...rest].join(" ") : line;
});
fs.writeFileSync(file, todo.join("\\n"));
`;

/** Starts `git rebase -i` from just before the first stop, with every stop marked `edit`. */
function startRebase(dir: string, commits: Map<string, string>, stops: string[]): void {
  const first = commits.get(stops[0])!;
  const hasParent =
    git(["rev-parse", "-q", "--verify", `${first}^`], { cwd: dir, allowFail: true }).status === 0;
  const editor = join(dir, ".git", "labs-mark-edit.cjs");
  writeFileSync(editor, MARK_EDIT);
  // --empty=keep: a stage that the author's change makes empty (a new lesson's solution,
  // once the starter drops its TODO.md) stays in the history instead of stopping the rebase.
  const r = git(["rebase", "-i", "--empty=keep", ...(hasParent ? [`${first}^`] : ["--root"])], {
    cwd: dir,
    env: {
      GIT_SEQUENCE_EDITOR: `node ${JSON.stringify(editor)}`,
      GIT_EDITOR: "true",
      LABS_EDIT_MARKS: stops.map((t) => commits.get(t)!).join(" "),
    },
    allowFail: true,
  });
  if (r.status !== 0 || !existsSync(join(dir, ".git", "rebase-merge"))) {
    throw new Error(`could not start the rebase in ${dir}: ${r.stderr}`);
  }
}
