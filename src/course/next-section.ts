/**
 * The closing "Next" paragraph of every lesson.md, generated from the next lesson's
 * title and subtitle (the italic paragraph under its `# Title`), so that inserting
 * or moving a lesson changes no hand-written text of its neighbours: `labs dev save`
 * rewrites the paragraphs, `labs dev check` reports stale ones.
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import type { Course, Lesson } from "./manifest.ts";

/** The first line of the generated paragraph. */
export const NEXT_START =
  "<!-- next: generated from the next lesson's title and subtitle; labs dev save rewrites it -->";
/** The last line of the generated paragraph. */
export const NEXT_END = "<!-- /next -->";

const BLOCK = /\n*<!-- next:[^\n]*-->\n[\s\S]*?<!-- \/next -->\n*/;

/** A lesson's subtitle: the italic paragraph right under its `# Title`, without the asterisks. */
export function subtitleOf(markdown: string): string | undefined {
  const m = /^# [^\n]+\n+(\*[^*\n][^*]*\*)\s*(?:\n\n|\n?$)/.exec(markdown.replace(/\r\n/g, "\n"));
  return m ? m[1].slice(1, -1).replace(/\s+/g, " ").trim() : undefined;
}

/** The generated paragraph that follows `lesson` (undefined for the last lesson, or a next lesson without subtitle). */
export function nextSection(course: Course, lesson: Lesson): string | undefined {
  const at = course.lessons.findIndex((l) => l.slug === lesson.slug);
  const next = at < 0 ? undefined : course.lessons[at + 1];
  if (!next) return undefined;
  const subtitle = existsSync(next.lessonFile)
    ? subtitleOf(readFileSync(next.lessonFile, "utf8"))
    : undefined;
  if (!subtitle) return undefined;
  return `${NEXT_START}\nNext: {{lesson:${next.slug}}}, **${next.title}**. ${subtitle}\n${NEXT_END}`;
}

/** `markdown` with its generated paragraph replaced by `section` (or removed), at the end of the text. */
export function syncNextSection(markdown: string, section: string | undefined): string {
  const body = markdown.replace(BLOCK, "\n").replace(/\s+$/, "");
  return section ? `${body}\n\n${section}\n` : `${body}\n`;
}

/** What is wrong with a lesson's subtitle and generated "Next" paragraph. */
export function nextSectionProblems(course: Course, lesson: Lesson): string[] {
  if (!existsSync(lesson.lessonFile)) return [];
  const where = relative(course.root, lesson.lessonFile);
  const text = readFileSync(lesson.lessonFile, "utf8");
  const problems: string[] = [];
  if (!subtitleOf(text))
    problems.push(
      `${where}: no subtitle; put one italic sentence (*…*) right under the # Title: it is what the lesson before says about this one`,
    );
  if (syncNextSection(text, nextSection(course, lesson)) !== text)
    problems.push(
      `${where}: the closing "Next" paragraph is not the one generated from the next lesson; run \`npm run labs -- dev save\``,
    );
  return problems;
}

/** Rewrites every lesson's generated "Next" paragraph that is missing or stale; returns the files changed. */
export async function writeNextSections(course: Course): Promise<string[]> {
  const changed: string[] = [];
  for (const lesson of course.lessons) {
    if (!existsSync(lesson.lessonFile)) continue;
    const text = readFileSync(lesson.lessonFile, "utf8");
    const next = syncNextSection(text, nextSection(course, lesson));
    if (next === text) continue;
    await writeFile(lesson.lessonFile, next);
    changed.push(relative(course.root, lesson.lessonFile));
  }
  return changed;
}
