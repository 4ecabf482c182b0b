import { describe, expect, it } from "vitest";
import { loadCourse } from "../../../src/course/manifest.ts";
import { courseWideProblems } from "../../../src/course/self-check.ts";

describe("the course as a whole", () => {
  it("agrees with its manifest, names lessons by slug, is exactly what its history makes, and type-checks", async () => {
    expect(await courseWideProblems(loadCourse())).toEqual([]);
  });
});
