import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LearnerError } from "../errors.ts";
import { makeTempDir, removeTempDir } from "../runner/teardown.ts";
import { EMPTY_TREE } from "./history/git.ts";
import { diffTrees, initRepo, treeOfDir } from "./history/history-repo.ts";
import { type Course, loadCourse } from "./manifest.ts";
import { writeNextSections } from "./next-section.ts";
import { copyTree } from "./workspace.ts";

const LESSON_TEMPLATE = (title: string) => `# ${title}

*One sentence on what this lesson is about (the lesson before it ends by quoting this line).*

## Goal

One sentence: what the learner's server can do after this lesson.

## The idea

The concept, in your own words.

## Your task

1. In \`src/…\`, write … (matches the TODO markers in the starter and the checker's steps).

## Try it by hand

    curl -i http://localhost:3000/health

## Exercises

1. …
`;

const CHECK_TEMPLATE = `import { checkStatus } from "../../src/checks/assert.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

export default defineChecker({
  steps: [
    {
      slug: "health",
      title: "GET /health answers 200",
      nudge: "Replace: where to look, in one sentence, without the fix.",
      concept: "Replace: the idea this step is about and why it matters, without code.",
      hint: "Replace this example step with the lesson's first check; say which file and function to look at.",
      run: async (h) => {
        const res = await h.http.get("/health");
        checkStatus(res, 200);
        h.log.pass("GET /health answered 200");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
`;

/** A knowledge check of one placeholder question (src/quiz/format.ts has the format). */
const QUIZ_TEMPLATE = `${JSON.stringify(
  {
    version: 1,
    intro: "Replace: one sentence on what these questions are about.",
    questions: [
      {
        id: "replace-me",
        title: "Replace: a short title",
        prompt: "Replace: a question on this lesson's idea (2 to 4 questions in all).",
        kind: "choice",
        choices: [
          { id: "a", label: "Replace: the right answer" },
          {
            id: "b",
            label: "Replace: a likely mistake",
            why: "Replace: why it is wrong, without giving the answer away.",
          },
        ],
        answer: "a",
        explanation: "Replace: why the right answer is right.",
      },
    ],
  },
  null,
  2,
)}\n`;

const id = (n: number, slug: string) => `${String(n).padStart(2, "0")}-${slug}`;

/**
 * Adds a lesson: its folder (lesson text skeleton, starter, checker with one
 * example step), its solution folder, its fixtures folder and its manifest
 * entry. With `at`, later lessons move up one number, folders and manifest alike.
 * The starter and solution start as copies of the previous lesson's solution (the
 * starter with a TODO.md saying what to do), stored as two patches in the history.
 */
export async function scaffoldLesson(opts: {
  slug: string;
  title?: string;
  at?: number;
  root?: string;
}): Promise<{ number: number; dir: string }> {
  const course: Course = loadCourse(opts.root);
  const root = course.root;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(opts.slug)) {
    throw new LearnerError("USAGE", `"${opts.slug}" is not a kebab-case slug.`, {
      hint: "Use lowercase words joined by dashes: rate-limiting.",
    });
  }
  if (course.lessons.some((l) => l.slug === opts.slug)) {
    throw new LearnerError("USAGE", `A lesson with the slug "${opts.slug}" exists already.`, {
      hint: "Pick another slug, or edit the existing lesson's folder.",
    });
  }
  const last = course.lessons.length + 1;
  const number = opts.at ?? last;
  if (!Number.isInteger(number) || number < 1 || number > last) {
    throw new LearnerError("USAGE", `--at must be between 1 and ${last}.`);
  }
  // move later lessons up, from the last one down so names never collide
  for (const l of [...course.lessons].reverse()) {
    if (l.number < number) continue;
    for (const base of ["lessons", "solutions", join("test", "fixtures")]) {
      const from = join(root, base, l.id);
      if (existsSync(from)) await rename(from, join(root, base, id(l.number + 1, l.slug)));
    }
  }
  const manifestFile = join(root, "lessons", "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
  const title = opts.title ?? opts.slug.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase());
  const prev = course.lessons.find((l) => l.number === number - 1);
  const section = prev?.section ?? course.lessons[0]?.section ?? "Lessons";
  manifest.lessons = [
    ...manifest.lessons.filter((l: { number: number }) => l.number < number),
    { number, slug: opts.slug, title, section },
    ...manifest.lessons
      .filter((l: { number: number }) => l.number >= number)
      .map((l: { number: number }) => ({ ...l, number: l.number + 1 })),
  ];
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);

  const lessonDir = join(root, "lessons", id(number, opts.slug));
  const solutionDir = join(root, "solutions", id(number, opts.slug));
  const starterDir = join(lessonDir, "starter");
  await mkdir(starterDir, { recursive: true });
  await mkdir(solutionDir, { recursive: true });
  await mkdir(join(root, "test", "fixtures", id(number, opts.slug)), { recursive: true });
  await writeFile(join(lessonDir, "lesson.md"), LESSON_TEMPLATE(title));
  await writeFile(join(lessonDir, "check.ts"), CHECK_TEMPLATE);
  await writeFile(join(lessonDir, "quiz.json"), QUIZ_TEMPLATE);
  if (prev && existsSync(prev.solutionDir)) {
    await copyTree(prev.solutionDir, starterDir);
    await copyTree(prev.solutionDir, solutionDir);
  }
  await writeFile(
    join(starterDir, "TODO.md"),
    `TODO(${opts.slug}): write this lesson's change through \`npm run labs -- dev edit --at ${opts.slug}\`: the solution, then the starter's stubs with // TODO(${opts.slug}) markers in src/. Delete this file.\n`,
  );
  // The new stages go into the history as two patches; the solution is the previous
  // one unchanged, so every later lesson's patch still applies on top of it.
  const repo = await makeTempDir("labs-new-");
  try {
    await initRepo(repo);
    const base = prev ? treeOfDir(repo, prev.solutionDir) : EMPTY_TREE;
    const starter = treeOfDir(repo, starterDir);
    await writeFile(join(lessonDir, "starter.patch"), diffTrees(repo, base, starter));
    await writeFile(
      join(lessonDir, "solution.patch"),
      diffTrees(repo, starter, treeOfDir(repo, solutionDir)),
    );
  } finally {
    await removeTempDir(repo);
  }
  // the neighbours' closing "Next" paragraphs follow the new order
  await writeNextSections(loadCourse(root));
  return { number, dir: lessonDir };
}
