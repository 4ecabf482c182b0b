import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { LearnerError } from "../../errors.ts";
import { type Fixture, listFixtures, parseFixture } from "../fixtures.ts";
import type { Course } from "../manifest.ts";
import { IGNORED_DIRS } from "../workspace.ts";
import { type CourseTree, courseTrees, parseSubject } from "./course-trees.ts";
import { EMPTY_TREE, git } from "./git.ts";

/** What the history repository never tracks: the runner's and the package manager's leftovers. */
const EXCLUDES = ["node_modules/", ".labs/", "dist/", "*.db", "*.db-wal", "*.db-shm", ".DS_Store"];

/** Creates an empty history repository in `dir` (branch `course`). */
export async function initRepo(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  git(["init", "-q", "-b", "course"], { cwd: dir });
  for (const [k, v] of [
    ["user.name", "course author"],
    ["user.email", "author@localhost"],
    ["core.autocrlf", "false"],
    ["commit.gpgsign", "false"],
    ["rebase.autosquash", "true"],
  ])
    git(["config", k, v], { cwd: dir });
  await writeFile(join(dir, ".git", "info", "exclude"), `${EXCLUDES.join("\n")}\n`);
}

/**
 * Runs `fn` with a private index file (GIT_INDEX_FILE), removed afterwards, so the
 * runner's tree arithmetic never touches the author's own index.
 */
export function withIndex<T>(repo: string, fn: (env: Record<string, string>) => T): T {
  const index = join(repo, ".git", `labs-index-${process.pid}`);
  try {
    return fn({ GIT_INDEX_FILE: index });
  } finally {
    rmSync(index, { force: true });
  }
}

/** The id of the tree a folder holds (as git would store it), computed with a private index. */
export function treeOfDir(repo: string, dir: string): string {
  return withIndex(repo, (env) => {
    git(["read-tree", "--empty"], { cwd: repo, env });
    if (existsSync(dir)) git(["--work-tree", dir, "add", "-A", "."], { cwd: repo, env });
    return git(["write-tree"], { cwd: repo, env }).stdout.trim();
  });
}

/** Makes `dir` hold exactly `tree` (ignored folders such as node_modules are left alone). */
export async function writeTreeTo(repo: string, tree: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) {
    if (!IGNORED_DIRS.has(entry)) await rm(join(dir, entry), { recursive: true, force: true });
  }
  withIndex(repo, (env) => {
    git(["read-tree", tree], { cwd: repo, env });
    git(["--work-tree", dir, "checkout-index", "-a", "-f"], { cwd: repo, env });
  });
}

/** The patch from tree `a` to tree `b`, in the one format the course stores. */
export function diffTrees(repo: string, a: string, b: string): string {
  return git(["diff", "--full-index", "--no-renames", "--binary", "--no-color", a, b], {
    cwd: repo,
  }).stdout;
}

/** The files that differ between two trees, as `M src/app.ts` lines. */
export function changedFiles(repo: string, a: string, b: string): string[] {
  return git(["diff", "--name-status", "--no-renames", a, b], { cwd: repo })
    .stdout.split("\n")
    .filter(Boolean)
    .map((l) => l.replace("\t", " "));
}

/** The tree id of a commit. */
export function treeOf(repo: string, commit: string): string {
  return git(["rev-parse", `${commit}^{tree}`], { cwd: repo }).stdout.trim();
}

function commitTree(
  repo: string,
  tree: string,
  parent: string | undefined,
  message: string,
): string {
  return git(["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-F", "-"], {
    cwd: repo,
    input: message,
  }).stdout.trim();
}

