import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { Transcript } from "../checks/transcript.ts";
import { LearnerError } from "../errors.ts";
import { canConnect, freePort } from "./ports.ts";
import { onTeardown } from "./teardown.ts";

/** Where a check run's Redis comes from. */
export type RedisSource = "REDIS_URL" | "redis-server" | "none";

/** Tells which Redis a run would use: `REDIS_URL`, a `redis-server` on PATH, or none. */
export function redisSource(env: NodeJS.ProcessEnv = process.env): RedisSource {
  if (env.REDIS_URL) return "REDIS_URL";
  return findRedisServer(env) ? "redis-server" : "none";
}

/** Path of `redis-server` on PATH, if any (looked up directly: no shell needed). */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The message given when a lesson needs Redis and none can be had. */
export const NO_REDIS_HINT =
  "Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`) so the runner can start its own, or point REDIS_URL at a running one: `REDIS_URL=redis://127.0.0.1:6379 npm run lesson scaling-real-time`.";

/** A Redis for one check run; `restart()` is for checks that take Redis away and back. */
export interface RedisHandle {
  readonly url: string;
  readonly owned: boolean;
  /**
   * Put before every key and channel by the learner's servers (they get it as
   * `REDIS_PREFIX`), so that two runs sharing one Redis through REDIS_URL never
   * see each other's events or presence.
   */
  readonly prefix: string;
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
  const prefix = `labs-${randomBytes(4).toString("hex")}:`;
  if (env.REDIS_URL) {
    const url = env.REDIS_URL;
    await checkReachable(url);
    transcript
      .logger("redis")
      .info(`using REDIS_URL=${url}; keys and channels of this run start with ${prefix}`);
    return {
      url,
      owned: false,
      prefix,
      restart: async () => {
        throw new LearnerError(
          "NO_REDIS",
          "This step restarts Redis, which the runner can only do with its own redis-server.",
          {
            hint: "Unset REDIS_URL so the runner starts a private redis-server for the check.",
          },
        );
      },
      stop: () => deleteKeys(url, prefix),
    };
  }
  const bin = findRedisServer(env);
  if (!bin)
    throw new LearnerError("NO_REDIS", "This lesson needs Redis, and there is none.", {
      hint: NO_REDIS_HINT,
    });
  const port = await freePort();
  const log = transcript.logger("redis");
  let child: ChildProcess | undefined;
  // A detached redis-server would outlive a runner that ends without this run's own stop.
  const killNow = () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  const forget = onTeardown(killNow);
  // Set by the final stop: a restart still in flight (its step failed meanwhile) must not start a new server.
  let closed = false;
  const start = async () => {
    if (closed) return;
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
    const started = child;
    // The run's end stops it explicitly; it must never keep the runner's process alive by itself.
    started.unref();
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline) {
      // Something else may have taken the port since freePort(): then our child exits at once.
      if (started.exitCode !== null || started.signalCode !== null || closed) break;
      if (await canConnect(port)) {
        log.info(`redis-server listening on 127.0.0.1:${port}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (closed) return;
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
    prefix,
    restart: async (downMs = 300) => {
      if (closed) return;
      log.info("stopping redis-server (the check takes Redis away under your servers)");
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop: async () => {
      closed = true;
      forget();
      await stop();
    },
  };
}

/** Fails with NO_REDIS (not a failure of the learner's code) when REDIS_URL does not answer. */
async function checkReachable(url: string): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new LearnerError("NO_REDIS", `REDIS_URL=${url} is not a URL.`, { hint: NO_REDIS_HINT });
  }
  const port = Number(target.port || 6379);
  const host = target.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
  if (!(await canConnect(port, host, 1000))) {
    throw new LearnerError("NO_REDIS", `Nothing answers at REDIS_URL=${url}.`, {
      hint: `Start that Redis, or unset REDIS_URL so the runner starts its own. ${NO_REDIS_HINT}`,
    });
  }
}

/** Deletes what a run left in a shared Redis (best effort: a failure here must not fail the run). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const { createClient } = await import("redis");
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 }))
      keys.push(...batch);
    if (keys.length) await client.del(keys);
  } catch {
    // the run is over; leftovers carry a unique prefix and, for presence, an expiry
  } finally {
    await client.close().catch(() => {});
  }
}
