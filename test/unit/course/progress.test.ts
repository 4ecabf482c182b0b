import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Course, loadCourse } from "../../../src/course/manifest.ts";
import {
  lastResultFile,
  progressFile,
  readLastResult,
  readProgress,
  recordRun,
  saveLastResult,
  writeProgress,
} from "../../../src/course/progress.ts";
import { isLearnerError, type LearnerError } from "../../../src/errors.ts";

const course = loadCourse();
const slugAt = (n: number) => course.lessons.find((l) => l.number === n)!.slug;
let ws: string;

beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), "labs-progress-"));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
});

async function putProgress(text: string): Promise<string> {
  const file = progressFile(ws);
  await mkdir(join(ws, ".labs"), { recursive: true });
  await writeFile(file, text);
  return file;
}

const stored = async () => JSON.parse(await readFile(progressFile(ws), "utf8"));

function caught(fn: () => unknown): LearnerError {
  try {
    fn();
  } catch (error) {
    if (isLearnerError(error)) return error;
    throw error;
  }
  throw new Error("expected a LearnerError");
}

describe("a version 1 progress file (keyed by lesson number)", () => {
  const v1 = {
    version: 1,
    current: 7,
    lessons: {
      "7": { passedAt: "2026-01-02T03:04:05.000Z", runs: 3 },
      "3": { runs: 1 },
      "99": { runs: 5 },
    },
    quiz: { "1": { passedAt: "2026-01-01T00:00:00.000Z", answers: { pick: "b" } }, "42": {} },
    theme: "dark",
  };

  it("is read as version 2: numbers become slugs, unknown numbers are dropped, laid comes from current", async () => {
    const text = JSON.stringify(v1);
    await putProgress(text);
    const progress = readProgress(ws);
    expect(progress.version).toBe(2);
    expect(progress.current).toBe("event-types-and-ids");
    expect(progress.laid).toBe("event-types-and-ids");
    expect(progress.lessons).toEqual({
      "event-types-and-ids": { passedAt: "2026-01-02T03:04:05.000Z", runs: 3 },
      "short-polling": { runs: 1 },
    });
    expect(progress.quiz).toEqual({
      "why-real-time-matters": { passedAt: "2026-01-01T00:00:00.000Z", answers: { pick: "b" } },
    });
    expect(progress.theme).toBe("dark");
    // reading alone does not rewrite the file
    expect(await readFile(progressFile(ws), "utf8")).toBe(text);
  });

  it("is written back as version 2 on the next write, keeping unknown fields", async () => {
    await putProgress(JSON.stringify(v1));
    await recordRun(ws, "short-polling", true);
    const data = await stored();
    expect(data.version).toBe(2);
    expect(data.current).toBe("event-types-and-ids");
    expect(data.laid).toBe("event-types-and-ids");
    expect(Object.keys(data.lessons).sort()).toEqual(["event-types-and-ids", "short-polling"]);
    expect(data.lessons["short-polling"].runs).toBe(2);
    expect(data.lessons["short-polling"].passedAt).toMatch(/^\d{4}-/);
    expect(Object.keys(data.quiz)).toEqual(["why-real-time-matters"]);
    expect(data.theme).toBe("dark");
  });

  it("maps numbers with the manifest it is given, and survives a current the manifest lacks", async () => {
    // A lesson inserted at 2 moves every later lesson up one number.
    const shifted: Course = {
      ...course,
      lessons: course.lessons.map((l) => ({ ...l, number: l.number >= 2 ? l.number + 1 : 1 })),
    };
    await putProgress(JSON.stringify({ version: 1, current: 4, lessons: { "4": { runs: 2 } } }));
    const progress = readProgress(ws, shifted);
    expect(progress.current).toBe(slugAt(3));
    expect(Object.keys(progress.lessons)).toEqual([slugAt(3)]);

    await putProgress(JSON.stringify({ version: 1, current: 99, lessons: { "99": { runs: 1 } } }));
    const lost = readProgress(ws);
    expect(lost.current).toBeUndefined();
    expect(lost.laid).toBeUndefined();
    expect(lost.lessons).toEqual({});
  });
});

