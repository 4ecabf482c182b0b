import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LessonResult } from "../../../src/checks/results.ts";
import { main } from "../../../src/cli/main.ts";
import { loadCourse } from "../../../src/course/manifest.ts";
import { parsePoints } from "../../../src/course/points.ts";
import { readClassResults, toClassTable } from "../../../src/report/class-report.ts";
import { toResults } from "../../../src/report/json.ts";
import type { RunSummary } from "../../../src/report/reporter.ts";

const course = loadCourse();
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-class-"));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

function lesson(number: number, slug: string, status: LessonResult["status"]): LessonResult {
  return {
    number,
    slug,
    title: slug,
    status,
    durationMs: 100,
    steps: [{ slug: "server-starts", title: "starts", hint: "h", status: "pass", durationMs: 1 }],
  };
}

/** A learner's folder with the results.json `labs grade` writes for these lessons. */
async function learner(dir: string, name: string, lessons: LessonResult[]): Promise<void> {
  const summary: RunSummary = {
    status: lessons.some((l) => l.status === "error")
      ? "error"
      : lessons.every((l) => l.status === "pass")
        ? "pass"
        : "fail",
    lessons,
    durationMs: 1000,
    workspace: "/w",
  };
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, "results.json"), JSON.stringify(toResults(summary)));
}

/** Runs the CLI in-process and collects what it writes. */
async function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main({
    argv,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: process.stdin,
    env: { NO_COLOR: "1" },
  });
  return { code, stdout, stderr };
}

describe("the class report", () => {
  it("tables every learner's points per lesson, in lesson order, with totals", async () => {
    const dir = await tempDir();
    // lessons listed out of order: columns follow lesson numbers
    await learner(dir, "school--bob-taskboard", [
      lesson(4, "long-polling", "fail"),
      lesson(3, "short-polling", "pass"),
    ]);
    await learner(dir, "school--alice-taskboard", [
      lesson(3, "short-polling", "pass"),
      lesson(4, "long-polling", "pass"),
      lesson(16, "scaling-real-time", "error"),
    ]);
    await mkdir(join(dir, "school--carol-taskboard")); // grading left nothing
    const learners = readClassResults(dir);
    expect(learners.map((l) => l.learner)).toEqual([
      "school--alice-taskboard",
      "school--bob-taskboard",
      "school--carol-taskboard",
    ]);
    const { markdown, csv } = toClassTable(learners, parsePoints("10,long-polling=2.5", course));
    expect(markdown).toContain("**3 learners** (2 graded), 3 lessons, 22.5 points in all.");
    expect(markdown).toContain("3 short-polling · 4 long-polling · 16 scaling-real-time");
    expect(markdown).toContain("| learner | 3 | 4 | 16 | points |\n|---|---|---|---|---|");
    expect(markdown).toContain("| school--alice-taskboard | ✅ 10 | ✅ 2.5 | ⚠️ 0 | 12.5/22.5 |");
    expect(markdown).toContain("| school--bob-taskboard | ✅ 10 | ❌ 0 | — | 10/22.5 |");
    expect(markdown).toContain("| school--carol-taskboard | — | — | — | no results (0/22.5) |");
    expect(csv).toBe(
      [
        "learner,status,short-polling,long-polling,scaling-real-time,points,max_points",
        "school--alice-taskboard,error,10,2.5,0,12.5,22.5",
        "school--bob-taskboard,fail,10,0,,10,22.5",
        "school--carol-taskboard,no results,,,,0,22.5",
        "",
      ].join("\n"),
    );
  });

  it("quotes CSV fields and defuses ones a spreadsheet would run as formulas", async () => {
    const dir = await tempDir();
    await learner(dir, "=HYPERLINK(1)", [lesson(3, "short-polling", "pass")]);
    await learner(dir, 'a,"b"', [lesson(3, "short-polling", "pass")]);
    const { csv, markdown } = toClassTable(readClassResults(dir), parsePoints(undefined, course));
    expect(csv).toContain("\n'=HYPERLINK(1),pass,1,1,1\n");
    expect(csv).toContain('\n"a,""b""",pass,1,1,1\n');
    expect(markdown).toContain('| a,"b" | ✅ 1 | 1/1 |');
  });

  it.each([
    ["not JSON", "{ not json", /results\.json is not JSON/],
    ["another version", JSON.stringify({ version: 2, status: "pass", lessons: [] }), /version/],
    [
      "a lesson without a status",
      JSON.stringify({
        version: 1,
        status: "pass",
        lessons: [{ number: 3, slug: "short-polling", title: "x", steps: [] }],
      }),
      /lessons\.0\.status/,
    ],
    [
      "a lesson twice",
      JSON.stringify(
        toResults({
          status: "pass",
          lessons: [lesson(3, "short-polling", "pass"), lesson(3, "short-polling", "pass")],
          durationMs: 1,
          workspace: "/w",
        }),
      ),
      /lists lesson short-polling twice/,
    ],
  ])("rejects a results.json with %s, naming the file", async (_what, text, problem) => {
    const dir = await tempDir();
    await learner(dir, "school--alice-taskboard", [lesson(3, "short-polling", "pass")]);
    await mkdir(join(dir, "school--bob-taskboard"));
    await writeFile(join(dir, "school--bob-taskboard", "results.json"), text);
    let thrown: unknown;
    try {
      readClassResults(dir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "RESULTS_MALFORMED" });
    const { message, details } = thrown as { message: string; details: string[] };
    expect(message).toContain(join(dir, "school--bob-taskboard", "results.json"));
    expect([message, ...details].join("\n")).toMatch(problem);
  });

  it("runs as `labs class-report <dir> --points … --output class.csv`", async () => {
    const dir = await tempDir();
    await learner(dir, "school--alice-taskboard", [lesson(3, "short-polling", "pass")]);
    const out = join(dir, "out", "class.csv");
    const run = await cli(["class-report", dir, "--points", "4", "--output", out]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain("| school--alice-taskboard | ✅ 4 | 4/4 |");
    expect(await readFile(out, "utf8")).toContain("school--alice-taskboard,pass,4,4,4");
  });

  it("says what is wrong with the command line, the folder or a file", async () => {
    const dir = await tempDir();
    expect(await cli(["class-report"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/Which folder\?/),
    });
    expect(await cli(["class-report", join(dir, "absent")])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/There is no folder/),
    });
    expect(await cli(["class-report", dir])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/has no learner folders/),
    });
    await learner(dir, "school--alice-taskboard", [lesson(3, "short-polling", "pass")]);
    expect(await cli(["class-report", dir, "--points", "lots"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--points: "lots" does not give a number of points/),
    });
    await mkdir(join(dir, "school--bob-taskboard"));
    await writeFile(join(dir, "school--bob-taskboard", "results.json"), "[]");
    const bad = await cli(["class-report", dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/school--bob-taskboard\/results\.json is not a results\.json/);
    expect(bad.stderr).toMatch(/What to do: Each learner's folder must hold the results\.json/);
  });
});
