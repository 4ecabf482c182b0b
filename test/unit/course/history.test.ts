import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listFixtures, materialiseFixture } from "../../../src/course/fixtures.ts";
import { startEdit } from "../../../src/course/history/edit.ts";
import { git } from "../../../src/course/history/git.ts";
import { saveHistory } from "../../../src/course/history/save.ts";
import { historyProblems } from "../../../src/course/history/verify.ts";
import { type Course, findLesson, loadCourse } from "../../../src/course/manifest.ts";
import { scaffoldLesson } from "../../../src/course/scaffold.ts";
import { isLearnerError } from "../../../src/errors.ts";
import { copyCourse } from "../../helpers/course-copy.ts";

const courses: Course[] = [];
afterEach(async () => {
  for (const c of courses.splice(0)) await rm(c.root, { recursive: true, force: true });
});
async function course(): Promise<Course> {
  const c = await copyCourse();
  courses.push(c);
  return c;
}
const sh = (cwd: string, ...args: string[]) => git(args, { cwd }).stdout;
const edit = (c: Course, at: string) => startEdit(c, { dir: join(c.root, ".labs", "h"), at });

/** Every tree from `slug`'s solution on that has `file`. */
function laterTrees(c: Course, slug: string, file: string): string[] {
  const from = c.lessons.indexOf(findLesson(c, slug));
  return c.lessons
    .slice(from)
    .flatMap((l, i) => (i === 0 ? [l.solutionDir] : [l.starterDir, l.solutionDir]))
    .filter((d) => existsSync(join(d, file)));
}

