import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findLesson, loadCourse } from "../../src/course/manifest.ts";
import { ROOT, runCli } from "../helpers/cli.ts";

const lesson1 = findLesson(loadCourse(), "why-real-time-matters");
const FILE = `${lesson1.slug}.json`;
const temps: string[] = [];

async function workspace(answers?: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-quiz-cli-"));
  temps.push(dir);
  if (answers) {
    await mkdir(join(dir, "answers"));
    await writeFile(join(dir, "answers", FILE), JSON.stringify({ answers }));
  }
  return dir;
}

async function solutionAnswers(): Promise<Record<string, unknown>> {
  const file = join(lesson1.solutionDir, "answers", FILE);
  return JSON.parse(await readFile(file, "utf8")).answers;
}

afterEach(async () => {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("lesson 1's knowledge check from the command line", () => {
  it("fails at the first step, saying how to answer, when there is no answers file", async () => {
    const run = await runCli(["check", "1", "--workspace", await workspace()]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /There is no answers\/why-real-time-matters\.json in your workspace/,
    );
    expect(run.stdout).toMatch(
      /Hint: Run `npm run lesson 1` and answer the questions in the terminal/,
    );
  });

  it("fails at a wrong answer with the explanation of that answer and exit code 1", async () => {
    const answers = { ...(await solutionAnswers()), "chat-transport": "c" };
    const run = await runCli(["check", "1", "--workspace", await workspace(answers)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL Question 2 of 8: A team chat/);
    expect(run.stdout).toMatch(/Received: "c" \(Server-Sent Events\)/);
    expect(run.stdout).toMatch(
      /Hint: SSE pushes from server to client very well, but it is one-way/,
    );
  });

  it("passes with the right answers and writes them into the JSON results", async () => {
    const run = await runCli([
      "check",
      "1",
      "--workspace",
      await workspace(await solutionAnswers()),
      "--reporter",
      "json",
    ]);
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout);
    expect(results.status).toBe("pass");
    expect(results.lessons[0].steps).toHaveLength(9);
  });

  it("seeds answers/why-real-time-matters.json with TODOs and does not ask without a terminal", async () => {
    const ws = await workspace();
    const run = await runCli(["lesson", "1", "--workspace", ws, "--no-watch"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /answer it in answers\/why-real-time-matters\.json \(run in a terminal to be asked\)/,
    );
    const seeded = JSON.parse(await readFile(join(ws, "answers", FILE), "utf8"));
    expect(seeded.lesson).toBe("why-real-time-matters");
    expect(Object.values(seeded.answers).every((v) => v === "TODO")).toBe(true);
    const progress = JSON.parse(await readFile(join(ws, ".labs", "progress.json"), "utf8"));
    expect(progress).toMatchObject({ version: 2, current: "why-real-time-matters" });
    expect(Object.keys(progress.quiz)).toEqual(["why-real-time-matters"]);
    expect(progress.quiz["why-real-time-matters"].passedAt).toBeUndefined();
  });

  it("renames an older runner's answers/lesson-01.json, says so once, and grades it", async () => {
    const ws = await workspace();
    await mkdir(join(ws, "answers"));
    const legacy = JSON.stringify({ lesson: 1, answers: await solutionAnswers() });
    await writeFile(join(ws, "answers", "lesson-01.json"), legacy);
    const first = await runCli(["lesson", "1", "--workspace", ws, "--no-watch"]);
    expect(first.stdout).toMatch(
      /Renamed answers\/lesson-01\.json to answers\/why-real-time-matters\.json/,
    );
    expect(first.stdout.match(/Renamed answers/g)).toHaveLength(1);
    expect(first.code).toBe(0);
    expect(existsSync(join(ws, "answers", "lesson-01.json"))).toBe(false);
    expect(await readFile(join(ws, "answers", FILE), "utf8")).toBe(legacy);
    const second = await runCli(["lesson", "1", "--workspace", ws, "--no-watch"]);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/Renamed/);
  });

  it("keeps the answers when lesson 2 seeds its project into the same workspace", async () => {
    const ws = await workspace(await solutionAnswers());
    await cp(join(lesson1.starterDir, "answers"), join(ws, "answers"), {
      recursive: true,
      force: false,
    });
    await runCli(["lesson", "2", "--workspace", ws, "--no-watch"], { timeout: 60_000 });
    expect(existsSync(join(ws, "src", "server.ts"))).toBe(true);
    const kept = JSON.parse(await readFile(join(ws, "answers", FILE), "utf8"));
    expect(kept.answers["chat-transport"]).toBe("d");
  });
});

const DOWN = "\x1b[B";

/** Runs `labs lesson 1` (or `args`) under a real pseudo-terminal (util-linux `script`), typing each key on its cue. */
async function interactive(
  ws: string,
  script: [RegExp, string][],
  args = ["1", "--no-watch"],
): Promise<{ code: number | null; output: string }> {
  const command = `stty cols 100 rows 40; ${process.execPath} bin/labs.js lesson ${args.join(" ")} --workspace ${ws}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", TERM: "xterm", COLUMNS: "100", LINES: "40" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  try {
    let from = 0;
    for (const [cue, keys] of script) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const at = output.slice(from).search(cue);
        if (at >= 0) {
          from += at + 1;
          break;
        }
        if (Date.now() > deadline) throw new Error(`waited for ${cue}; output so far:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 50));
      child.stdin.write(keys);
    }
    const code = await Promise.race([
      exited,
      new Promise<null>((r) => setTimeout(() => r(null), 30_000)),
    ]);
    return { code, output };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

