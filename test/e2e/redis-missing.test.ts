import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLesson, loadCourse } from "../../src/course/manifest.ts";
import { runCli } from "../helpers/cli.ts";

/**
 * A lesson that needs Redis, on a machine without any: the run must stop with
 * exit code 2 and the install hint (an environment problem), never report a
 * failure of the learner's code or crash.
 */
const lesson16 = findLesson(loadCourse(), "16");
let bin: string;

beforeAll(async () => {
  // A PATH that holds node and nothing else, so no redis-server can be found.
  bin = await mkdtemp(join(tmpdir(), "labs-no-redis-"));
  await symlink(process.execPath, join(bin, "node"));
});

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

describe("checking a Redis lesson where there is no Redis", () => {
  const env = () => ({ PATH: bin, REDIS_URL: "" });

  it("exits 2 with the install hint when neither REDIS_URL nor redis-server is there", async () => {
    const run = await runCli(["check", "16", "--workspace", lesson16.solutionDir], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/This lesson needs Redis, and there is none\./);
    expect(run.stdout).toMatch(/apt-get install redis-server/);
    expect(run.stdout).toMatch(/REDIS_URL=redis:\/\/127\.0\.0\.1:6379/);
    expect(run.stdout + run.stderr).not.toMatch(/Internal error/);
  });

  it("reports NO_REDIS as an error, not as a failed step, in the JSON results", async () => {
    const run = await runCli(
      ["check", "16", "--workspace", lesson16.solutionDir, "--reporter", "json"],
      { env: env() },
    );
    expect(run.code).toBe(2);
    const lesson = JSON.parse(run.stdout).lessons[0];
    expect(lesson.status).toBe("error");
    expect(lesson.error.code).toBe("NO_REDIS");
    expect(lesson.steps).toEqual([]);
  });

  it("exits 2 naming the address when REDIS_URL points at nothing", async () => {
    const run = await runCli(["check", "16", "--workspace", lesson16.solutionDir], {
      env: { PATH: bin, REDIS_URL: "redis://127.0.0.1:1" },
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/Nothing answers at REDIS_URL=redis:\/\/127\.0\.0\.1:1\./);
  });
});
