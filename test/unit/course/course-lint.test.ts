import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LessonChecker } from "../../../src/checks/types.ts";
import {
  failsAtProblems,
  importChecker,
  STEPS_END,
  STEPS_START,
  skeletonProblems,
  starterEditProblems,
  stepsSection,
  stepsSectionProblems,
  syncStepsSection,
  writeStepsSections,
} from "../../../src/course/course-lint.ts";
import { type Course, loadCourse } from "../../../src/course/manifest.ts";
import { scaffoldLesson } from "../../../src/course/scaffold.ts";
import { courseTreeDirs, typecheckTrees } from "../../../src/course/typecheck-trees.ts";
import { ROOT } from "../../helpers/cli.ts";

const run = async () => {};
const step = (slug: string, title = `the ${slug} step`) => ({ slug, title, hint: "h", run });

const LESSON_MD = `# Short Polling

## Goal

The board answers what changed.

## Your task

1. In \`src/routes/boards.ts\`, add the route.

\`\`\`md
## Not a heading: inside a code fence
\`\`\`

## Try it by hand

    curl -i http://localhost:3000/health

## Exercises

1. Poll every second.
`;

let root: string;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A course under os.tmpdir() whose lessons have the given lesson.md and checker steps. */
async function tempCourse(
  lessons: { slug: string; md?: string; steps: string[]; server?: boolean }[],
): Promise<Course> {
  root = await mkdtemp(join(tmpdir(), "labs-lint-"));
  const manifest = {
    version: 1,
    lessons: lessons.map((l, i) => ({
      number: i + 1,
      slug: l.slug,
      title: l.slug,
      section: "S",
    })),
  };
  await mkdir(join(root, "lessons"), { recursive: true });
  await writeFile(join(root, "lessons", "manifest.json"), JSON.stringify(manifest));
  for (const [i, l] of lessons.entries()) {
    const dir = join(root, "lessons", `${String(i + 1).padStart(2, "0")}-${l.slug}`);
    await mkdir(join(dir, "starter"), { recursive: true });
    if (l.md !== undefined) await writeFile(join(dir, "lesson.md"), l.md);
    const steps = l.steps
      .map(
        (s) =>
          `{ slug: ${JSON.stringify(s)}, title: ${JSON.stringify(`the ${s} step`)}, hint: "h", run: async () => {} }`,
      )
      .join(",\n    ");
    await writeFile(
      join(dir, "check.ts"),
      `export default {${l.server === false ? " server: false," : ""} steps: [\n    ${steps}\n  ] };\n`,
    );
  }
  return loadCourse(root);
}

