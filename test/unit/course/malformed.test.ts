import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findLesson, type Lesson, loadChecker, loadCourse } from "../../../src/course/manifest.ts";
import { checkLesson } from "../../../src/course/run-lessons.ts";

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lessonWithChecker(source: string | undefined): Promise<Lesson> {
  dir = await mkdtemp(join(tmpdir(), "labs-malformed-"));
  const base = findLesson(loadCourse(), "3");
  const checkFile = join(dir, "check.ts");
  if (source !== undefined) await writeFile(checkFile, source);
  return { ...base, checkFile };
}

describe("a malformed lesson folder", () => {
  it("without a checker is an error of the lesson, not of the learner's code", async () => {
    const lesson = await lessonWithChecker(undefined);
    const result = await checkLesson(lesson, { workspace: dir, reporter: {} });
    expect(result.status).toBe("error");
    expect(result.error?.code).toBe("LESSON_MALFORMED");
    expect(result.error?.message).toMatch(/has no checker/);
  });

  it("with steps lacking hints or titles names each problem", async () => {
    const lesson = await lessonWithChecker(
      'export default { steps: [{ slug: "a", title: "", hint: "h", run: async () => {} }, { slug: "a", title: "t", run: async () => {} }] };\n',
    );
    const error = await loadChecker(lesson).catch((e: { details: string[] }) => e);
    expect(error).toMatchObject({ code: "LESSON_MALFORMED" });
    const details = (error as { details: string[] }).details.join("\n");
    expect(details).toMatch(/step 1 \(a\): no title/);
    expect(details).toMatch(/step 2 \(a\): duplicate slug/);
    expect(details).toMatch(/step 2 \(a\): no hint/);
  });
});
