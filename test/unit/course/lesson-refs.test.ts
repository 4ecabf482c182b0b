import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  findLessonRefs,
  findNumberedRefs,
  numberedRefProblems,
  renderLessonRefs,
  renderLessonRefsIn,
} from "../../../src/course/lesson-refs.ts";
import { type Course, loadChecker, loadCourse } from "../../../src/course/manifest.ts";
import { checkLesson } from "../../../src/course/run-lessons.ts";
import { LearnerError } from "../../../src/errors.ts";

let root: string;

async function put(rel: string, text: string): Promise<void> {
  const file = join(root, rel);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** A course of `slugs`, numbered in that order, with only a manifest. */
async function courseOf(slugs: string[]): Promise<Course> {
  const lessons = slugs.map((slug, i) => ({
    number: i + 1,
    slug,
    title: slug,
    section: "Test",
  }));
  await put("lessons/manifest.json", JSON.stringify({ version: 1, course: "t", lessons }));
  return loadCourse(root);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "labs-refs-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("renderLessonRefs", () => {
  it("shows {{lesson:slug}} as 'lesson N' and {{Lesson:slug}} as 'Lesson N'", async () => {
    const course = await courseOf(["alpha", "beta"]);
    expect(
      renderLessonRefs(
        "{{Lesson:alpha}} polls. Next, in {{lesson:beta}}, {{ lesson: alpha }}'s route stays.",
        course,
      ),
    ).toBe("Lesson 1 polls. Next, in lesson 2, lesson 1's route stays.");
    expect(renderLessonRefs("no references here", course)).toBe("no references here");
  });

  it("takes the number from the manifest, so inserting a lesson renumbers the text", async () => {
    const text = "Since {{lesson:beta}}";
    expect(renderLessonRefs(text, await courseOf(["alpha", "beta"]))).toBe("Since lesson 2");
    expect(renderLessonRefs(text, await courseOf(["alpha", "inserted", "beta"]))).toBe(
      "Since lesson 3",
    );
  });

  it("throws LESSON_MALFORMED naming the unknown slug and the file, or keeps it when asked", async () => {
    const course = await courseOf(["alpha"]);
    const file = join(root, "lessons", "01-alpha", "lesson.md");
    let error: unknown;
    try {
      renderLessonRefs("as in {{lesson:gamma}}", course, { file });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LearnerError);
    expect(error).toMatchObject({ code: "LESSON_MALFORMED" });
    expect((error as Error).message).toContain('"gamma"');
    expect((error as Error).message).toContain("lessons/01-alpha/lesson.md");
    expect(renderLessonRefs("as in {{lesson:gamma}}", course, { unknown: "keep" })).toBe(
      "as in {{lesson:gamma}}",
    );
  });

  it("renders every string of a JSON-like value (a quiz) and leaves the rest alone", async () => {
    const course = await courseOf(["alpha", "beta"]);
    const quiz = {
      version: 1,
      questions: [
        { id: "q", prompt: "From {{lesson:beta}} on?", choices: [{ why: "{{Lesson:alpha}}" }] },
      ],
    };
    expect(renderLessonRefsIn(quiz, course)).toEqual({
      version: 1,
      questions: [{ id: "q", prompt: "From lesson 2 on?", choices: [{ why: "Lesson 1" }] }],
    });
    expect(quiz.questions[0].prompt).toBe("From {{lesson:beta}} on?");
  });
});

describe("findNumberedRefs", () => {
  it("finds lessons and labs named by number, with line and column", () => {
    const text = [
      "Next, lesson 4 shows it. Lessons 5-8 cover SSE.",
      "Its own lesson (3, 4) has the details; see answers/lesson-04.json.",
      'h.state.get("lab13:module"); the labs 14-16 checkers; lab 2 asserts it.',
      "// TODO(lesson 2): write it. Run `npm run labs -- check 7` or `labs hint --force 9`.",
    ].join("\n");
    expect(findNumberedRefs(text).map((r) => [r.line, r.number, r.text])).toEqual([
      [1, 4, "lesson 4"],
      [1, 5, "Lessons 5"],
      [2, 3, "lesson (3"],
      [2, 4, "lesson-04"],
      [3, 13, "lab13"],
      [3, 14, "labs 14"],
      [3, 2, "lab 2"],
      [4, 2, "lesson 2"],
      [4, 7, "labs -- check 7"],
      [4, 9, "labs hint --force 9"],
    ]);
    expect(findNumberedRefs("x\n  lesson 4")[0]).toMatchObject({ line: 2, column: 3 });
  });

  it("leaves alone what is not a lesson number", () => {
    const text =
      "Question 1 of 8, exercise 2, collab 2, label 3, {{lesson:alpha}}, this lesson, lessons/NN-slug, lab3f";
    expect(findNumberedRefs(text)).toEqual([]);
    expect(findLessonRefs(text).map((r) => r.slug)).toEqual(["alpha"]);
  });
});