describe("the generated step list", () => {
  const checker: LessonChecker = {
    steps: [step("updates-shape"), step("since", "changes since {{lesson:short-polling}}")],
  };

  it("lists the checker's steps in order, between the markers, with titles as written", () => {
    const section = stepsSection(checker);
    const lines = section.split("\n");
    expect(lines[0]).toBe(STEPS_START);
    expect(lines.at(-1)).toBe(STEPS_END);
    expect(lines).toContain("## What the check does");
    expect(lines).toContain("1. the updates-shape step (`updates-shape`)");
    expect(lines).toContain("2. changes since {{lesson:short-polling}} (`since`)");
    expect(section).toMatch(/`server-starts`/);
    expect(stepsSection({ ...checker, server: false })).not.toMatch(/server-starts/);
  });

  it("is inserted after “Your task”, before the next heading outside code fences", () => {
    const out = syncStepsSection(LESSON_MD, stepsSection(checker));
    const at = out.indexOf(STEPS_START);
    expect(at).toBeGreaterThan(out.indexOf("## Not a heading"));
    expect(at).toBeLessThan(out.indexOf("## Try it by hand"));
    expect(out).toContain(`${STEPS_END}\n\n## Try it by hand`);
    expect(out).toContain("```\n\n<!-- steps:");
    // the rest of the text is untouched
    expect(out.replace(`${stepsSection(checker)}\n\n`, "")).toBe(LESSON_MD);
    // syncing again changes nothing; a new checker replaces the block in place
    expect(syncStepsSection(out, stepsSection(checker))).toBe(out);
    const longer = { steps: [...checker.steps, step("third")] };
    const replaced = syncStepsSection(out, stepsSection(longer));
    expect(replaced.split(STEPS_START)).toHaveLength(2);
    expect(replaced).toContain("3. the third step (`third`)");
    expect(replaced.indexOf(STEPS_START)).toBe(at);
  });

  it("goes at the end when no heading follows “Your task”, and refuses broken markers", () => {
    const out = syncStepsSection("# T\n\n## Your task\n\nDo it.\n", stepsSection(checker));
    expect(out.startsWith("# T\n\n## Your task\n\nDo it.\n\n<!-- steps:")).toBe(true);
    expect(out.endsWith(`${STEPS_END}\n`)).toBe(true);
    expect(() => syncStepsSection(`# T\n\n${STEPS_START}\n## What the check does\n`, "x")).toThrow(
      /never closes it/,
    );
  });

  it("passes when lesson.md holds the list check.ts generates", async () => {
    const course = await tempCourse([{ slug: "short-polling", md: LESSON_MD, steps: ["a", "b"] }]);
    const [lesson] = course.lessons;
    const raw = await importChecker(lesson);
    await writeFile(lesson.lessonFile, syncStepsSection(LESSON_MD, stepsSection(raw)));
    expect(stepsSectionProblems(lesson, raw)).toEqual([]);
  });

  it("reports a missing list, and one out of date with the checker", async () => {
    const course = await tempCourse([
      { slug: "how-sse-works", md: LESSON_MD, steps: ["a", "b", "c", "d", "e"] },
    ]);
    const [lesson] = course.lessons;
    const raw = await importChecker(lesson);
    expect(stepsSectionProblems(lesson, raw)).toEqual([
      expect.stringMatching(
        /^lessons\/01-how-sse-works\/lesson\.md: has no step list generated from check\.ts .*dev save/,
      ),
    ]);
    const three = { steps: raw.steps.slice(0, 3) };
    await writeFile(lesson.lessonFile, syncStepsSection(LESSON_MD, stepsSection(three)));
    expect(stepsSectionProblems(lesson, raw)).toEqual([
      "lessons/01-how-sse-works/lesson.md: the step list is out of date with check.ts (3 steps listed, 5 in the checker); run `npm run labs -- dev save`",
    ]);
  });

  it("writeStepsSections rewrites only the lessons whose list is missing or stale", async () => {
    const course = await tempCourse([
      { slug: "one", md: LESSON_MD, steps: ["a"] },
      { slug: "two", md: LESSON_MD, steps: ["a", "b"] },
    ]);
    const [one, two] = course.lessons;
    const fresh = syncStepsSection(LESSON_MD, stepsSection(await importChecker(one)));
    await writeFile(one.lessonFile, fresh);
    expect(await writeStepsSections(course)).toEqual(["lessons/02-two/lesson.md"]);
    expect(readFileSync(one.lessonFile, "utf8")).toBe(fresh);
    expect(stepsSectionProblems(two, await importChecker(two))).toEqual([]);
    expect(readFileSync(two.lessonFile, "utf8")).toContain("2. the b step (`b`)");
    expect(await writeStepsSections(course)).toEqual([]);
  });
});

describe("skeleton leftovers", () => {
  it("reports the placeholders `labs new` writes and its TODO.md", async () => {
    root = await mkdtemp(join(tmpdir(), "labs-lint-"));
    await mkdir(join(root, "lessons"), { recursive: true });
    await writeFile(
      join(root, "lessons", "manifest.json"),
      JSON.stringify({ version: 1, lessons: [] }),
    );
    await scaffoldLesson({ root, slug: "rate-limiting" });
    const [lesson] = loadCourse(root).lessons;
    const problems = skeletonProblems(lesson);
    const text = problems.join("\n");
    expect(text).toMatch(/lesson\.md:3: still holds the subtitle placeholder/);
    expect(text).toMatch(/lesson\.md:7: still holds the Goal placeholder .* under "## Goal"/);
    expect(text).toMatch(/still holds the idea placeholder/);
    expect(text).toMatch(/still holds the task placeholder/);
    expect(text).toMatch(/empty numbered item/);
    expect(text).toContain("lessons/01-rate-limiting/starter/TODO.md: left over from `labs new`");
    expect(text).toMatch(/quiz\.json: still holds the `labs new` skeleton's placeholder question/);
    expect(problems).toHaveLength(7);
  });

  it("passes a written lesson without TODO.md", async () => {
    const course = await tempCourse([{ slug: "short-polling", md: LESSON_MD, steps: ["a"] }]);
    const [lesson] = course.lessons;
    expect(skeletonProblems(lesson)).toEqual([]);
    await mkdir(join(lesson.solutionDir, "src"), { recursive: true });
    await writeFile(join(lesson.solutionDir, "src", "todo.md"), "x");
    expect(skeletonProblems(lesson)).toEqual([
      expect.stringMatching(/^solutions\/01-short-polling\/src\/todo\.md: left over/),
    ]);
  });
});

describe("files the starter edits are named in the lesson", () => {
  const patch = [
    "diff --git a/src/app.ts b/src/app.ts",
    "index 1..2 100644",
    "--- a/src/app.ts",
    "+++ b/src/app.ts",
    "@@ -1 +1 @@",
    "-a",
    "+b",
    "diff --git a/src/new.ts b/src/new.ts",
    "new file mode 100644",
    "--- /dev/null",
    "+++ b/src/new.ts",
    "@@ -0,0 +1 @@",
    "+c",
    "",
  ].join("\n");

  it("reports an edited file the lesson text never names, and not a new one", async () => {
    const course = await tempCourse([{ slug: "short-polling", md: LESSON_MD, steps: ["a"] }]);
    const [lesson] = course.lessons;
    await writeFile(join(lesson.dir, "starter.patch"), patch);
    const problems = starterEditProblems(lesson);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /the starter changes src\/app\.ts, which a continuing learner already has/,
    );
  });

  it("passes when the lesson text names it", async () => {
    const md = LESSON_MD.replace("add the route.", "add the route, and list it in `src/app.ts`.");
    const course = await tempCourse([{ slug: "short-polling", md, steps: ["a"] }]);
    await writeFile(join(course.lessons[0].dir, "starter.patch"), patch);
    expect(starterEditProblems(course.lessons[0])).toEqual([]);
  });
});

