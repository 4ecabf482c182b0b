/** The base URL used in replay commands: the learner's own dev server (`npm run dev`). */
export const REPLAY_BASE = "http://localhost:3000";

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A `curl` command that replays a request against the learner's dev server. */
export function curlFor(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string; stream?: boolean } = {},
): string {
  const parts = ["curl", opts.stream ? "-N" : "-i"];
  if (method !== "GET") parts.push("-X", method);
  for (const [k, v] of Object.entries(opts.headers ?? {})) parts.push("-H", quote(`${k}: ${v}`));
  if (opts.body !== undefined) parts.push("-d", quote(opts.body));
  parts.push(quote(`${REPLAY_BASE}${path}`));
  return parts.join(" ");
}
