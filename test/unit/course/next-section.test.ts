import { describe, expect, it } from "vitest";
import { loadCourse } from "../../../src/course/manifest.ts";
import {
  NEXT_END,
  NEXT_START,
  nextSection,
  nextSectionProblems,
  subtitleOf,
  syncNextSection,
} from "../../../src/course/next-section.ts";

const course = loadCourse();

describe("the generated Next paragraph", () => {
  it("reads the subtitle under the title, and nothing else", () => {
    expect(
      subtitleOf(
        "# Long Polling\n\n*The server holds the request\nuntil something changes.*\n\n## Goal\n",
      ),
    ).toBe("The server holds the request until something changes.");
    expect(subtitleOf("# Long Polling\n\nPlain text.\n\n*Not a subtitle.*\n")).toBeUndefined();
    expect(subtitleOf("# Long Polling\n\n**Bold** is not italic.\n")).toBeUndefined();
  });

  it("names the next lesson by slug, with its title and subtitle, and none after the last", () => {
    const [first, second] = course.lessons;
    const section = nextSection(course, first)!;
    expect(
      section.startsWith(`${NEXT_START}\nNext: {{lesson:${second.slug}}}, **${second.title}**. `),
    ).toBe(true);
    expect(section.endsWith(NEXT_END)).toBe(true);
    expect(nextSection(course, course.lessons.at(-1)!)).toBeUndefined();
  });

  it("replaces an old paragraph at the end, and removes one where none belongs", () => {
    const old = `# A\n\ntext\n\n${NEXT_START}\nNext: {{lesson:x}}, **X**. Old.\n${NEXT_END}\n`;
    const now = `${NEXT_START}\nNext: {{lesson:y}}, **Y**. New.\n${NEXT_END}`;
    expect(syncNextSection(old, now)).toBe(`# A\n\ntext\n\n${now}\n`);
    expect(syncNextSection(old, undefined)).toBe("# A\n\ntext\n");
    expect(syncNextSection(syncNextSection(old, now), now)).toBe(syncNextSection(old, now));
  });

  it("holds for every lesson of the course", () => {
    expect(course.lessons.flatMap((l) => nextSectionProblems(course, l))).toEqual([]);
  });
});

describe("the generated Next paragraph, across loads of the manifest", () => {
  it("finds the next lesson by slug, not by object", () => {
    const again = loadCourse();
    expect(nextSection(again, course.lessons.at(-1)!)).toBeUndefined();
    expect(nextSection(again, course.lessons[0])).toContain(`{{lesson:${course.lessons[1].slug}}}`);
  });
});