describe("fixtures name real steps", () => {
  const checker: LessonChecker = { steps: [step("stream-headers"), step("retry-field")] };
  const sseLesson = async () =>
    (await tempCourse([{ slug: "how-sse-works", steps: ["stream-headers"] }])).lessons[0];

  it("accepts a step slug, server-starts and error:<CODE>", async () => {
    const lesson = await sseLesson();
    expect(
      failsAtProblems(lesson, checker, [
        { name: "a", failsAt: "retry-field", about: "" },
        { name: "b", failsAt: "server-starts", about: "" },
        { name: "c", failsAt: "error:SERVER_BUILD_FAILED", about: "" },
      ]),
    ).toEqual([]);
  });

  it("reports a step the checker does not have", async () => {
    const lesson = await sseLesson();
    expect(
      failsAtProblems(lesson, { ...checker, server: false }, [
        { name: "typo", failsAt: "retry-feild", about: "" },
        { name: "gone", failsAt: "server-starts", about: "" },
        { name: "lower", failsAt: "error:build_failed", about: "" },
        { name: "fine", failsAt: "stream-headers", about: "" },
      ]),
    ).toEqual([
      "fixture typo of 01-how-sse-works says it fails at `retry-feild`, but the checker has no step `retry-feild`; steps: stream-headers, retry-field (did you mean `retry-field`?)",
      "fixture gone of 01-how-sse-works says it fails at `server-starts`, but the checker has no step `server-starts`; steps: stream-headers, retry-field",
      expect.stringMatching(/^fixture lower of 01-how-sse-works .* not an error code/),
    ]);
  });
});

describe("type-checking starters and solutions", () => {
  let labs: string;
  beforeAll(async () => {
    await mkdir(join(ROOT, ".labs"), { recursive: true });
    labs = await mkdtemp(join(ROOT, ".labs", "course-lint-"));
  });
  afterAll(async () => {
    await rm(labs, { recursive: true, force: true });
  });

  it("reports a type error with the tree's path and a tsconfig that differs", async () => {
    const source = join(ROOT, "solutions", "02-project-setup");
    for (const name of ["good", "bad", "bad-too", "loose"])
      await cp(source, join(labs, name), { recursive: true });
    const config = join("src", "config.ts");
    const lines = (await readFile(join(labs, "bad", config), "utf8")).split("\n").length;
    for (const name of ["bad", "bad-too"])
      await writeFile(
        join(labs, name, config),
        `${await readFile(join(labs, name, config), "utf8")}export const broken: number = "nine";\n`,
      );
    const tsconfig = join(labs, "loose", "tsconfig.json");
    await writeFile(
      tsconfig,
      (await readFile(tsconfig, "utf8")).replace('"strict": true', '"strict": false'),
    );
    const rel = labs.slice(ROOT.length + 1);
    const problems = await typecheckTrees(
      ROOT,
      ["good", "bad", "bad-too", "loose"].map((n) => join(labs, n)),
    );
    const error = (tree: string) =>
      `${rel}/${tree}/src/config.ts(${lines},14): error TS2322: Type 'string' is not assignable to type 'number'.`;
    expect(problems).toContain(error("bad"));
    // identical files in two trees are checked once, and reported in both
    expect(problems).toContain(error("bad-too"));
    expect(problems.filter((p) => p.startsWith(`${rel}/good/`))).toEqual([]);
    expect(problems).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${rel}/loose/tsconfig\\.json: differs .*compilerOptions\\.strict: false here, true there`,
        ),
      ),
    );
    // checked with its own options: without strict, zod's result no longer narrows
    const loose = problems.filter((p) => p.startsWith(`${rel}/loose/src/`));
    expect(loose.length).toBeGreaterThan(0);
    expect(loose.every((p) => /\/routes\/tasks\.ts\(\d+,\d+\): error TS2339: /.test(p))).toBe(true);
    expect(problems).toHaveLength(3 + loose.length);
  });

  it("passes every starter and solution of the course", async () => {
    const course = loadCourse();
    const trees = courseTreeDirs(course);
    expect(trees.length).toBeGreaterThanOrEqual(34);
    expect(trees.every((t) => existsSync(t))).toBe(true);
    expect(await typecheckTrees(course.root, trees)).toEqual([]);
  });
});
