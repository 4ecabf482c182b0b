import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findLesson, loadCourse } from "../../src/course/manifest.ts";
import { RUNNER_ROOT } from "../../src/runner/build.ts";
import { pidsWithCwd } from "../../src/runner/procfs.ts";
import { runCli, startCli } from "../helpers/cli.ts";

const course = loadCourse();
const lesson3 = findLesson(course, "short-polling");
const total = course.lessons.length;
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-cli-"));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("the labs CLI", () => {
  it("prints help and exits 0 with --help", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/lesson <n\|slug>/);
    const check = await runCli(["check", "--help"]);
    expect(check.stdout).toMatch(/Exit codes/);
  });

  it("refuses an unknown lesson with exit 2 and says what to do", async () => {
    const run = await runCli(["check", "99"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/There is no lesson "99"/);
    expect(run.stderr).toMatch(new RegExp(`What to do: Lessons are numbered 1 to ${total}`));
  });

  it("suggests a lesson for a partial slug", async () => {
    const run = await runCli(["check", "polling"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Did you mean 3 \(short-polling\) or 4 \(long-polling\)/);
  });

  it("refuses unknown commands and flags with exit 2", async () => {
    expect((await runCli(["frobnicate"])).code).toBe(2);
    const flag = await runCli(["check", "short-polling", "--frob"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--frob/);
  });

  it("refuses --points that are not numbers or name no lesson, before grading anything", async () => {
    const out = await tempDir();
    const word = await runCli(["grade", "--solution", "--points", "ten", "--output", out]);
    expect(word.code).toBe(2);
    expect(word.stderr).toMatch(/--points: "ten" does not give a number of points/);
    expect(word.stderr).toMatch(/What to do: For example --points 10/);
    const slug = await runCli([
      "grade",
      "--solution",
      "--reporter",
      "classroom",
      "--points",
      "10,no-such-lesson=20",
      "--output",
      out,
    ]);
    expect(slug.code).toBe(2);
    expect(slug.stderr).toMatch(/--points names "no-such-lesson", which is not a lesson/);
    // nothing ran: no report was written, not even the removal of old ones
    await writeFile(join(out, "classroom.json"), "{}");
    const again = await runCli(["grade", "--solution", "--points", "x=1", "--output", out]);
    expect(again.code).toBe(2);
    expect(readdirSync(out)).toEqual(["classroom.json"]);
  });

  it("asks for a lesson when `labs web` has none to open, and refuses --web without watching", async () => {
    const ws = await tempDir();
    const web = await runCli(["web", "--workspace", ws]);
    expect(web.code).toBe(2);
    expect(web.stderr).toMatch(/No lesson has been opened in this workspace yet/);
    const once = await runCli([
      "lesson",
      "short-polling",
      "--workspace",
      ws,
      "--no-watch",
      "--web",
    ]);
    expect(once.code).toBe(2);
    expect(once.stderr).toMatch(/--web shows the checks as you save, so it needs watch mode/);
    const port = await runCli(["lesson", "short-polling", "--workspace", ws, "--web-port", "80"]);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--web-port takes a port number from 1024 to 65535, not "80"/);
    const html = await runCli(["check", "short-polling", "--solution", "--reporter", "html"]);
    expect(html.code).toBe(2);
    expect(html.stderr).toMatch(/The html reporter writes a file: give it --output/);
  });

  it("checks a reference solution and writes a JSON report", async () => {
    const dir = await tempDir();
    const file = join(dir, "results.json");
    const run = await runCli([
      "check",
      "short-polling",
      "--solution",
      "--reporter",
      "plain,json",
      "--output",
      file,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS .*GET \/boards\/board-1\/updates/);
    expect(run.stdout).not.toContain("\u001b[");
    const results = JSON.parse(await readFile(file, "utf8"));
    expect(results.version).toBe(1);
    expect(results.status).toBe("pass");
    expect(results.lessons[0].steps.every((s: { status: string }) => s.status === "pass")).toBe(
      true,
    );
  });

  it("fails a starter with exit 1, a hint and a JUnit failure", async () => {
    const ws = await tempDir();
    await cp(lesson3.starterDir, ws, { recursive: true });
    const xml = join(ws, "junit.xml");
    const plain = await runCli(["check", "short-polling", "--workspace", ws]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/FAIL/);
    expect(plain.stdout).toMatch(/Hint:/);
    expect(plain.stdout).toMatch(/\$ curl -i 'http:\/\/localhost:3000\/boards\/board-1\/updates'/);
    const junit = await runCli([
      "check",
      "short-polling",
      "--workspace",
      ws,
      "--reporter",
      "junit",
      "--output",
      xml,
    ]);
    expect(junit.code).toBe(1);
    expect(await readFile(xml, "utf8")).toMatch(/<failure message=/);
  });

  it("records a check as watch mode does: hint shows the failing step only, list counts the pass", async () => {
    const ws = await tempDir();
    await cp(lesson3.starterDir, ws, { recursive: true });
    const before = await runCli(["hint", "short-polling", "--workspace", ws]);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/no check has run in this workspace yet/);
    expect(before.stdout.match(/\n {2}\S/g)).toHaveLength(1);

    const failed = await runCli(["check", "short-polling", "--workspace", ws]);
    expect(failed.code).toBe(1);
    const failing = /FAIL (.+) \(\d+ ms\)/.exec(failed.stdout)![1]!;
    const nearSolution = /\n {4}Hint: (.+)\n/.exec(failed.stdout)![1]!;
    const labels = (text: string) => text.match(/^Hint[^\n:]*:/gm) ?? [];
    const hint = await runCli(["hint", "short-polling", "--workspace", ws]);
    expect(hint.stdout).toContain(`"${failing}" failed last time`);
    expect(labels(hint.stdout)).toHaveLength(1);
    // one more level each time it is asked, ending with the near-solution the check printed
    const levels = Number(/^Hint 1 of (\d+)/m.exec(hint.stdout)?.[1] ?? 1);
    let latest = hint;
    for (let n = 2; n <= levels; n++) {
      latest = await runCli(["hint", "short-polling", "--workspace", ws]);
      expect(labels(latest.stdout)).toHaveLength(n);
    }
    expect(latest.stdout).toContain(nearSolution);
    const again = await runCli(["hint", "short-polling", "--workspace", ws]);
    expect(labels(again.stdout)).toHaveLength(levels);
    const all = await runCli(["hint", "short-polling", "--all", "--workspace", ws]);
    expect(all.stdout.match(/^\d+\. /gm)!.length).toBeGreaterThan(3);

    await cp(lesson3.solutionDir, ws, { recursive: true });
    expect((await runCli(["check", "short-polling", "--workspace", ws])).code).toBe(0);
    const progress = JSON.parse(await readFile(join(ws, ".labs", "progress.json"), "utf8"));
    expect(progress.lessons["short-polling"].runs).toBe(2);
    expect(progress.lessons["short-polling"].passedAt).toMatch(/^\d{4}-/);
    const passed = await runCli(["hint", "short-polling", "--workspace", ws]);
    expect(passed.stdout).toMatch(/passed last time\. What it checked:/);
    expect(passed.stdout).not.toMatch(/Hint:/);
    const list = await runCli(["list", "--workspace", ws]);
    expect(list.stdout).toMatch(/PASS\s+3\s+Short Polling/);
  });

  it("ends quietly when its reader closes the pipe early", async () => {
    // `true` reads nothing and exits at once, so every write of labs meets a closed pipe
    const labs = `"${process.execPath}" "${join(RUNNER_ROOT, "bin", "labs.js")}"`;
    const run = spawnSync("bash", ["-c", `${labs} hint 12 --all | true; exit \${PIPESTATUS[0]}`], {
      encoding: "utf8",
    });
    expect(run.stderr).not.toMatch(/EPIPE|Error/);
    expect(run.status).toBe(0);
  });

  it("backs up before reset, and asks for --yes without a terminal", async () => {
    const ws = await tempDir();
    await cp(lesson3.solutionDir, ws, { recursive: true });
    await writeFile(join(ws, "src", "mine.ts"), "export const mine = 1;\n");
    const refused = await runCli(["reset", "short-polling", "--workspace", ws]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(existsSync(join(ws, "src", "mine.ts"))).toBe(true);

    const run = await runCli(["reset", "short-polling", "--workspace", ws, "--yes"]);
    expect(run.code).toBe(0);
    expect(existsSync(join(ws, "src", "mine.ts"))).toBe(false);
    const backups = readdirSync(join(ws, ".labs", "backups"));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/-before-reset-short-polling$/);
    expect(
      await readFile(join(ws, ".labs", "backups", backups[0], "src", "mine.ts"), "utf8"),
    ).toMatch(/mine = 1/);
    expect(await readFile(join(ws, "src", "server.ts"), "utf8")).toBe(
      await readFile(join(lesson3.starterDir, "src", "server.ts"), "utf8"),
    );
  });

  it("keeps the solution closed until the lesson passes, unless forced", async () => {
    const ws = await tempDir();
    const closed = await runCli(["solution", "short-polling", "--workspace", ws]);
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/opens once you have passed it/);
    const forced = await runCli(["solution", "short-polling", "--workspace", ws, "--force"]);
    expect(forced.code).toBe(0);
    // by default, the lesson's change: its starter to its solution, as a diff
    expect(forced.stdout).toMatch(/^diff --git a\/src\/tasks\.ts b\/src\/tasks\.ts$/m);
    expect(forced.stdout).not.toMatch(/── src\/server\.ts/);
    const full = await runCli([
      "solution",
      "short-polling",
      "--workspace",
      ws,
      "--force",
      "--full",
    ]);
    expect(full.stdout).toMatch(/── src\/server\.ts/);
  });

  it("merges the next lesson's edits into a continuing learner's files, and says so", async () => {
    const ws = await tempDir();
    await cp(join(RUNNER_ROOT, "solutions", "02-project-setup"), ws, { recursive: true });
    await writeFile(
      join(ws, "src", "app.ts"),
      `${await readFile(join(ws, "src", "app.ts"), "utf8")}// mine\n`,
    );
    await mkdir(join(ws, ".labs"), { recursive: true });
    await writeFile(
      join(ws, ".labs", "progress.json"),
      JSON.stringify({ version: 2, current: "project-setup", laid: "project-setup", lessons: {} }),
    );
    const run = await runCli([
      "lesson",
      "short-polling",
      "--workspace",
      ws,
      "--no-watch",
      "--reporter",
      "plain",
    ]);
    expect(run.stdout).toMatch(/merged the lesson's edits into src\/app\.ts/);
    expect(run.stdout).toMatch(/backed up in .*before-short-polling-merge/);
    const app = await readFile(join(ws, "src", "app.ts"), "utf8");
    expect(app).toContain("// mine");
    expect(app).toContain("boardRoutes");
    const progress = JSON.parse(await readFile(join(ws, ".labs", "progress.json"), "utf8"));
    expect(progress.laid).toBe("short-polling");
  });

  it("checks a reference solution on a private copy, never in the repository", async () => {
    const lesson = join(RUNNER_ROOT, "solutions", "03-short-polling");
    await rm(join(lesson, ".labs"), { recursive: true, force: true });
    const run = await runCli([
      "check",
      "short-polling",
      "--solution",
      "--previous",
      "--reporter",
      "plain",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Project Setup/);
    expect(run.stdout).toMatch(/Why Real-Time Matters/);
    expect(existsSync(join(lesson, ".labs"))).toBe(false);
  });

  it("reports the machine's state with doctor", async () => {
    const run = await runCli(["doctor"]);
    expect(run.stdout).toMatch(/Node\.js v\d+/);
    expect(run.stdout).toMatch(/modules installed/);
    expect(run.code).toBe(0);
  });

  it("lists the lessons with progress", async () => {
    const ws = await tempDir();
    const run = await runCli(["list", "--workspace", ws]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Polling\\n.* ${lesson3.number} {2}Short Polling`));
    expect(run.stdout).toMatch(new RegExp(`0 of ${total} lessons passed`));
  });

  it("lists progress from a version 1 file, read by slug", async () => {
    const ws = await tempDir();
    await mkdir(join(ws, ".labs"));
    await writeFile(
      join(ws, ".labs", "progress.json"),
      JSON.stringify({
        version: 1,
        current: 4,
        lessons: { [String(lesson3.number)]: { passedAt: "2026-01-01T00:00:00Z", runs: 1 } },
      }),
    );
    const run = await runCli(["list", "--workspace", ws]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`(✓|PASS) +${lesson3.number} {2}Short Polling\\n`));
    expect(run.stdout).toMatch(/ 4 {2}Long Polling {2}← current/);
    expect(run.stdout).toMatch(new RegExp(`1 of ${total} lessons passed`));
  });

  it("refuses a progress file from a newer runner and leaves it as it is", async () => {
    const ws = await tempDir();
    await mkdir(join(ws, ".labs"));
    const file = join(ws, ".labs", "progress.json");
    const text = '{"version": 3, "lessons": {}}';
    await writeFile(file, text);
    const run = await runCli(["list", "--workspace", ws]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/version 3/);
    expect(run.stderr).toMatch(/What to do: .*git pull && npm install/);
    const solution = await runCli(["solution", "short-polling", "--workspace", ws]);
    expect(solution.code).toBe(2);
    expect(solution.stderr).toMatch(/version 3/);
    expect(await readFile(file, "utf8")).toBe(text);
  });
});

describe("watch mode (npm run lesson short-polling), without a terminal", () => {
  it("shows the lesson, fails the starter, turns green when the solution is saved, and quits cleanly", async () => {
    const ws = join(await tempDir(), "workspace");
    const cli = startCli(["lesson", "short-polling", "--workspace", ws]);
    try {
      await cli.waitFor(/SHORT POLLING/);
      await cli.waitFor(new RegExp(`seeded from lesson ${lesson3.number}'s starter`));
      let at = await cli.waitFor(new RegExp(`Lesson ${lesson3.number}: step \\d+ of \\d+ failed`));
      await cli.waitFor(/Type h, r, l or q and press Enter/, 10_000, at);
      cli.send("h");
      at = await cli.waitFor(/Hint 1 of 3, where to look:/, 5000, at);
      for (const f of readdirSync(join(lesson3.solutionDir, "src"), {
        recursive: true,
      }) as string[]) {
        const from = join(lesson3.solutionDir, "src", f);
        if (f.endsWith(".ts")) await cp(from, join(ws, "src", f));
      }
      // the code alone stops at the lesson's questions; answered in the file, it passes
      at = await cli.waitFor(/FAIL Question 1 of/, 20_000, at);
      const answers = join("answers", `${lesson3.slug}.json`);
      await cp(join(lesson3.solutionDir, answers), join(ws, answers));
      at = await cli.waitFor(new RegExp(`Lesson ${lesson3.number} passed`), 20_000, at);
      await cli.waitFor(new RegExp(`Next: .*npm run lesson ${lesson3.number + 1}`), 20_000, at);
      const progress = JSON.parse(await readFile(join(ws, ".labs", "progress.json"), "utf8"));
      expect(progress.version).toBe(2);
      expect(progress.current).toBe("short-polling");
      expect(progress.lessons["short-polling"].passedAt).toBeTruthy();
      expect(progress.lessons[String(lesson3.number)]).toBeUndefined();
      cli.send("q");
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill("SIGKILL");
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(pidsWithCwd(ws)).toEqual([]);
  });
});

describe("an unplanned end of the runner", () => {
  for (const signal of ["SIGHUP", "SIGTERM"] as const) {
    it(`leaves no learner server behind on ${signal}`, async () => {
      const ws = await tempDir();
      await cp(findLesson(course, "long-polling").solutionDir, ws, { recursive: true });
      const cli = startCli(["check", "long-polling", "--workspace", ws]);
      try {
        await cli.waitFor(/Your server starts and listens on PORT/);
        expect(pidsWithCwd(ws).length).toBeGreaterThan(0);
        cli.child.kill(signal);
        expect(await cli.exited).not.toBe(0);
      } finally {
        cli.child.kill("SIGKILL");
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(pidsWithCwd(ws)).toEqual([]);
    });
  }
});

describe("labs grade in CI (CI=true, no terminal)", () => {
  it("grades reference solutions as passing and starters as failing, with all report kinds", async () => {
    const out = await tempDir();
    const summaryFile = join(out, "summary.md");
    const env = { CI: "true", GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summaryFile };
    const classroom = { GITHUB_ENV: join(out, "github-env"), GITHUB_OUTPUT: join(out, "output") };
    const good = await runCli(
      [
        "grade",
        "--solution",
        "--lessons",
        "2,3",
        "--output",
        join(out, "good"),
        "--reporter",
        "plain,json,junit,github,classroom",
        "--points",
        "5,project-setup=2",
      ],
      { env: { ...env, ...classroom } },
    );
    expect(good.code).toBe(0);
    expect(
      JSON.parse(await readFile(join(out, "good", "results.json"), "utf8")).score,
    ).toMatchObject({ lessonsPassed: 2, lessons: 2 });
    expect(await readFile(join(out, "good", "junit.xml"), "utf8")).toMatch(/failures="0"/);
    const points = JSON.parse(await readFile(join(out, "good", "classroom.json"), "utf8"));
    expect(points.runners).toEqual(["lesson_project_setup", "lesson_short_polling"]);
    expect(points.results["lesson_short_polling"]).toMatchObject({ status: "pass", max_score: 5 });
    expect(await readFile(classroom.GITHUB_OUTPUT, "utf8")).toBe(
      "runners=lesson_project_setup,lesson_short_polling\n",
    );
    expect(await readFile(classroom.GITHUB_ENV, "utf8")).toMatch(
      /^LESSON_PROJECT_SETUP_RESULTS=[A-Za-z0-9+/=]+\nLESSON_SHORT_POLLING_RESULTS=[A-Za-z0-9+/=]+\n$/,
    );

    const bad = await runCli(
      ["grade", "--starter", "--lessons", "2,3", "--output", join(out, "bad")],
      { env },
    );
    expect(bad.code).toBe(1);
    expect(JSON.parse(await readFile(join(out, "bad", "results.json"), "utf8")).status).toBe(
      "fail",
    );
    expect(bad.stdout).toMatch(/^::error title=Lesson 2 · /m);
    expect(await readFile(summaryFile, "utf8")).toMatch(/0 of 2 lessons pass/);

    const reportOnly = await runCli(
      [
        "grade",
        "--starter",
        "--lessons",
        "short-polling",
        "--no-fail",
        "--output",
        join(out, "ro"),
      ],
      { env },
    );
    expect(reportOnly.code).toBe(0);
  });
});
