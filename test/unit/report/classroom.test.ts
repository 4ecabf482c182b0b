import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LessonResult } from "../../../src/checks/results.ts";
import { loadCourse } from "../../../src/course/manifest.ts";
import { parsePoints, pointsOf } from "../../../src/course/points.ts";
import {
  ClassroomReporter,
  type ClassroomResult,
  resultsVariableOf,
  toClassroom,
} from "../../../src/report/classroom.ts";
import { firstFailure, type RunSummary } from "../../../src/report/reporter.ts";
import { failing, passing } from "../../helpers/results.ts";

const broken: LessonResult = {
  number: 16,
  slug: "scaling-real-time",
  title: "Scaling Real-Time",
  status: "error",
  durationMs: 10,
  steps: [],
  error: { code: "NO_REDIS", message: "No Redis to run this lesson's checks against." },
};
const summary: RunSummary = {
  status: "error",
  lessons: [passing, failing, broken],
  durationMs: 2200,
  workspace: "/w",
};
const course = loadCourse();
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-classroom-"));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The `NAME=value` lines of a GITHUB_ENV or GITHUB_OUTPUT file, as a map. */
async function readAssignments(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, "utf8");
  return new Map(
    text
      .split("\n")
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

function decode(value: string | undefined): ClassroomResult {
  return JSON.parse(Buffer.from(value ?? "", "base64").toString("utf8"));
}

describe("the classroom reporter", () => {
  it("makes one runner per lesson, lesson-<slug>, with the lesson's points when it passed", () => {
    const doc = toClassroom(summary, parsePoints("10,long-polling=20", course));
    expect(doc.runners).toEqual([
      "lesson_short_polling",
      "lesson_long_polling",
      "lesson_scaling_real_time",
    ]);
    expect(doc.results["lesson_short_polling"]).toEqual({
      version: 1,
      status: "pass",
      max_score: 10,
      tests: [
        {
          name: "Lesson 3 · Short Polling",
          status: "pass",
          score: 10,
          line_no: 0,
          duration: 0.9,
        },
      ],
    });
    const fail = doc.results["lesson_long_polling"];
    expect(fail.status).toBe("fail");
    expect(fail.max_score).toBe(20);
    expect(fail.tests[0]).toMatchObject({
      status: "fail",
      score: 0,
      message: 'a poll is held <while> idle: answered at once & "early"',
    });
    expect(fail.tests[0].message).toBe(firstFailure(failing));
    const error = doc.results["lesson_scaling_real_time"];
    expect(error.status).toBe("error");
    expect(error.tests[0]).toMatchObject({
      status: "error",
      score: 0,
      message: "No Redis to run this lesson's checks against.",
    });
  });

  it("writes classroom.json, the runners' results to GITHUB_ENV and their ids to GITHUB_OUTPUT", async () => {
    const dir = await tempDir();
    const env = { GITHUB_ENV: join(dir, "env"), GITHUB_OUTPUT: join(dir, "output") };
    // the files GitHub hands a step may already hold lines from earlier steps
    await writeFile(env.GITHUB_ENV, "EARLIER=1\n");
    const file = join(dir, "reports", "classroom.json");
    await new ClassroomReporter({ file, env, points: parsePoints("5", course) }).onRunEnd(summary);

    const written = JSON.parse(await readFile(file, "utf8"));
    expect(written).toEqual(toClassroom(summary, parsePoints("5", course)));

    const vars = await readAssignments(env.GITHUB_ENV);
    expect([...vars.keys()]).toEqual([
      "EARLIER",
      "LESSON_SHORT_POLLING_RESULTS",
      "LESSON_LONG_POLLING_RESULTS",
      "LESSON_SCALING_REAL_TIME_RESULTS",
    ]);
    // what the action does: `${runner.trim().toUpperCase()}_RESULTS`, base64 of the JSON
    const outputs = await readAssignments(env.GITHUB_OUTPUT);
    const runners = (outputs.get("runners") ?? "").split(",");
    expect(runners).toEqual(written.runners);
    const results = runners.map((r) => decode(vars.get(`${r.trim().toUpperCase()}_RESULTS`)));
    expect(results).toEqual(runners.map((r) => written.results[r]));
    expect(results.map((r) => r.status)).toEqual(["pass", "fail", "error"]);
    // "Points X/Y" as the action sums it: every test's score over the runners with a max_score
    const total = results.flatMap((r) => r.tests).reduce((sum, t) => sum + t.score, 0);
    const max = results.reduce((sum, r) => sum + r.max_score, 0);
    expect(`Points ${total}/${max}`).toBe("Points 5/15");
    expect(results[1].tests[0].message).toBe(firstFailure(failing));
  });

  it("writes nothing for GitHub when GITHUB_ENV and GITHUB_OUTPUT are not set", async () => {
    const dir = await tempDir();
    const file = join(dir, "classroom.json");
    await new ClassroomReporter({ file, env: {} }).onRunEnd(summary);
    expect(JSON.parse(await readFile(file, "utf8")).results["lesson_short_polling"].max_score).toBe(
      1,
    );
    expect(existsSync(join(dir, "env"))).toBe(false);
    expect(existsSync(join(dir, "output"))).toBe(false);
  });

  it("upper-cases runner ids as the action does", () => {
    expect(resultsVariableOf(" lesson_short_polling ")).toBe("LESSON_SHORT_POLLING_RESULTS");
  });
});

describe("--points", () => {
  it("gives every lesson one point by default, a number to every lesson, slug=N to one", () => {
    expect(pointsOf(parsePoints(undefined, course), "capstone")).toBe(1);
    const points = parsePoints(" 10 , capstone=30, 16-scaling-real-time=2.5 ", course);
    expect(pointsOf(points, "short-polling")).toBe(10);
    expect(pointsOf(points, "capstone")).toBe(30);
    expect(pointsOf(points, "scaling-real-time")).toBe(2.5);
    expect(pointsOf(parsePoints("capstone=0", course), "short-polling")).toBe(1);
  });

  it.each([
    ["ten", /--points: "ten" does not give a number of points/],
    ["10,capstone=lots", /--points: "capstone=lots" does not give a number of points/],
    ["-1", /"-1" does not give a number of points/],
    ["10,no-such-lesson=3", /--points names "no-such-lesson", which is not a lesson/],
    ["18=3", /--points names lesson 18 by number; name it by slug: capstone=3/],
    ["10,20", /--points gives the points of every lesson twice/],
    ["capstone=1,18-capstone=2", /--points gives capstone points twice/],
    [",", /--points needs a value/],
  ])("refuses %j", (spec, message) => {
    expect(() => parsePoints(spec, course)).toThrow(message);
    try {
      parsePoints(spec, course);
    } catch (error) {
      expect(error).toMatchObject({ code: "USAGE", hint: expect.stringMatching(/--points 10/) });
    }
  });
});
