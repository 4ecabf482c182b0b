import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { historyProblems } from "../../../src/course/history/verify.ts";
import { type Lesson, loadCourse } from "../../../src/course/manifest.ts";
import { scaffoldLesson } from "../../../src/course/scaffold.ts";
import { courseProblems, staticProblems } from "../../../src/course/self-check.ts";
import { ROOT } from "../../helpers/cli.ts";
import { copyCourse } from "../../helpers/course-copy.ts";

/** Every file of a lesson's folders (text, starter, solution, fixtures) with its contents. */
function snapshot(l: Lesson): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, dir] of [
    ["lesson", l.dir],
    ["solution", l.solutionDir],
    ["fixtures", l.fixturesDir],
  ] as const) {
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
      statSync(join(dir, f)).isFile(),
    );
    for (const f of files.sort()) out[`${name}/${f}`] = readFileSync(join(dir, f), "utf8");
  }
  return out;
}

let root: string;

async function miniCourse(): Promise<string> {
  root = await mkdtemp(join(tmpdir(), "labs-course-"));
  await cp(join(ROOT, "lessons", "manifest.json"), join(root, "lessons", "manifest.json"));
  for (const id of ["02-project-setup", "03-short-polling", "04-long-polling"]) {
    await cp(join(ROOT, "lessons", id), join(root, "lessons", id), { recursive: true });
    await cp(join(ROOT, "solutions", id), join(root, "solutions", id), { recursive: true });
  }
  return root;
}

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("labs new", () => {
  it("appends a lesson with its folders and manifest entry", async () => {
    await miniCourse();
    const { number } = await scaffoldLesson({
      root,
      slug: "rate-limiting",
      title: "Rate Limiting",
    });
    const course = loadCourse(root);
    expect(number).toBe(course.lessons.length);
    expect(course.lessons.at(-1)).toMatchObject({
      number,
      slug: "rate-limiting",
      title: "Rate Limiting",
    });
    const id = `${number}-rate-limiting`;
    expect(existsSync(join(root, "lessons", id, "check.ts"))).toBe(true);
    expect(readFileSync(join(root, "lessons", id, "lesson.md"), "utf8")).toMatch(
      /^# Rate Limiting/,
    );
    expect(existsSync(join(root, "test", "fixtures", id))).toBe(true);
  });

  it("inserts a lesson and moves the later lessons up, folders and manifest alike", async () => {
    await miniCourse();
    await scaffoldLesson({ root, slug: "caching-updates", at: 3 });
    const course = loadCourse(root);
    expect(course.lessons.map((l) => l.number)).toEqual(course.lessons.map((_, i) => i + 1));
    expect(course.lessons[2].slug).toBe("caching-updates");
    expect(course.lessons[3].slug).toBe("short-polling");
    expect(existsSync(join(root, "lessons", "04-short-polling", "check.ts"))).toBe(true);
    expect(existsSync(join(root, "solutions", "05-long-polling", "src", "server.ts"))).toBe(true);
    expect(existsSync(join(root, "lessons", "03-short-polling"))).toBe(false);
    // the new lesson starts from the previous lesson's solution
    expect(
      existsSync(join(root, "lessons", "03-caching-updates", "starter", "src", "server.ts")),
    ).toBe(true);
    expect(courseProblems(course)).toEqual([]);
  });

  it("inserts a lesson into the history of the whole course without touching a later lesson's files", async () => {
    const course = await copyCourse();
    root = course.root;
    const later = course.lessons.filter((l) => l.number >= 9);
    const before = new Map(later.map((l) => [l.slug, snapshot(l)]));
    await scaffoldLesson({ root, slug: "rate-limiting", at: 9 });
    const after = loadCourse(root);
    expect(after.lessons[8].slug).toBe("rate-limiting");
    for (const l of after.lessons.filter((x) => x.number >= 10))
      expect(snapshot(l), l.slug).toEqual(before.get(l.slug));
    expect(await historyProblems(after)).toEqual([]);
    // the lesson before it now ends by naming it, rewritten by the tool, not by hand
    expect(readFileSync(after.lessons[7].lessonFile, "utf8")).toMatch(
      /Next: \{\{lesson:rate-limiting\}\}, \*\*Rate limiting\*\*\./,
    );
    // a fresh lesson is flagged until its author writes it
    const fresh = after.lessons[8];
    expect((await staticProblems(fresh)).join("\n")).toMatch(/TODO\.md/);
  });

  it("refuses a slug that is taken or not kebab-case", async () => {
    await miniCourse();
    await expect(scaffoldLesson({ root, slug: "short-polling" })).rejects.toThrow(/exists already/);
    await expect(scaffoldLesson({ root, slug: "Bad Slug" })).rejects.toThrow(/kebab-case/);
  });
});