/** Applies a diff to a tree in a private index; strict, like `git apply` on files. */
function applyToTree(repo: string, tree: string, diff: string, what: string): string {
  if (!/^diff --git /m.test(diff)) return tree;
  return withIndex(repo, (env) => {
    git(["read-tree", tree], { cwd: repo, env });
    const r = git(["apply", "--cached", "--whitespace=nowarn", "-"], {
      cwd: repo,
      env,
      input: diff,
      allowFail: true,
    });
    if (r.status !== 0) {
      throw new LearnerError("HISTORY", `${what} does not apply cleanly.`, {
        details: r.stderr.trim().split("\n").slice(0, 8),
        hint: "The stage it is based on changed under it. Make the change through `npm run labs -- dev edit`, then `dev save` (AUTHORING.md, Changing the course).",
      });
    }
    return git(["write-tree"], { cwd: repo, env }).stdout.trim();
  });
}

/** A fixture branch's name in the history repository. */
export function fixtureBranch(slug: string, name: string): string {
  return `fixture/${slug}/${name}`;
}

/** The commit message of a fixture (its patch header, in the body). */
export function fixtureMessage(
  slug: string,
  name: string,
  f: Pick<Fixture, "failsAt" | "about">,
): string {
  return `fixture: ${slug}/${name}\n\nfails-at: ${f.failsAt}\nabout: ${f.about}\n`;
}

/** What building a history produced: each stage's commit, by tag. */
export interface BuiltHistory {
  commits: Map<string, string>;
  fixtures: number;
}

/**
 * Builds the history in `repo` (empty, from `initRepo`): one commit per stage in
 * course order, each the previous one plus its committed patch (or, `fromTrees`,
 * the committed tree as it stands), tagged `starter/<slug>` / `solution/<slug>`;
 * each fixture a branch `fixture/<slug>/<name>` on its lesson's solution. The work
 * tree is left on the last stage.
 */
export async function buildHistory(
  course: Course,
  repo: string,
  opts: { fromTrees?: boolean } = {},
): Promise<BuiltHistory> {
  const commits = new Map<string, string>();
  let parent: string | undefined;
  let tree = EMPTY_TREE;
  for (const t of courseTrees(course)) {
    tree = opts.fromTrees
      ? treeOfDir(repo, t.dir)
      : applyToTree(repo, tree, readPatch(t), rel(course, t.patchFile));
    parent = commitTree(repo, tree, parent, `${t.subject}\n`);
    commits.set(t.tag, parent);
  }
  const refs = [...commits].map(([tag, commit]) => `update refs/tags/${tag} ${commit}`);
  let fixtures = 0;
  for (const lesson of course.lessons) {
    const base = commits.get(`solution/${lesson.slug}`)!;
    const baseTree = treeOf(repo, base);
    for (const f of listFixtures(lesson)) {
      const { diff } = parseFixture(readFileSync(f.patchFile, "utf8"), f.patchFile);
      const fixed = applyToTree(repo, baseTree, diff, rel(course, f.patchFile));
      const commit = commitTree(repo, fixed, base, fixtureMessage(lesson.slug, f.name, f));
      refs.push(`update refs/heads/${fixtureBranch(lesson.slug, f.name)} ${commit}`);
      fixtures++;
    }
  }
  git(["update-ref", "--stdin"], { cwd: repo, input: `${refs.join("\n")}\n` });
  if (parent) {
    git(["reset", "-q", "--hard", parent], { cwd: repo });
  }
  return { commits, fixtures };
}

function readPatch(t: CourseTree): string {
  if (!existsSync(t.patchFile)) {
    throw new LearnerError("HISTORY", `The course history has no ${t.patchFile}.`, {
      hint: "Every lesson folder holds starter.patch and solution.patch; restore it from git, or run `npm run labs -- dev edit --from-trees` then `dev save` to make them from the trees.",
    });
  }
  return readFileSync(t.patchFile, "utf8");
}

/** A path relative to the course root, for messages. */
export function rel(course: Course, path: string): string {
  return path.startsWith(course.root) ? path.slice(course.root.length + 1) : path;
}

/** One stage as the history repository now has it. */
export interface Stage {
  tree: CourseTree;
  /** The last commit of the stage's stretch of history. */
  commit: string;
}

/**
 * Reads the stages back from the history's first-parent line (HEAD): each stage is
 * the last commit before the next stage's commit, so extra commits an author made
 * after a stage's own commit belong to that stage.
 */