describe.runIf(existsSync("/usr/bin/script"))(
  "lesson 1's questions asked in a real terminal",
  () => {
    it("asks each question, explains, writes the answers file, then the check passes", async () => {
      const ws = await workspace();
      const navigate = /navigate/;
      const { code, output } = await interactive(ws, [
        [navigate, `${DOWN}\r`],
        [navigate, `${DOWN}${DOWN}${DOWN}\r`],
        [navigate, `${DOWN}\r`],
        [navigate, "\r"],
        [navigate, `${DOWN}\r`],
        [/Your answer \(requests per minute\)/, "20\r"],
        [/Try this question again/, "y\r"],
        [/Your answer \(requests per minute\)/, "\x15" + "2,000\r"],
        [/Your answer \(seconds\)/, "5\r"],
        [/reconnects by itself/, "EventSource\r"],
      ]);
      expect(output).toMatch(
        /That is one browser's requests per minute\. There are 100 browsers\./,
      );
      expect(output).toMatch(/8 of 8 right, saved in answers\/why-real-time-matters\.json/);
      expect(output).toMatch(/Lesson 1 passed/);
      expect(code).toBe(0);
      const saved = JSON.parse(await readFile(join(ws, "answers", FILE), "utf8"));
      expect(saved.answers).toEqual(await solutionAnswers());
      const progress = JSON.parse(await readFile(join(ws, ".labs", "progress.json"), "utf8"));
      expect(progress.quiz["why-real-time-matters"].passedAt).toMatch(/^\d{4}-/);
      expect(progress.quiz["1"]).toBeUndefined();
    });
  },
);

describe.runIf(existsSync("/usr/bin/script"))(
  "a lesson with code asks its questions once the code passes",
  () => {
    it("checks the code, asks in watch mode, and the saved answers pass the lesson", async () => {
      const setup = findLesson(loadCourse(), "project-setup");
      const ws = await mkdtemp(join(tmpdir(), "labs-quiz-watch-"));
      temps.push(ws);
      await cp(setup.solutionDir, ws, { recursive: true });
      const file = join(ws, "answers", `${setup.slug}.json`);
      const right = JSON.parse(await readFile(file, "utf8")).answers as Record<string, string>;
      await rm(file);
      const navigate = /navigate/;
      // the three answers are choices; the list starts on "a"
      const pick = (id: string) => `${DOWN.repeat(id.charCodeAt(0) - 97)}\r`;
      const { output } = await interactive(
        ws,
        [
          [/questions: they are asked here once your code passes/, ""],
          [/Your code passes\. Now the questions\./, ""],
          ...Object.values(right).map((id): [RegExp, string] => [navigate, pick(id)]),
          [/Lesson 2 passed/, "q"],
        ],
        ["2"],
      );
      // the runner lays the starter's blank answers file; the first run stops at its first
      // question, and the run after the answers passes
      expect(output).toMatch(/added the lesson's new files: answers\/project-setup\.json/);
      expect(output).toMatch(/FAIL Question 1 of 3/);
      expect(output).toMatch(/3 of 3 right, saved in answers\/project-setup\.json/);
      expect(output).toMatch(/Lesson 2 passed/);
      const saved = JSON.parse(await readFile(file, "utf8"));
      expect(saved.answers).toEqual(right);
    }, 90_000);
  },
);
