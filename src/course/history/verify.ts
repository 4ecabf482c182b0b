import { isLearnerError } from "../../errors.ts";
import { makeTempDir, removeTempDir } from "../../runner/teardown.ts";
import type { Course } from "../manifest.ts";
import { courseTrees } from "./course-trees.ts";
import { buildHistory, changedFiles, initRepo, rel, treeOf, treeOfDir } from "./history-repo.ts";
import { saveHistory } from "./save.ts";

const FIX =
  "make the change through `npm run labs -- dev edit` and `dev save` (AUTHORING.md, Changing the course)";

/**
 * The course's history invariants, as problem sentences (empty when all hold):
 * every stage patch and fixture patch applies strictly, in course order; every
 * committed tree is exactly what the patches produce; and saving the history
 * unchanged would write nothing (the round trip is byte-identical).
 */
export async function historyProblems(course: Course): Promise<string[]> {
  const repo = await makeTempDir("labs-history-");
  const problems: string[] = [];
  try {
    await initRepo(repo);
    let commits: Map<string, string>;
    try {
      commits = (await buildHistory(course, repo)).commits;
    } catch (error) {
      if (!isLearnerError(error)) throw error;
      return [`${error.message} ${error.details.join(" ")}`.trim()];
    }
    let previous: string | undefined;
    for (const t of courseTrees(course)) {
      const expected = treeOf(repo, commits.get(t.tag)!);
      const actual = treeOfDir(repo, t.dir);
      if (actual !== expected) {
        const files = changedFiles(repo, expected, actual);
        problems.push(
          `${rel(course, t.dir)} is not what the history makes of it (${files.slice(0, 6).join(", ")}${files.length > 6 ? ", …" : ""}): a tree was edited by hand; ${FIX}, or adopt the hand edits with \`dev edit --from-trees\` then \`dev save\``,
        );
      }
      if (previous === expected)
        problems.push(
          `${rel(course, t.patchFile)} changes nothing: the ${t.kind} of ${t.lesson.slug} is the same tree as the stage before it; give it the lesson's change with \`npm run labs -- dev edit --at ${t.tag}\``,
        );
      previous = expected;
    }
    if (problems.length === 0) {
      const report = await saveHistory(course, repo, { dryRun: true });
      const stale = [...report.trees, ...report.patches, ...report.fixtures, ...report.removed];
      if (stale.length)
        problems.push(
          `saving the history unchanged would rewrite ${stale.join(", ")}: a patch was written by hand; run \`npm run labs -- dev edit\` then \`dev save\` to store it in the canonical form`,
        );
    }
    return problems;
  } finally {
    await removeTempDir(repo);
  }
}
