import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAvailable, type Lesson, loadCourse } from "../../src/course/manifest.ts";
import {
  courseProblems,
  firstFailure,
  listFixtures,
  materialise,
  runQuiet,
  staticProblems,
} from "../../src/course/self-check.ts";

const course = loadCourse();

async function verdict(lessonDir: { base: string; overlay?: string }, lesson: Lesson) {
  const dir = await materialise(lessonDir.base, lessonDir.overlay);
  try {
    return await runQuiet(lesson, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The course checks itself: for every available lesson numbered from `first` to
 * `last`, the reference solution passes its checker, the starter fails it, and
 * every broken learner server in test/fixtures is rejected at the step it was
 * written to trip. (Split over several test files so they run in parallel.)
 */
export function courseSuite(first: number, last: number): void {
  if (first === 1) {
    describe("the course manifest", () => {
      it("agrees with the lesson and solution folders", () => {
        expect(courseProblems(course)).toEqual([]);
      });
    });
  }
  for (const lesson of course.lessons.filter(
    (l) => isAvailable(l) && l.number >= first && l.number <= last,
  )) {
    lessonSuite(lesson);
  }
}

function lessonSuite(lesson: Lesson): void {
  describe(`lesson ${lesson.number} (${lesson.slug})`, () => {
    it("has its text, starter, checker, hints and TODO markers", async () => {
      expect(await staticProblems(lesson)).toEqual([]);
    });

    const hasSolution = existsSync(join(lesson.solutionDir));
    it.runIf(hasSolution)("passes on the reference solution", async () => {
      const result = await verdict({ base: lesson.solutionDir }, lesson);
      const failed = result.steps.find((s) => s.status !== "pass" && s.status !== "skipped");
      expect(
        failed?.message ?? result.error?.message,
        `first failure: ${failed?.slug}`,
      ).toBeUndefined();
      expect(result.status).toBe("pass");
    });

    it("fails on the starter", async () => {
      const result = await verdict({ base: lesson.starterDir }, lesson);
      expect(result.status).toBe("fail");
    });

    for (const fixture of listFixtures(lesson)) {
      it(`rejects "${fixture.name}" at ${fixture.failsAt}: ${fixture.about}`, async () => {
        const result = await verdict({ base: lesson.solutionDir, overlay: fixture.dir }, lesson);
        expect(firstFailure(result)).toBe(fixture.failsAt);
      });
    }
  });
}
