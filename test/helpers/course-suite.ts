import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAvailable, type Lesson, loadCourse } from "../../src/course/manifest.ts";
import {
  checkCarriedOver,
  checkFixture,
  checkSolution,
  checkStarter,
  failedAfterStart,
  firstFailure,
  listFixtures,
  staticProblems,
} from "../../src/course/self-check.ts";

const course = loadCourse();

/**
 * The course checks itself, lesson by lesson: for every available lesson in part
 * `part` of `of` (the manifest's lessons cut into that many runs in course order, so
 * an inserted lesson lands in a part by itself), the reference solution passes its
 * checker, the starter fails it, a learner carried over from the previous solution
 * starts and fails it, every broken learner server in test/fixtures is rejected at
 * the step it was written to trip, and the final solution still passes it.
 * (Split over several test files so they run in parallel.)
 */
export function courseSuite(part: number, of: number): void {
  const lessons = course.lessons.filter(isAvailable);
  const size = Math.ceil(lessons.length / of);
  for (const lesson of lessons.slice(part * size, (part + 1) * size)) lessonSuite(lesson);
}

function lessonSuite(lesson: Lesson): void {
  const final = course.lessons.at(-1)!;
  const first = lesson === course.lessons[0];
  describe(`lesson ${lesson.number} (${lesson.slug})`, () => {
    it("has its text, starter, checker, hints, step list and TODO markers", async () => {
      expect(await staticProblems(lesson)).toEqual([]);
    });

    it.runIf(existsSync(lesson.solutionDir))("passes on the reference solution", async () => {
      const result = await checkSolution(lesson);
      const failed = result.steps.find((s) => s.status !== "pass" && s.status !== "skipped");
      expect(
        failed?.message ?? result.error?.message,
        `first failure: ${failed?.slug}`,
      ).toBeUndefined();
      expect(result.status).toBe("pass");
    });

    it("fails on the starter", async () => {
      const result = await checkStarter(lesson);
      expect(result.status).toBe("fail");
    });

    it.runIf(!first && existsSync(join(lesson.starterDir, "src", "server.ts")))(
      "fails, after the server starts, for a learner carried over from the previous solution",
      async () => {
        const { result, conflicts } = await checkCarriedOver(course, lesson);
        expect(conflicts).toEqual([]);
        expect(failedAfterStart(result), `first failure: ${firstFailure(result)}`).toBe(true);
      },
    );

    it.runIf(lesson !== final)(`still passes on the final solution (${final.slug})`, async () => {
      const result = await checkSolution(lesson, final);
      expect(firstFailure(result)).toBeUndefined();
    });

    for (const fixture of listFixtures(lesson)) {
      it(`rejects "${fixture.name}" at ${fixture.failsAt}: ${fixture.about}`, async () => {
        expect(firstFailure(await checkFixture(lesson, fixture))).toBe(fixture.failsAt);
      });
    }
  });
}
