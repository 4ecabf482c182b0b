/** The base URL used in replay commands: the learner's own dev server (`npm run dev`). */
export const REPLAY_BASE = devBase();

/**
 * The dev server a replay line is for. The first instance is `npm run dev` on
 * port 3000; a second one (server B) is `PORT=3001 npm run dev`, and so on.
 */
export function devBase(devPort = 3000): string {
  return `http://localhost:${devPort}`;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `npm run dev` with `env` in front (`PORT=3001 REDIS_URL=… npm run dev`), values quoted where the shell needs it. */
export function devCommandFor(env: Readonly<Record<string, string>>): string {
  return [
    ...Object.entries(env).map(([k, v]) => `${k}=${/^[\w@%+=:,./-]+$/.test(v) ? v : quote(v)}`),
    "npm run dev",
  ].join(" ");
}

/** A `curl` command that replays a request against the learner's dev server. */
export function curlFor(
  method: string,
  path: string,
  opts: {
    headers?: Record<string, string>;
    body?: string;
    stream?: boolean;
    /** Default: REPLAY_BASE. */
    base?: string;
  } = {},
): string {
  const parts = ["curl", opts.stream ? "-N" : "-i"];
  if (method !== "GET") parts.push("-X", method);
  for (const [k, v] of Object.entries(opts.headers ?? {})) parts.push("-H", quote(`${k}: ${v}`));
  if (opts.body !== undefined) parts.push("-d", quote(opts.body));
  parts.push(quote(`${opts.base ?? REPLAY_BASE}${path}`));
  return parts.join(" ");
}

/**
 * A `wscat` command that opens the same WebSocket against the learner's dev
 * server, with the headers the check sent (Cookie, Origin …); type messages to send.
 */
export function wscatFor(
  path: string,
  opts: { headers?: Record<string, string>; origin?: string; base?: string } = {},
): string {
  const parts = [
    "npx",
    "-y",
    "wscat",
    "-c",
    quote(`${(opts.base ?? REPLAY_BASE).replace(/^http/, "ws")}${path}`),
  ];
  for (const [k, v] of Object.entries(opts.headers ?? {})) parts.push("-H", quote(`${k}: ${v}`));
  if (opts.origin !== undefined) parts.push("-o", quote(opts.origin));
  return parts.join(" ");
}