describe("a progress file from a newer runner", () => {
  const newer = `${JSON.stringify({ version: 3, current: "short-polling", lessons: {} }, null, 2)}\n`;

  it("is refused with PROGRESS_NEWER, naming the file and version, and saying to update", async () => {
    const file = await putProgress(newer);
    const error = caught(() => readProgress(ws));
    expect(error.code).toBe("PROGRESS_NEWER");
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/version 3/);
    expect(error.hint).toMatch(/git pull && npm install/);
  });

  it("is never rewritten, by a recorded run or a direct write", async () => {
    const file = await putProgress(newer);
    await expect(recordRun(ws, "short-polling", true)).rejects.toMatchObject({
      code: "PROGRESS_NEWER",
    });
    await expect(writeProgress(ws, { version: 2, lessons: {} })).rejects.toMatchObject({
      code: "PROGRESS_NEWER",
    });
    expect(await readFile(file, "utf8")).toBe(newer);
    expect(readdirSync(join(ws, ".labs"))).toEqual(["progress.json"]);
  });
});

describe("an unreadable progress file", () => {
  for (const [what, text] of [
    ["not JSON", "{ not json"],
    ["not an object", "[1, 2]"],
    ["a version that is not a number", '{ "version": "two", "lessons": {} }'],
  ] as const) {
    it(`(${what}) reads as empty progress and is backed up before a fresh one is written`, async () => {
      await putProgress(text);
      expect(readProgress(ws).lessons).toEqual({});
      await recordRun(ws, "project-setup", true);
      const bad = readdirSync(join(ws, ".labs")).filter((f) => f.startsWith("progress.json.bad-"));
      expect(bad).toHaveLength(1);
      expect(await readFile(join(ws, ".labs", bad[0]), "utf8")).toBe(text);
      const data = await stored();
      expect(data.version).toBe(2);
      expect(data.lessons["project-setup"].passedAt).toMatch(/^\d{4}-/);
      // the fresh file is readable, so the next write backs nothing up
      await recordRun(ws, "project-setup", false);
      expect(
        readdirSync(join(ws, ".labs")).filter((f) => f.startsWith("progress.json.bad-")),
      ).toHaveLength(1);
    });
  }

  it("returns the backup's path from writeProgress", async () => {
    await putProgress("garbage");
    const backup = await writeProgress(ws, readProgress(ws));
    expect(backup).toMatch(/progress\.json\.bad-\d{4}-/);
    expect(existsSync(backup!)).toBe(true);
    expect(await writeProgress(ws, readProgress(ws))).toBeUndefined();
  });
});

describe("a version 2 progress file", () => {
  it("keeps laid and unknown fields, at the top and inside entries", async () => {
    await putProgress(
      JSON.stringify({
        version: 2,
        current: "long-polling",
        laid: "short-polling",
        lessons: { "short-polling": { runs: 1, note: "mine" } },
        quiz: { "why-real-time-matters": { answers: {}, extra: 1 } },
        editor: { theme: "dark" },
      }),
    );
    await recordRun(ws, "short-polling", false);
    const data = await stored();
    expect(data).toMatchObject({
      version: 2,
      current: "long-polling",
      laid: "short-polling",
      lessons: { "short-polling": { runs: 2, note: "mine" } },
      quiz: { "why-real-time-matters": { answers: {}, extra: 1 } },
      editor: { theme: "dark" },
    });
    expect(data.lessons["short-polling"].passedAt).toBeUndefined();
  });
});

describe("the last result of a lesson", () => {
  it("is kept under .labs/last/<slug>.json and read back by slug or lesson", async () => {
    const lesson = course.lessons.find((l) => l.slug === "short-polling")!;
    const result = { slug: lesson.slug, number: lesson.number, status: "fail" };
    await saveLastResult(ws, result);
    expect(lastResultFile(ws, lesson)).toBe(join(ws, ".labs", "last", "short-polling.json"));
    expect(existsSync(join(ws, ".labs", "last", "short-polling.json"))).toBe(true);
    expect(readLastResult<{ status: string }>(ws, lesson)?.status).toBe("fail");
    expect(readLastResult(ws, "short-polling")).toBeDefined();
    expect(readLastResult(ws, "long-polling")).toBeUndefined();
  });
});
