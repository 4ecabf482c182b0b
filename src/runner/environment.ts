import type { Timers } from "../checks/types.ts";

/** Timer values passed to learner servers during checks: short, so every lesson's check takes seconds. */
export const CHECK_TIMERS: Timers = {
  LONG_POLL_TIMEOUT_MS: 1500,
  SSE_HEARTBEAT_MS: 500,
  WS_HEARTBEAT_MS: 500,
  PRESENCE_TTL_MS: 2000,
};

/** Variables passed through from the runner's own environment; everything else is withheld. */
const PASSED_THROUGH = ["PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT", "HOME"];

/**
 * The part of a learner server's environment that is the same for every run: an allow-list of the runner's variables
 * (so no CI token or secret reaches learner code) plus the course's settings.
 */
export function baseEnv(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = parent[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, HOST: "127.0.0.1", NODE_ENV: "development", NO_COLOR: "1" };
}

/** The full environment of one learner server: the base plus the run's port, database, timers and extras. */
export function learnerEnv(opts: {
  port: number;
  databasePath: string;
  timers: Timers;
  redisUrl?: string;
  extra?: Record<string, string>;
  parent?: NodeJS.ProcessEnv;
}): Record<string, string> {
  const env = baseEnv(opts.parent);
  Object.assign(env, { PORT: String(opts.port), DATABASE_PATH: opts.databasePath });
  for (const [key, value] of Object.entries(opts.timers)) env[key] = String(value);
  if (opts.redisUrl) env.REDIS_URL = opts.redisUrl;
  Object.assign(env, opts.extra ?? {});
  return env;
}
