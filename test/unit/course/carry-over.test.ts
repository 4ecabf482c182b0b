import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { layLesson, lessonWords } from "../../../src/course/carry-over.ts";
import { findLesson, loadCourse } from "../../../src/course/manifest.ts";
import { materialise } from "../../../src/course/workspace.ts";

const course = loadCourse();
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
/** A learner who finished long-polling with the reference solution, plus `edit` of src/app.ts. */
async function learner(edit: (app: string) => string): Promise<string> {
  const ws = await materialise(findLesson(course, "long-polling").solutionDir);
  dirs.push(ws);
  const app = join(ws, "src", "app.ts");
  writeFileSync(app, edit(readFileSync(app, "utf8")));
  return ws;
}
const sse = findLesson(course, "how-sse-works");

describe("carrying a learner's work into the next lesson", () => {
  it("merges the lesson's edits into files the learner changed elsewhere, after a backup", async () => {
    const ws = await learner((t) => `${t}// my own note\n`);
    const r = await layLesson(ws, course, sse, "long-polling");
    const app = readFileSync(join(ws, "src", "app.ts"), "utf8");
    expect(app).toContain("// my own note");
    expect(app).toContain("...eventRoutes");
    expect(r.merged).toContain("src/app.ts");
    expect(r.conflicts).toEqual([]);
    expect(r.added).toContain("src/routes/events.ts");
    expect(r.laid).toBe("how-sse-works");
    const backups = readdirSync(join(ws, ".labs", "backups"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(r.backup!, "src", "app.ts"), "utf8")).not.toContain("eventRoutes");
  });

  it("leaves conflict markers where the learner changed the same lines, with the lesson's words", async () => {
    const ws = await learner((t) =>
      t.replace(
        "[...healthRoutes, ...taskRoutes, ...boardRoutes]",
        "[...taskRoutes, ...healthRoutes, ...boardRoutes]",
      ),
    );
    const r = await layLesson(ws, course, sse, "long-polling");
    expect(r.conflicts?.map((c) => c.file)).toEqual(["src/app.ts"]);
    expect(r.conflicts?.[0].words).toContain("src/app.ts");
    const app = readFileSync(join(ws, "src", "app.ts"), "utf8");
    expect(app).toMatch(
      /<<<<<<< your work\n[\s\S]*\.\.\.taskRoutes, \.\.\.healthRoutes[\s\S]*=======\n[\s\S]*\.\.\.eventRoutes[\s\S]*>>>>>>> starter of how-sse-works/,
    );
  });

  it("gives a learner who opens the same or an earlier lesson again no merge", async () => {
    const ws = await learner((t) => t);
    const before = readFileSync(join(ws, "src", "app.ts"), "utf8");
    const r = await layLesson(ws, course, findLesson(course, "short-polling"), "long-polling");
    expect(r.laid).toBe("long-polling");
    expect(readFileSync(join(ws, "src", "app.ts"), "utf8")).toBe(before);
    expect(existsSync(join(ws, ".labs", "backups"))).toBe(false);
  });

  it("merges every lesson in between when a learner skips ahead", async () => {
    const ws = await learner((t) => `${t}// my own note\n`);
    const r = await layLesson(
      ws,
      course,
      findLesson(course, "event-types-and-ids"),
      "long-polling",
    );
    expect(r.added).toEqual(
      expect.arrayContaining(["src/routes/events.ts", "src/sse.ts", "src/routes/admin.ts"]),
    );
    expect(readFileSync(join(ws, "src", "app.ts"), "utf8")).toContain("// my own note");
    expect(readFileSync(join(ws, "src", "app.ts"), "utf8")).toContain("adminRoutes");
  });

  it("quotes the lesson text that names a file, or points at the TODO markers", () => {
    expect(lessonWords(sse, "src/app.ts")).toContain("src/app.ts");
    expect(lessonWords(sse, "no/such/file.ts")).toBe(
      "The lesson changes no/such/file.ts; its TODO(how-sse-works) markers say what to write.",
    );
  });
});
