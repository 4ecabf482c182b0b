import { existsSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findLesson, loadCourse } from "../../src/course/manifest.ts";
import { startCli } from "../helpers/cli.ts";
import { killAll, processesMentioning } from "../helpers/procs.ts";

/**
 * A runner stopped from outside (Ctrl+C, SIGTERM from CI) while a learner's
 * server runs: it exits with 128 + the signal's number within a few seconds,
 * and leaves neither the run's temporary folders (labs-run-*: the SQLite
 * database and WAL; labs-scenario-*: private copies of workspaces) nor a
 * learner process behind. Each run gets a TMPDIR of its own, so that what it
 * leaves is its own. Lesson 4 (long polling) keeps its server busy for seconds.
 */
const longPolling = findLesson(loadCourse(), "long-polling");
const temps: string[] = [];
let strays: number[] = [];

afterEach(async () => {
  killAll(strays);
  strays = [];
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A private TMPDIR for one run of the runner. */
async function privateTmp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-signals-"));
  temps.push(dir);
  return dir;
}

/** What the runner made in `tmp` (tsx's compile cache aside). */
function runnerFolders(tmp: string): string[] {
  return existsSync(tmp) ? readdirSync(tmp).filter((f) => f.startsWith("labs-")) : [];
}

/** Resolves with the exit code, or with "still running" after `ms`. */
function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | string> {
  return Promise.race([
    exited,
    new Promise<string>((r) => setTimeout(() => r("still running"), ms)),
  ]);
}

/** Waits until the run's folder exists in `tmp` and a process runs from there (the learner's server). */
async function serverRunning(tmp: string, ms = 12_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const folders = runnerFolders(tmp);
    if (folders.some((f) => f.startsWith("labs-run-")) && processesMentioning(tmp).length > 0)
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no learner server ran from ${tmp} within ${ms} ms`);
}

/**
 * Starts `labs <args>` with TMPDIR=`tmp`, waits until a learner server runs
 * (and, when the command prints it as it goes, has passed its first step),
 * sends `signal`, and checks how the runner ends and what it leaves.
 */
async function stopMidRun(
  args: string[],
  tmp: string,
  signal: NodeJS.Signals,
  code: number,
  opts: { within?: number; printsProgress?: boolean } = {},
): Promise<void> {
  const cli = startCli(args, { TMPDIR: tmp });
  try {
    if (opts.printsProgress !== false)
      await cli.waitFor(/Your server starts and listens on PORT/, 12_000);
    // the oracle sees what the runner made: a run folder, and the server's processes
    await serverRunning(tmp);
    const t0 = performance.now();
    cli.child.kill(signal);
    expect(await exitWithin(cli.exited, opts.within ?? 5000)).toBe(code);
    expect(performance.now() - t0).toBeLessThan(opts.within ?? 5000);
  } finally {
    cli.child.kill("SIGKILL");
  }
  // a killed process group takes a moment to go
  await new Promise((r) => setTimeout(r, 100));
  strays = processesMentioning(tmp);
  expect(strays).toEqual([]);
  expect(runnerFolders(tmp)).toEqual([]);
}

describe("a runner stopped by a signal while a learner's server runs", () => {
  it("`labs check` on SIGINT: exit 130, no folder and no process left", async () => {
    const tmp = await privateTmp();
    await stopMidRun(["check", "long-polling", "--solution"], tmp, "SIGINT", 130);
  });

  it("`labs check` on SIGTERM: exit 143, no folder and no process left", async () => {
    const tmp = await privateTmp();
    await stopMidRun(["check", "long-polling", "--solution"], tmp, "SIGTERM", 143);
  });

  it("`labs grade` on SIGTERM (a cancelled CI job): exit 143, no folder and no process left", async () => {
    const tmp = await privateTmp();
    const ws = join(tmp, "ws");
    await cp(longPolling.solutionDir, ws, { recursive: true });
    const out = join(tmp, "out");
    await mkdir(out);
    await stopMidRun(
      ["grade", "--workspace", ws, "--lessons", "4", "--output", out, "--reporter", "plain"],
      tmp,
      "SIGTERM",
      143,
      // grade prints a lesson once it is done
      { printsProgress: false },
    );
  });

  it("watch mode on Ctrl+C mid-run: quits by itself with 0 (npm prints no error), no folder and no process left", async () => {
    const tmp = await privateTmp();
    const ws = join(tmp, "ws");
    await cp(longPolling.solutionDir, ws, {
      recursive: true,
      filter: (src) => !/[\\/]\.labs([\\/]|$)/.test(src),
    });
    // the clean quit waits for the run in progress; the runner ends it after its grace
    await stopMidRun(["lesson", "long-polling", "--workspace", ws], tmp, "SIGINT", 0, {
      within: 7000,
    });
  });
});
