import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadCourse } from "../../../src/course/manifest.ts";
import { readTaskSection, taskListProblems } from "../../../src/course/task-lint.ts";

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

const SLUG = "short-polling";
const MARK = `// TODO(${SLUG}): write it\n`;

/** A one-lesson course whose solution changes `changed`, with `starter` files and a `task` section. */
async function lessonWith(opts: {
  task: string;
  starter: Record<string, string>;
  changed: string[];
}) {
  root = await mkdtemp(join(tmpdir(), "labs-task-"));
  const manifest = { version: 1, lessons: [{ number: 1, slug: SLUG, title: "T", section: "S" }] };
  await mkdir(join(root, "lessons"), { recursive: true });
  await writeFile(join(root, "lessons", "manifest.json"), JSON.stringify(manifest));
  const dir = join(root, "lessons", `01-${SLUG}`);
  for (const [f, text] of Object.entries(opts.starter)) {
    await mkdir(dirname(join(dir, "starter", f)), { recursive: true });
    await writeFile(join(dir, "starter", f), text);
  }
  await writeFile(
    join(dir, "lesson.md"),
    `# T\n\n## Your task\n\n${opts.task}\n\nThe checker does things.\n\n## What the check does\n`,
  );
  await writeFile(
    join(dir, "solution.patch"),
    opts.changed.map((f) => `diff --git a/${f} b/${f}\n--- a/${f}\n+++ b/${f}\n`).join(""),
  );
  return loadCourse(root).lessons[0]!;
}

describe("the task list agrees with the starter", () => {
  it("reads items, the files they add to, and what the starter already has", () => {
    const s = readTaskSection(
      [
        "## Your task",
        "",
        "1. **`src/a.ts`**: write `f()`, then add",
        "   `...aRoutes` to `src/app.ts`.",
        "2. **`src/b.ts`** (new): answer `public/page.html` as HTML.",
        "",
        "Already in your starter: `src/c.ts` and",
        "`src/d.ts`.",
        "",
        "Not a task: `src/e.ts`.",
      ].join("\n"),
    );
    expect(s?.items).toEqual([
      { n: 1, file: "src/a.ts", paths: ["src/app.ts"] },
      { n: 2, file: "src/b.ts", paths: [] },
    ]);
    expect(s?.given).toEqual(["src/c.ts", "src/d.ts"]);
  });

  it("passes when every changed file has an item and a marker", async () => {
    const lesson = await lessonWith({
      task: "1. **`src/a.ts`**: write it.\n\nAlready in your starter: `src/app.ts`.",
      starter: { "src/a.ts": MARK, "src/app.ts": "export {};\n" },
      changed: ["src/a.ts", `answers/${SLUG}.json`],
    });
    expect(taskListProblems(lesson)).toEqual([]);
  });

  it("flags a task the starter already did, and a changed file without an item", async () => {
    const lesson = await lessonWith({
      task: "1. **`src/app.ts`**: add the routes (already there in the starter).",
      starter: { "src/a.ts": MARK, "src/app.ts": "export {};\n" },
      changed: ["src/a.ts"],
    });
    const problems = taskListProblems(lesson);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/the solution changes src\/a\.ts, but "## Your task" has no item/);
    expect(problems[1]).toMatch(/item 1 asks for src\/app\.ts, which the starter already has/);
  });

  it("flags an 'add … to' a file the solution leaves alone, and a changed file without a marker", async () => {
    const lesson = await lessonWith({
      task: "1. **`src/a.ts`**: write it, then add `...aRoutes` to `src/app.ts`.",
      starter: { "src/a.ts": "export {};\n", "src/app.ts": "export {};\n" },
      changed: ["src/a.ts"],
    });
    const problems = taskListProblems(lesson);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/starter\/src\/a\.ts: .* has no TODO\(short-polling\) marker/);
    expect(problems[1]).toMatch(/item 1 names src\/app\.ts, which the solution does not change/);
  });

  it("flags a stale marker and a given file the starter lacks", async () => {
    const lesson = await lessonWith({
      task: "1. **`src/a.ts`**: write it.\n\nAlready in your starter: `src/gone.ts`.",
      starter: { "src/a.ts": MARK, "src/old.ts": MARK },
      changed: ["src/a.ts"],
    });
    const problems = taskListProblems(lesson);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/names src\/gone\.ts, which the starter does not have/);
    expect(problems[1]).toMatch(/starter\/src\/old\.ts: keeps a TODO\(short-polling\) marker/);
  });
});
