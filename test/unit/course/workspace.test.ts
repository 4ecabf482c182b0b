import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findLesson, loadCourse } from "../../../src/course/manifest.ts";
import { hasPassed, readProgress, recordRun } from "../../../src/course/progress.ts";
import { prepareWorkspace } from "../../../src/course/workspace.ts";

const course = loadCourse();
let dir: string;

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the learner's workspace", () => {
  it("is seeded from the lesson's starter when empty", async () => {
    dir = join(await mkdtemp(join(tmpdir(), "labs-ws-")), "workspace");
    const result = await prepareWorkspace(dir, findLesson(course, "3"));
    expect(result.seeded).toBe(true);
    expect(existsSync(join(dir, "src", "server.ts"))).toBe(true);
  });

  it("keeps earlier work and only adds the files a later lesson brings", async () => {
    dir = await mkdtemp(join(tmpdir(), "labs-ws-"));
    await prepareWorkspace(dir, findLesson(course, "3"));
    const mine = "// my own server\n";
    await writeFile(join(dir, "src", "server.ts"), mine);
    const result = await prepareWorkspace(dir, findLesson(course, "4"));
    expect(result.seeded).toBe(false);
    expect(result.added).toContain("src/long-poll.ts");
    expect(await readFile(join(dir, "src", "server.ts"), "utf8")).toBe(mine);
  });

  it("labels the backup it makes before seeding with the lesson's slug", async () => {
    dir = await mkdtemp(join(tmpdir(), "labs-ws-"));
    await writeFile(join(dir, "notes.txt"), "mine\n");
    await prepareWorkspace(dir, findLesson(course, "3"));
    const backups = readdirSync(join(dir, ".labs", "backups"));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/-before-seed-short-polling$/);
    expect(await readFile(join(dir, ".labs", "backups", backups[0], "notes.txt"), "utf8")).toBe(
      "mine\n",
    );
  });
});

describe("progress", () => {
  it("records runs and the first pass in a versioned file", async () => {
    dir = await mkdtemp(join(tmpdir(), "labs-ws-"));
    const lesson = findLesson(course, "3");
    await recordRun(dir, lesson, false);
    expect(hasPassed(readProgress(dir), lesson)).toBe(false);
    await recordRun(dir, "short-polling", true);
    const progress = readProgress(dir);
    expect(progress.version).toBe(2);
    expect(Object.keys(progress.lessons)).toEqual(["short-polling"]);
    expect(progress.lessons["short-polling"].runs).toBe(2);
    expect(hasPassed(progress, lesson)).toBe(true);
    expect(hasPassed(progress, "long-polling")).toBe(false);
  });

  it("reads a damaged file as empty progress instead of failing", async () => {
    dir = await mkdtemp(join(tmpdir(), "labs-ws-"));
    await recordRun(dir, "project-setup", true);
    await writeFile(join(dir, ".labs", "progress.json"), "{ not json");
    expect(readProgress(dir).lessons).toEqual({});
  });
});
