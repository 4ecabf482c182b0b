import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import type { Transcript } from "../checks/transcript.ts";
import { LearnerError } from "../errors.ts";
import { canConnect, freePort } from "./ports.ts";

/** Where a check run's Redis comes from. */
export type RedisSource = "REDIS_URL" | "redis-server" | "none";

/** Tells which Redis a run would use: `REDIS_URL`, a `redis-server` on PATH, or none. */
export function redisSource(env: NodeJS.ProcessEnv = process.env): RedisSource {
  if (env.REDIS_URL) return "REDIS_URL";
  return findRedisServer() ? "redis-server" : "none";
}

/** Path of `redis-server` on PATH, if any. */
export function findRedisServer(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

/** The message given when a lesson needs Redis and none can be had. */
export const NO_REDIS_HINT =
  "Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`) so the runner can start its own, or point REDIS_URL at a running one: `REDIS_URL=redis://127.0.0.1:6379 npm run lesson 16`.";

/** A Redis for one check run; `restart()` is for checks that take Redis away and back. */
export interface RedisHandle {
  readonly url: string;
  readonly owned: boolean;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Provides Redis: `REDIS_URL` when set, otherwise a private `redis-server` on a
 * free loopback port without persistence, stopped at the end of the run.
 */
export async function provideRedis(
  transcript: Transcript,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RedisHandle> {
  if (env.REDIS_URL) {
    return {
      url: env.REDIS_URL,
      owned: false,
      restart: async () => {
        throw new LearnerError(
          "NO_REDIS",
          "This step restarts Redis, which the runner can only do with its own redis-server.",
          {
            hint: "Unset REDIS_URL so the runner starts a private redis-server for the check.",
          },
        );
      },
      stop: async () => {},
    };
  }
  const bin = findRedisServer();
  if (!bin)
    throw new LearnerError("NO_REDIS", "This lesson needs Redis, and there is none.", {
      hint: NO_REDIS_HINT,
    });
  const port = await freePort();
  const log = transcript.logger("redis");
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      bin,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
      ],
      {
        stdio: "ignore",
        detached: true,
      },
    );
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline) {
      if (await canConnect(port)) {
        log.info(`redis-server listening on 127.0.0.1:${port}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new LearnerError("NO_REDIS", `redis-server did not start on port ${port} within 5 s.`, {
      hint: NO_REDIS_HINT,
    });
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      c.kill("SIGKILL");
    }
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    owned: true,
    restart: async (downMs = 300) => {
      log.info("stopping redis-server (the check takes Redis away under your servers)");
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop,
  };
}
