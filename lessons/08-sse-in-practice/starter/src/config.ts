/** Reads a whole number of milliseconds (or a port) from the environment, falling back to `fallback`. */
function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number, got "${raw}"`);
  }
  return value;
}

/** Settings of the server, read once at start-up. The defaults suit `npm run dev`. */
export const config = {
  port: numberFromEnv("PORT", 3000),
  databasePath: process.env.DATABASE_PATH || "taskboard.db",
  longPollTimeoutMs: numberFromEnv("LONG_POLL_TIMEOUT_MS", 30_000),
  /** How long a browser should wait before reconnecting a dropped event stream (the `retry:` field). */
  sseRetryMs: numberFromEnv("SSE_RETRY_MS", 5000),
  // TODO(sse-in-practice): add sseHeartbeatMs, read from SSE_HEARTBEAT_MS with numberFromEnv (default
  // 15_000): how often every open event stream gets a heartbeat comment.
};
