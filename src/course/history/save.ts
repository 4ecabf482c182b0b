import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { LearnerError } from "../../errors.ts";
import { formatFixture, listFixtures } from "../fixtures.ts";
import type { Course } from "../manifest.ts";
import { conflictHunks, mergeText } from "../merge-file.ts";
import { EMPTY_TREE, git } from "./git.ts";
import {
  diffTrees,
  fixtureMessage,
  markSaved,
  readStages,
  rel,
  type Stage,
  treeOf,
  treeOfDir,
  withIndex,
  writeTreeTo,
} from "./history-repo.ts";

/** What `saveHistory` wrote. */
export interface SaveReport {
  trees: string[];
  patches: string[];
  fixtures: string[];
  removed: string[];
}

/** Refuses a history repository in the middle of a rebase, merge or cherry-pick, naming the conflicts. */
export function assertSettled(repo: string): void {
  const gitDir = join(repo, ".git");
  const busy = ["rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD"].find((f) =>
    existsSync(join(gitDir, f)),
  );
  if (!busy) {
    const dirty = git(["status", "--porcelain", "--untracked-files=all"], {
      cwd: repo,
    }).stdout.trim();
    if (dirty) {
      throw new LearnerError("HISTORY", "The history has changes that are not committed.", {
        details: dirty.split("\n").slice(0, 10),
        hint: "Commit them into the stage they belong to (`git commit --fixup <that stage's commit>` then `git rebase -i --autosquash`, or `git commit` at the end for the last stage), or drop them (`git checkout -- .`).",
      });
    }
    return;
  }
  const stopped = ["REBASE_HEAD", "CHERRY_PICK_HEAD", "MERGE_HEAD"]
    .filter((ref) => existsSync(join(gitDir, ref)))
    .map((ref) => git(["log", "-1", "--format=%s", ref], { cwd: repo }).stdout.trim())[0];
  const conflicted = git(["diff", "--name-only", "--diff-filter=U"], { cwd: repo })
    .stdout.split("\n")
    .filter(Boolean);
  const details: string[] = [];
  for (const file of conflicted) {
    const text = existsSync(join(repo, file)) ? readFileSync(join(repo, file), "utf8") : "";
    for (const h of conflictHunks(text)) {
      details.push(`${file}:${h.line}:`, ...h.lines.slice(0, 12).map((l) => `    ${l}`));
    }
    if (!conflictHunks(text).length)
      details.push(`${file}: conflicted (added or deleted on one side)`);
  }
  const where = stopped ? ` at "${stopped}"` : "";
  throw new LearnerError(
    "HISTORY",
    conflicted.length
      ? `Your change conflicts with a later lesson${where}: ${conflicted.join(", ")}.`
      : `A git ${busy.startsWith("rebase") ? "rebase" : "merge"} is still under way in the history${where}.`,
    {
      details,
      hint: conflicted.length
        ? `Resolve the hunks in ${repo} (keep what${stopped ? ` "${stopped}"` : " the later lesson"} needs on top of your change), \`git add\` the files, \`git rebase --continue\`, then \`npm run labs -- dev save\`. Or give up the change: \`git rebase --abort\`.`
        : `Finish it in ${repo} (\`git rebase --continue\`), then run \`npm run labs -- dev save\`.`,
    },
  );
}

/**
 * `labs dev save`: writes every stage of the history in `repo` back into the course:
 * the complete trees (`lessons/NN/starter`, `solutions/NN`), each stage's patch, and
 * every fixture patch, carried onto its lesson's new solution by a three-way merge.
 * Nothing is written when any fixture conflicts.
 */
export async function saveHistory(
  course: Course,
  repo: string,
  opts: { dryRun?: boolean } = {},
): Promise<SaveReport> {
  const write = !opts.dryRun;
  assertSettled(repo);
  const stages = readStages(course, repo);
  const bySlug = new Map(
    stages.filter((s) => s.tree.kind === "solution").map((s) => [s.tree.lesson.slug, s]),
  );
  const fixtures = carryFixtures(course, repo, bySlug);
  const report: SaveReport = { trees: [], patches: [], fixtures: [], removed: [] };
  let previous = EMPTY_TREE;
  const refs: string[] = [];
  for (const stage of stages) {
    const tree = treeOf(repo, stage.commit);
    if (treeOfDir(repo, stage.tree.dir) !== tree) {
      if (write) await writeTreeTo(repo, tree, stage.tree.dir);
      report.trees.push(rel(course, stage.tree.dir));
    }
    if (await writeIfChanged(stage.tree.patchFile, diffTrees(repo, previous, tree), write))
      report.patches.push(rel(course, stage.tree.patchFile));
    refs.push(`update refs/tags/${stage.tree.tag} ${stage.commit}`);
    previous = tree;
  }
  const kept = new Set<string>();
  for (const f of fixtures) {
    kept.add(f.file);
    if (await writeIfChanged(f.file, f.text, write)) report.fixtures.push(rel(course, f.file));
    if (f.newCommit) refs.push(`update refs/heads/${f.branch} ${f.newCommit}`);
  }
  for (const lesson of course.lessons) {
    for (const f of listFixtures(lesson)) {
      if (!kept.has(f.patchFile)) {
        if (write) await rm(f.patchFile);
        report.removed.push(rel(course, f.patchFile));
      }
    }
  }
  if (write) {
    git(["update-ref", "--stdin"], { cwd: repo, input: `${refs.join("\n")}\n` });
    await markSaved(repo);
  }
  return report;
}

