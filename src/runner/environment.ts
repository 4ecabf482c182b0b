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
 * The environment of a learner server: an allow-list of the runner's variables
 * (so no CI token or secret reaches learner code) plus the course's settings.
 */
export function learnerEnv(opts: {
  port: number;
  databasePath: string;
  timers: Timers;
  redisUrl?: string;
  extra?: Record<string, string>;
  parent?: NodeJS.ProcessEnv;
}): Record<string, string> {
  const parent = opts.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = parent[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, {
    PORT: String(opts.port),
    HOST: "127.0.0.1",
    DATABASE_PATH: opts.databasePath,
    NODE_ENV: "development",
    NO_COLOR: "1",
  });
  for (const [key, value] of Object.entries(opts.timers)) env[key] = String(value);
  if (opts.redisUrl) env.REDIS_URL = opts.redisUrl;
  Object.assign(env, opts.extra ?? {});
  return env;
}
