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

/** Reads a comma-separated list, dropping blanks; `fallback` when the variable is unset or empty. */
function listFromEnv(name: string, fallback: string[]): string[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Settings of the server, read once at start-up. The defaults suit `npm run dev`. */
export const config = {
  port: numberFromEnv("PORT", 3000),
  databasePath: process.env.DATABASE_PATH || "taskboard.db",
  longPollTimeoutMs: numberFromEnv("LONG_POLL_TIMEOUT_MS", 30_000),
  /** How long a browser should wait before reconnecting a dropped event stream (the `retry:` field). */
  sseRetryMs: numberFromEnv("SSE_RETRY_MS", 5000),
  /** How often every open event stream gets a `: heartbeat` comment, so idle proxies keep it. */
  sseHeartbeatMs: numberFromEnv("SSE_HEARTBEAT_MS", 15_000),
  /** How often the WebSocket server pings every socket; a socket that misses a pong is dropped. */
  wsHeartbeatMs: numberFromEnv("WS_HEARTBEAT_MS", 30_000),
  /** Pages allowed to open WebSockets with the user's cookie (the Origin header they send). */
  allowedOrigins: listFromEnv("ALLOWED_ORIGINS", ["http://localhost:3000"]),
};