async function writeIfChanged(file: string, text: string, write: boolean): Promise<boolean> {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return false;
  if (!write) return true;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  return true;
}

interface CarriedFixture {
  branch: string;
  file: string;
  text: string;
  newCommit?: string;
}

/** Each fixture branch, moved onto its lesson's solution as the history now has it. */
function carryFixtures(
  course: Course,
  repo: string,
  solutions: Map<string, Stage>,
): CarriedFixture[] {
  // One call reads every fixture branch: name, tip, tip's tree, parent's tree, message body.
  const refs = git(
    [
      "for-each-ref",
      "--format=%(refname:short)%00%(objectname)%00%(tree)%00%(parent)%00%(contents:body)%00%00",
      "refs/heads/fixture/",
    ],
    { cwd: repo },
  )
    .stdout.split("\0\0\n")
    .filter((r) => r.trim());
  const out: CarriedFixture[] = [];
  const conflicts: string[] = [];
  const solutionTrees = new Map<string, string>();
  for (const ref of refs) {
    const [branch, tip, tipTree, parent, body] = ref.split("\0");
    const [, slug, name] = branch.split("/");
    const solution = solutions.get(slug);
    if (!solution || !name) {
      throw new LearnerError("HISTORY", `The branch ${branch} names no lesson of the course.`, {
        hint: "Fixture branches are named fixture/<lesson slug>/<fixture name>; rename or delete it (git branch -m / -D).",
      });
    }
    const failsAt = /^fails-at:\s*(.+)$/m.exec(body)?.[1]?.trim();
    const about = /^about:\s*(.+)$/m.exec(body)?.[1]?.trim();
    if (!failsAt || !about) {
      throw new LearnerError(
        "HISTORY",
        `The fixture commit on ${branch} has no fails-at/about lines.`,
        {
          hint: "Its message body says `fails-at: <step slug>` and `about: <what it breaks>` (git commit --amend).",
        },
      );
    }
    if (!solutionTrees.has(slug)) solutionTrees.set(slug, treeOf(repo, solution.commit));
    const newBase = solutionTrees.get(slug)!;
    let fixed = tipTree;
    let newCommit: string | undefined;
    if (treeOf(repo, parent) !== newBase) {
      const moved = moveChange(repo, parent, tip, solution.commit, `${slug}/${name}`);
      if (moved.conflicts.length) {
        conflicts.push(...moved.conflicts);
        continue;
      }
      fixed = moved.tree;
      newCommit = git(["commit-tree", fixed, "-p", solution.commit, "-F", "-"], {
        cwd: repo,
        input: fixtureMessage(slug, name, { failsAt, about }),
      }).stdout.trim();
    }
    const diff = diffTrees(repo, newBase, fixed);
    const file = join(solution.tree.lesson.fixturesDir, `${name}.patch`);
    if (!diff.trim()) {
      conflicts.push(
        `${rel(course, file)}: the fixture no longer changes the solution (the edit made it the same)`,
      );
      continue;
    }
    out.push({ branch, file, text: formatFixture({ failsAt, about }, diff), newCommit });
  }
  if (conflicts.length) {
    throw new LearnerError(
      "HISTORY",
      "Some fixtures cannot be carried onto the changed solutions; nothing was written.",
      {
        details: conflicts,
        hint: "Edit each named fixture on its branch in the history (git checkout fixture/<slug>/<name>, rebase it onto the new solution commit, resolve, commit), or delete the branch to drop it; then run `npm run labs -- dev save` again.",
      },
    );
  }
  return out;
}

/** Three-way moves the change `from`→`to` onto `onto`, file by file; returns the new tree or the conflicts. */
function moveChange(
  repo: string,
  from: string,
  to: string,
  onto: string,
  what: string,
): { tree: string; conflicts: string[] } {
  const changes = git(["diff", "--name-only", "--no-renames", from, to], { cwd: repo })
    .stdout.split("\n")
    .filter(Boolean);
  const conflicts: string[] = [];
  const blob = (commit: string, path: string) => {
    const r = git(["show", `${commit}:${path}`], { cwd: repo, allowFail: true });
    return r.status === 0 ? r.stdout : undefined;
  };
  return withIndex(repo, (env) => {
    git(["read-tree", onto], { cwd: repo, env });
    for (const path of changes) {
      const base = blob(from, path);
      const ours = blob(onto, path);
      const theirs = blob(to, path);
      let result: string | undefined;
      if (ours === base) result = theirs;
      else if (theirs === base) result = ours;
      else if (ours === undefined || theirs === undefined || base === undefined) {
        conflicts.push(
          `${what}: ${path} was added or deleted on one side and changed on the other`,
        );
        continue;
      } else {
        const merged = mergeText(ours, base, theirs, ["solution", "old solution", what]);
        if (merged.conflicts) {
          for (const h of conflictHunks(merged.text))
            conflicts.push(`${what}: ${path}:${h.line}: ${h.lines.slice(1, 4).join(" ⏎ ")}`);
          continue;
        }
        result = merged.text;
      }
      if (result === undefined)
        git(["update-index", "--force-remove", "--", path], { cwd: repo, env });
      else {
        const oid = git(["hash-object", "-w", "--stdin"], {
          cwd: repo,
          input: result,
        }).stdout.trim();
        git(["update-index", "--add", "--cacheinfo", `100644,${oid},${path}`], { cwd: repo, env });
      }
    }
    return { tree: git(["write-tree"], { cwd: repo, env }).stdout.trim(), conflicts };
  });
}