describe("numberedRefProblems", () => {
  it("flags numbered references and unknown slugs in texts and project trees", async () => {
    const course = await courseOf(["alpha", "beta"]);
    await put("lessons/01-alpha/lesson.md", "# Alpha\n\nFine: {{lesson:beta}}.\nNext, lesson 2.\n");
    await put(
      "lessons/01-alpha/quiz.json",
      '{ "version": 1,\n  "intro": "As in {{lesson:gamma}}" }\n',
    );
    await put(
      "lessons/02-beta/check.ts",
      'export default { steps: [{ slug: "a", title: "as in {{lesson:alpha}}", hint: "see lab 1" }] };\n',
    );
    await put("lessons/02-beta/starter/src/x.ts", "// TODO(lesson 2): write it\n");
    await put("solutions/02-beta/src/x.ts", "// from {{lesson:alpha}}\n");
    await put(
      "test/fixtures/02-beta/broken/fixture.json",
      '{ "about": "keeps lesson 1\'s shape" }\n',
    );
    await put("test/fixtures/02-beta/broken/data.db", "lesson 1\u0000binary");

    expect(numberedRefProblems(course)).toEqual([
      'lessons/01-alpha/lesson.md:4: names lesson 2 by number ("lesson 2"); write {{lesson:beta}}',
      'lessons/01-alpha/quiz.json:2: {{lesson:gamma}} names no lesson of lessons/manifest.json (unknown slug "gamma")',
      'lessons/02-beta/check.ts:1: names lesson 1 by number ("lab 1"); write {{lesson:alpha}}',
      'lessons/02-beta/starter/src/x.ts:1: names lesson 2 by number ("lesson 2"); write TODO(beta)',
      "solutions/02-beta/src/x.ts:1: {{lesson:alpha}} is not rendered in the learner's project; write the slug itself",
      'test/fixtures/02-beta/broken/fixture.json:1: names lesson 1 by number ("lesson 1"); name it by its slug (alpha)',
    ]);
  });

  it("finds nothing to fix in the real course", () => {
    expect(numberedRefProblems(loadCourse())).toEqual([]);
  });
});

describe("where the references are rendered", () => {
  it("in a checker's titles and hints when it is loaded", async () => {
    const course = await courseOf(["alpha", "beta"]);
    await put(
      "lessons/02-beta/check.ts",
      `export default {
  server: false,
  steps: [{ slug: "a", title: "the route of {{lesson:alpha}}", hint: "{{Lesson:alpha}} wrote it.", run: async () => {} }],
};
`,
    );
    const checker = await loadChecker(course.lessons[1]);
    expect(checker.steps[0].title).toBe("the route of lesson 1");
    expect(checker.steps[0].hint).toBe("Lesson 1 wrote it.");
  });

  it("in a failure's message, details, hint and log lines at run time (unknown slugs kept)", async () => {
    const course = await courseOf(["alpha", "beta"]);
    const errors = JSON.stringify(join(process.cwd(), "src", "errors.ts"));
    await put(
      "lessons/02-beta/check.ts",
      `import { CheckFailure } from ${errors};
export default {
  server: false,
  steps: [{
    slug: "a",
    title: "the route of {{lesson:alpha}}",
    hint: "h",
    run: async (h) => {
      h.log.pass("as {{lesson:beta}} says");
      throw new CheckFailure("It broke what {{lesson:alpha}} built.", {
        expected: "the {{lesson:beta}} shape",
        received: "{{lesson:unknown}}",
        hint: "Go back to {{lesson:alpha}}.",
      });
    },
  }],
};
`,
    );
    const result = await checkLesson(course.lessons[1], { workspace: root, reporter: {} });
    const step = result.steps[0];
    expect(step.title).toBe("the route of lesson 1");
    expect(step.message).toBe("It broke what lesson 1 built.");
    expect(step.details).toEqual(["Expected: the lesson 2 shape", "Received: {{lesson:unknown}}"]);
    expect(step.hint).toBe("Go back to lesson 1.");
    expect(step.transcript).toContain("as lesson 2 says");
  });
});