describe("the course history", () => {
  it("carries one edit of a solution into every later starter, solution and fixture", async () => {
    const c = await course();
    const old =
      "/** The headers that turn a response into an event stream a browser's EventSource accepts. */";
    const now = "/** Headers that make a response an event stream: what EventSource insists on. */";
    const file = "src/routes/events.ts";
    const trees = laterTrees(c, "how-sse-works", file).filter((t) =>
      readFileSync(join(t, file), "utf8").includes(old),
    );
    const lesson = findLesson(c, "how-sse-works");
    const fixtures = c.lessons
      .flatMap((l) => listFixtures(l).map((f) => ({ l, f })))
      .filter(({ f }) => readFileSync(f.patchFile, "utf8").includes(old));
    expect(trees.length).toBeGreaterThan(20);
    expect(fixtures.length).toBeGreaterThan(0);

    const { dir, stops } = await edit(c, "solution/how-sse-works");
    expect(stops).toEqual(["solution/how-sse-works"]);
    writeFileSync(join(dir, file), readFileSync(join(dir, file), "utf8").replace(old, now));
    sh(dir, "commit", "-q", "-a", "--amend", "--no-edit");
    sh(dir, "rebase", "--continue");
    // the stage tags follow the rewritten commits, so `git checkout solution/<slug>` is the stage as it now is
    for (const tag of ["solution/how-sse-works", "starter/capstone"]) {
      const subject = tag.replace("/", ": ");
      const current = sh(dir, "log", "--first-parent", "--format=%H %s", "HEAD")
        .split("\n")
        .find((l) => l.endsWith(` ${subject}`))!;
      expect(sh(dir, "rev-parse", tag).trim(), tag).toBe(current.split(" ")[0]);
    }
    expect(sh(dir, "show", "solution/how-sse-works:src/routes/events.ts")).toContain(now);
    const report = await saveHistory(c, dir);

    expect(report.trees.length).toBe(trees.length);
    for (const t of trees) expect(readFileSync(join(t, file), "utf8"), t).toContain(now);
    for (const t of laterTrees(c, "how-sse-works", file))
      expect(readFileSync(join(t, file), "utf8"), t).not.toContain(old);
    // every fixture of the lesson still applies strictly to the new solution, and keeps the new words
    for (const f of listFixtures(lesson)) {
      const fixed = await materialiseFixture(lesson, f);
      expect(readFileSync(join(fixed, file), "utf8"), f.name).not.toContain(old);
      await rm(fixed, { recursive: true, force: true });
    }
    for (const { f } of fixtures)
      expect(readFileSync(f.patchFile, "utf8"), f.name).not.toContain(old);
    expect(await historyProblems(c)).toEqual([]);
  });

  it("lets an author write an inserted lesson's starter, then its solution, in one rebase", async () => {
    const c0 = await course();
    await scaffoldLesson({ root: c0.root, slug: "rate-limits", at: 9 });
    const c = loadCourse(c0.root);
    const { dir, stops } = await edit(c, "rate-limits");
    expect(stops).toEqual(["starter/rate-limits", "solution/rate-limits"]);
    // first stop: the starter; dropping TODO.md leaves the solution commit empty, which must not stop the rebase
    sh(dir, "rm", "-q", "TODO.md");
    writeFileSync(
      join(dir, "src", "limits.ts"),
      "// TODO(rate-limits): export LIMIT\nexport const LIMIT = 0;\n",
    );
    sh(dir, "add", "-A");
    sh(dir, "commit", "-q", "--amend", "--no-edit");
    sh(dir, "rebase", "--continue");
    expect(sh(dir, "log", "-1", "--format=%s")).toBe("solution: rate-limits\n");
    writeFileSync(join(dir, "src", "limits.ts"), "export const LIMIT = 100;\n");
    sh(dir, "commit", "-q", "-a", "--amend", "--no-edit");
    sh(dir, "rebase", "--continue");
    await saveHistory(c, dir);
    const lesson = findLesson(c, "rate-limits");
    expect(readFileSync(join(lesson.starterDir, "src", "limits.ts"), "utf8")).toContain(
      "TODO(rate-limits)",
    );
    expect(existsSync(join(lesson.starterDir, "TODO.md"))).toBe(false);
    expect(
      readFileSync(join(findLesson(c, "capstone").solutionDir, "src", "limits.ts"), "utf8"),
    ).toBe("export const LIMIT = 100;\n");
    expect(await historyProblems(c)).toEqual([]);
  });

  it("stops an edit that conflicts with a later lesson, naming the lesson, the file and the hunk", async () => {
    const c = await course();
    const { dir } = await edit(c, "solution/long-polling");
    const file = join(dir, "src", "app.ts");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "[...healthRoutes, ...taskRoutes, ...boardRoutes]",
        "[...taskRoutes, ...healthRoutes, ...boardRoutes]",
      ),
    );
    sh(dir, "commit", "-q", "-a", "--amend", "--no-edit");
    expect(git(["rebase", "--continue"], { cwd: dir, allowFail: true }).status).not.toBe(0);
    const error = await saveHistory(c, dir).catch((e) => e);
    expect(isLearnerError(error) && error.code).toBe("HISTORY");
    expect(error.message).toContain('"starter: how-sse-works"');
    expect(error.message).toContain("src/app.ts");
    expect(error.details.join("\n")).toMatch(/src\/app\.ts:\d+:\n\s+<<<<<<< /);
    // nothing was written
    expect(await historyProblems(c)).toEqual([]);
  });

  it("leaves every tree byte-identical when saved without a change", async () => {
    const c = await course();
    const { dir } = await startEdit(c, { dir: join(c.root, ".labs", "h") });
    const report = await saveHistory(c, dir);
    expect(report).toEqual({ trees: [], patches: [], fixtures: [], removed: [] });
  });

  it("finds a tree edited by hand, naming the tree and the file", async () => {
    const c = await course();
    const lesson = findLesson(c, "how-sse-works");
    writeFileSync(join(lesson.solutionDir, "src", "app.ts"), "// edited by hand\n", { flag: "a" });
    const problems = await historyProblems(c);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^solutions\/05-how-sse-works is not what the history makes of it \(M src\/app\.ts\)/,
    );
  });

  it("refuses a fixture whose context no longer matches, instead of applying it loosely", async () => {
    const c = await course();
    const lesson = findLesson(c, "how-sse-works");
    const [fixture] = listFixtures(lesson);
    const patch = readFileSync(fixture.patchFile, "utf8");
    const context = patch.split("\n").find((l) => l.startsWith(" ") && l.trim().length > 3)!;
    writeFileSync(fixture.patchFile, patch.replace(context, `${context} // drifted`));
    const error = await materialiseFixture(lesson, fixture).catch((e) => e);
    expect(isLearnerError(error) && error.code).toBe("HISTORY");
    expect((await historyProblems(c)).join("\n")).toContain(
      `${fixture.name}.patch does not apply cleanly`,
    );
  });

  it("will not throw away an edit that is not saved", async () => {
    const c = await course();
    const dir = join(c.root, ".labs", "h");
    await startEdit(c, { dir });
    writeFileSync(join(dir, "src", "app.ts"), "// unsaved\n", { flag: "a" });
    sh(dir, "commit", "-q", "-a", "-m", "more of the capstone");
    const error = await startEdit(c, { dir }).catch((e) => e);
    expect(isLearnerError(error) && error.code).toBe("HISTORY");
    expect(error.message).toContain("not saved yet");
    expect(sh(dir, "log", "-1", "--format=%s")).toBe("more of the capstone\n");
  });
});
