import { join } from "node:path";
import type { Course, Lesson } from "../manifest.ts";

/** One stage of the learner's project: a lesson's starter or its solution. */
export interface CourseTree {
  lesson: Lesson;
  kind: "starter" | "solution";
  /** The committed, complete tree (`lessons/NN-slug/starter`, `solutions/NN-slug`). */
  dir: string;
  /** The change from the previous stage that produces it (`lessons/NN-slug/<kind>.patch`). */
  patchFile: string;
  /** The subject of its commit in the history (`solution: long-polling`). */
  subject: string;
  /** Its tag in the history (`solution/long-polling`). */
  tag: string;
}

/** The stages of the project in course order: starter 1, solution 1, starter 2, … */
export function courseTrees(course: Course): CourseTree[] {
  return course.lessons.flatMap((lesson) =>
    (["starter", "solution"] as const).map((kind) => ({
      lesson,
      kind,
      dir: kind === "starter" ? lesson.starterDir : lesson.solutionDir,
      patchFile: join(lesson.dir, `${kind}.patch`),
      subject: `${kind}: ${lesson.slug}`,
      tag: `${kind}/${lesson.slug}`,
    })),
  );
}

/** Reads a history commit subject (`solution: long-polling`) back into kind and slug. */
export function parseSubject(
  subject: string,
): { kind: "starter" | "solution"; slug: string } | undefined {
  const m = /^(starter|solution): ([a-z0-9]+(?:-[a-z0-9]+)*)$/.exec(subject.trim());
  return m ? { kind: m[1] as "starter" | "solution", slug: m[2] } : undefined;
}
