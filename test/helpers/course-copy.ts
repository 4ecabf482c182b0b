import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Course, loadCourse } from "../../src/course/manifest.ts";
import { RUNNER_ROOT } from "../../src/runner/build.ts";

/** A private copy of the course's lessons, solutions and fixtures, for tests that change it. */
export async function copyCourse(): Promise<Course> {
  const root = await mkdtemp(join(tmpdir(), "labs-course-"));
  for (const part of ["lessons", "solutions", join("test", "fixtures")]) {
    await cp(join(RUNNER_ROOT, part), join(root, part), {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|\.labs)([\\/]|$)/.test(src),
    });
  }
  return loadCourse(root);
}