export function readStages(course: Course, repo: string): Stage[] {
  const log = git(["log", "--first-parent", "--reverse", "--format=%H%x09%s", "HEAD"], {
    cwd: repo,
  })
    .stdout.split("\n")
    .filter(Boolean);
  const expected = courseTrees(course);
  const found: { subject: string; commit: string }[] = [];
  for (const line of log) {
    const [commit, subject] = line.split("\t");
    if (parseSubject(subject)) found.push({ subject: subject.trim(), commit });
    else if (found.length === 0) {
      throw historyError(`The history starts with "${subject}", which is no stage of the course.`);
    } else found[found.length - 1].commit = commit;
  }
  const got = found.map((f) => f.subject);
  const want = expected.map((t) => t.subject);
  if (got.join("\n") !== want.join("\n")) {
    const missing = want.filter((s) => !got.includes(s));
    const extra = got.filter((s) => !want.includes(s));
    throw historyError("The history's stages are not the course's stages in course order.", [
      ...missing.map((s) => `missing: "${s}"`),
      ...extra.map((s) => `not in lessons/manifest.json: "${s}"`),
      ...(missing.length || extra.length ? [] : ["the stages are out of order"]),
    ]);
  }
  return expected.map((tree, i) => ({ tree, commit: found[i].commit }));
}

function historyError(message: string, details: string[] = []): LearnerError {
  return new LearnerError("HISTORY", message, {
    details,
    hint: "Each stage's commit keeps its subject (`starter: <slug>`, `solution: <slug>`) and stays in course order; `git rebase -i` may change their contents, not drop or reorder them. If the course itself changed since `dev edit` (a lesson added with `labs new`), lay the history out again: `npm run labs -- dev edit --force`.",
  });
}

/** The file in the history's .git folder that records its refs as last built or saved. */
export const SAVED_FILE = "labs-saved";

/** Every ref of the history and HEAD, as one text (what `dev save` last wrote, when equal). */
export function refsSnapshot(repo: string): string {
  const refs = git(["for-each-ref", "--format=%(refname) %(objectname)"], { cwd: repo }).stdout;
  return `${refs}HEAD ${git(["rev-parse", "HEAD"], { cwd: repo }).stdout.trim()}\n`;
}

/** Records that the history now holds nothing unsaved. */
export async function markSaved(repo: string): Promise<void> {
  await writeFile(join(repo, ".git", SAVED_FILE), refsSnapshot(repo));
}

/**
 * A post-rewrite hook for the history: after every rebase or amend it moves the
 * tags starter/<slug> and solution/<slug> to the stages' new commits (the last
 * commit of each stage's stretch of first-parent history), so that
 * `git checkout solution/<slug>` always means the stage as it now is.
 */
const RETAG_SCRIPT = `const { execFileSync } = require("node:child_process");
const git = (...args) => execFileSync("git", args, { encoding: "utf8" });
const log = git("log", "--first-parent", "--reverse", "--format=%H %s", "HEAD").trim().split("\\n");
const tags = new Map();
let last;
for (const line of log) {
  const [commit, ...words] = line.split(" ");
  const m = /^(starter|solution): ([a-z0-9-]+)$/.exec(words.join(" "));
  if (m) last = \`\${m[1]}/\${m[2]}\`;
  if (last) tags.set(last, commit);
}
for (const [tag, commit] of tags) git("update-ref", \`refs/tags/\${tag}\`, commit);
`;

/** Installs the post-rewrite hook that keeps the stage tags on the stages' current commits. */
export async function installRetag(repo: string): Promise<void> {
  const hook = join(repo, ".git", "hooks", "post-rewrite");
  await mkdir(dirname(hook), { recursive: true });
  // .cjs: the work tree's package.json says "type": "module", which would make a bare script ESM
  await writeFile(join(repo, ".git", "labs-retag.cjs"), RETAG_SCRIPT);
  await writeFile(hook, '#!/bin/sh\nexec node "$(git rev-parse --git-dir)/labs-retag.cjs"\n', {
    mode: 0o755,
  });
}
