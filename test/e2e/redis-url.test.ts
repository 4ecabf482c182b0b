import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Transcript } from "../../src/checks/transcript.ts";
import { provideRedis, type RedisHandle } from "../../src/runner/redis.ts";
import { runCli } from "../helpers/cli.ts";

/**
 * A Redis given through REDIS_URL is shared, so lesson 16 never restarts it: it cuts
 * the servers' own connections instead. Those are found from every process of an
 * instance (in the sandbox the server runs below a wrapper that holds no socket).
 */
let redis: RedisHandle;

beforeAll(async () => {
  // a private redis-server on a free port, standing in for a shared one
  redis = await provideRedis(new Transcript(), { ...process.env, REDIS_URL: "" });
});

afterAll(async () => {
  await redis?.stop();
});

describe("scaling-real-time against a Redis given by REDIS_URL", () => {
  it("passes the solution, cutting the servers' connections instead of restarting Redis", async () => {
    const run = await runCli(["check", "scaling-real-time", "--solution", "--verbose"], {
      env: { REDIS_URL: redis.url },
      timeout: 90_000,
    });
    expect(run.stdout).toMatch(/using REDIS_URL=redis:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).toMatch(/the check cuts your servers' [1-9]\d* connections to it/);
    expect(run.stdout).toMatch(/Lesson \d+ passed/);
    expect(run.code).toBe(0);
  }, 120_000);
});
