import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../../src/runner/teardown.ts";

const TEARDOWN = pathToFileURL(join(import.meta.dirname, "../../../src/runner/teardown.ts")).href;

/**
 * A process guarded as the CLI is (short deadlines), with one temporary folder of
 * its own, that ends the way `how` says once it has printed the folder's path.
 */
const SCRIPT = `
import { guardProcess, makeTempDir, onTeardown, tearDown, tearDownWithin } from ${JSON.stringify(TEARDOWN)};
guardProcess({ deadlineMs: 500, graceMs: 200 });
const how = process.argv[2];
const dir = await makeTempDir("labs-run-", process.argv[3]);
if (how === "stuck") onTeardown(() => new Promise(() => {}));
process.stdout.write(dir + "\\n");
if (how === "throw") setTimeout(() => { throw new Error("boom in a timer"); }, 20);
if (how === "reject") setTimeout(() => { Promise.reject(new Error("boom in a promise")); }, 20);
if (how === "stuck") setInterval(() => {}, 1000);
if (how === "twice") {
  if (tearDown() !== tearDown()) console.error("a second teardown");
  if (!(await tearDownWithin(2000))) console.error("not in time");
  await import("node:fs").then((fs) => fs.existsSync(dir) && console.error("folder left"));
}
`;

let work: string;
let script: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "labs-teardown-"));
  script = join(work, "guarded.mjs");
  await writeFile(script, SCRIPT);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs the guarded script; `signal` is sent once it has made its folder. */
function runGuarded(
  how: string,
  signal?: NodeJS.Signals,
): Promise<{ code: number | null; dir: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, how, work], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let dir = "";
    let stderr = "";
    let signalledAt = performance.now();
    child.stdout.on("data", (d) => {
      dir += d;
      if (signal && dir.endsWith("\n")) {
        signalledAt = performance.now();
        child.kill(signal);
      }
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the guarded script (${how}) did not end: ${stderr}`));
    }, 15_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, dir: dir.trim(), stderr, ms: performance.now() - signalledAt });
    });
  });
}

describe("the runner's teardown on every way out", () => {
  it("removes its folders when the command just ends", async () => {
    const r = await runGuarded("end");
    expect(r.code).toBe(0);
    expect(r.dir).toMatch(/labs-run-/);
    expect(existsSync(r.dir)).toBe(false);
  });

  it("prints the error of an uncaught exception, tears down and exits 1", async () => {
    const r = await runGuarded("throw");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/boom in a timer/);
    expect(existsSync(r.dir)).toBe(false);
  });

  it("does the same for an unhandled rejection", async () => {
    const r = await runGuarded("reject");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/boom in a promise/);
    expect(existsSync(r.dir)).toBe(false);
  });

  it("exits 143 on SIGTERM even when a teardown step never ends (after its deadline)", async () => {
    const r = await runGuarded("stuck", "SIGTERM");
    expect(r.code).toBe(143);
    // the deadline is 500 ms; the folder goes in the exit's last sweep
    expect(r.ms).toBeGreaterThan(450);
    expect(r.ms).toBeLessThan(3000);
    expect(existsSync(r.dir)).toBe(false);
  });

  it("exits 130 on SIGINT", async () => {
    const r = await runGuarded("stuck", "SIGINT");
    expect(r.code).toBe(130);
    expect(existsSync(r.dir)).toBe(false);
  });

  it("tears down once however often it is asked, in time", async () => {
    const r = await runGuarded("twice");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(existsSync(r.dir)).toBe(false);
  });

  it("removes a folder when asked (and then has nothing left to remove)", async () => {
    const dir = await makeTempDir("labs-run-", work);
    expect(existsSync(dir)).toBe(true);
    await removeTempDir(dir);
    expect(existsSync(dir)).toBe(false);
  });
});
