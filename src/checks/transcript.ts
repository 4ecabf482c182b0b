/** What a transcript line is about, so reporters can colour it. */
export type LineKind = "info" | "send" | "recv" | "pass" | "fail" | "server" | "curl";

/**
 * What a `send` or `recv` line carries, for the sequence diagram: an HTTP
 * request or response, an SSE event or comment, a WebSocket frame, the opening
 * or closing of a connection, a Redis PUBLISH or another Redis command.
 */
export type MessageKind =
  | "request"
  | "response"
  | "event"
  | "comment"
  | "frame"
  | "open"
  | "close"
  | "publish"
  | "command";

/** One line of a check run's transcript, carrying the actor that produced it. */
export interface TranscriptLine {
  /** Milliseconds since the run started. */
  at: number;
  /** Who speaks: `tester`, `sse-1`, `ws-alice`, `your server`, `redis` … */
  actor: string;
  kind: LineKind;
  text: string;
  /** For `send` and `recv`: the other end (`your server`, `server B`, `redis`); unset means the first server. */
  peer?: string;
  /** For `send` and `recv`: what went over the wire. */
  message?: MessageKind;
  /** The shell line (curl, wscat, redis-cli) that replays this exchange by hand. */
  replay?: string;
}

/** What a line says beyond its text: the other end, the kind of message, its replay line. */
export type LineMeta = Pick<TranscriptLine, "peer" | "message" | "replay">;

/** A logger bound to one actor. */
export interface Logger {
  readonly actor: string;
  info(text: string): void;
  send(text: string, meta?: LineMeta): void;
  recv(text: string, meta?: LineMeta): void;
  pass(text: string): void;
  curl(command: string): void;
}

/** The ordered record of everything said during a run; reporters subscribe to it. */
export class Transcript {
  readonly lines: TranscriptLine[] = [];
  /** When each line happened, ms since the epoch with a fraction: what orders them. */
  private readonly times: number[] = [];
  /** Lines are never placed before this index (the start of the current step). */
  private floor = 0;
  private readonly started = performance.now();
  private readonly listeners = new Set<(line: TranscriptLine) => void>();
  private readonly maxLines: number;
  private readonly render?: (text: string) => string;

  /** `render` rewrites every line's text as it is added (checkLesson renders lesson references). */
  constructor(opts: { maxLines?: number; render?: (text: string) => string } = {}) {
    this.maxLines = opts.maxLines ?? 5000;
    this.render = opts.render;
  }

  /** Calls `fn` for every new line; returns a function that stops it. */
  subscribe(fn: (line: TranscriptLine) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Starts a new section (a step): later lines go after every line before this
   * call, whenever they say they happened. Returns the index the section starts at.
   */
  section(): number {
    this.floor = this.lines.length;
    return this.floor;
  }

  /**
   * Adds a line and tells the subscribers; meta fields left undefined are left
   * out. `when` (ms since the epoch) is for a line reported after the fact, such
   * as a Redis command seen through MONITOR: the line is placed among the lines
   * of the current section by that time rather than at the end.
   */
  add(actor: string, kind: LineKind, text: string, meta: LineMeta = {}, when?: number): void {
    const now = performance.timeOrigin + performance.now();
    const t = when !== undefined && Number.isFinite(when) ? Math.min(when, now) : now;
    const line: TranscriptLine = {
      at: Math.max(0, Math.round(t - performance.timeOrigin - this.started)),
      actor,
      kind,
      text: this.render ? this.render(text) : text,
    };
    if (meta.peer !== undefined) line.peer = meta.peer;
    if (meta.message !== undefined) line.message = meta.message;
    if (meta.replay !== undefined) line.replay = meta.replay;
    if (this.lines.length < this.maxLines) {
      let i = this.lines.length;
      while (i > this.floor && this.times[i - 1]! > t) i--;
      this.lines.splice(i, 0, line);
      this.times.splice(i, 0, t);
    }
    for (const fn of this.listeners) fn(line);
  }

  /** A logger whose lines all carry `actor` (and, when given, `peer` as the other end of what it sends and receives). */
  logger(actor: string, defaults: { peer?: string } = {}): Logger {
    return {
      actor,
      info: (t) => this.add(actor, "info", t),
      send: (t, m) => this.add(actor, "send", t, { ...defaults, ...m }),
      recv: (t, m) => this.add(actor, "recv", t, { ...defaults, ...m }),
      pass: (t) => this.add(actor, "pass", t),
      curl: (t) => this.add(actor, "curl", t),
    };
  }

  /**
   * The lines from index `from` on, as plain text (for reports), made concise
   * the way `conciseLines` says.
   */
  excerpt(from = 0, max = 60, opts: { heartbeats?: boolean } = {}): string {
    return linesAsText(conciseLines(this.lines.slice(from), { ...opts, max }));
  }
}

/** Shown lines as plain text, a line each (a replay line on a line of its own after its message), as reports give them. */
export function linesAsText(lines: ShownLine[]): string {
  return lines
    .flatMap((l) =>
      "note" in l
        ? [l.note]
        : [`[${l.actor}] ${l.text}`, ...(l.replay ? [`[${l.actor}] ${l.replay}`] : [])],
    )
    .join("\n");
}

/** A line of a failing step's transcript as shown: a line, or a note about lines left out. */
export type ShownLine = TranscriptLine | { note: string };

/**
 * What a failing step's transcript shows: ping/pong lines left out unless
 * `heartbeats` (the step is about them), a block of up to four lines that comes
 * three times or more in a row shown once with a count, and then the last `max`.
 */
export function conciseLines(
  lines: TranscriptLine[],
  opts: { heartbeats?: boolean; max?: number } = {},
): ShownLine[] {
  const kept = opts.heartbeats ? lines : lines.filter((l) => !isHeartbeat(l));
  const shown: ShownLine[] = collapseRepeats(
    kept.map((l) => `${l.actor}\0${l.kind}\0${l.text}\0${l.peer ?? ""}\0${l.replay ?? ""}`),
  ).map((x) => (typeof x === "number" ? kept[x]! : { note: x }));
  const max = opts.max ?? 60;
  const cut = shown.length > max ? shown.slice(shown.length - max) : shown;
  const left = lines.length - kept.length;
  if (left > 0) cut.push({ note: `(${left} ping/pong lines left out)` });
  return cut;
}

/** True when a step is about heartbeats (its slug or title says ping, pong or heartbeat): its transcript keeps them. */
export function isAboutHeartbeats(step: { slug: string; title: string }): boolean {
  return /ping|pong|heartbeat/i.test(`${step.slug} ${step.title}`);
}

function isHeartbeat(line: TranscriptLine): boolean {
  return (line.kind === "send" || line.kind === "recv") && /^(ping|pong)$/.test(line.text);
}

/**
 * Of `keys`, the indexes to show, with a note where a block of 1 to 4 lines
 * that comes three or more times in a row is shown once.
 */
export function collapseRepeats(keys: string[]): (number | string)[] {
  const out: (number | string)[] = [];
  const same = (a: number, b: number, k: number) => {
    for (let j = 0; j < k; j++) if (keys[a + j] !== keys[b + j]) return false;
    return true;
  };
  let i = 0;
  while (i < keys.length) {
    let best = { k: 0, reps: 1 };
    for (let k = 1; k <= 4; k++) {
      let reps = 1;
      while (i + (reps + 1) * k <= keys.length && same(i, i + reps * k, k)) reps++;
      if (reps >= 3 && reps * k > best.reps * best.k) best = { k, reps };
    }
    if (best.k === 0) {
      out.push(i);
      i++;
      continue;
    }
    for (let j = 0; j < best.k; j++) out.push(i + j);
    const what = best.k === 1 ? "the line above" : `the ${best.k} lines above`;
    out.push(`… ${what} ${best.reps - 1} more times`);
    i += best.k * best.reps;
  }
  return out;
}

/** Shortens `text` to `max` characters, showing control characters escaped (`\n`, `\r`, `\x00`). */
export function excerpt(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  const escaped = text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return escaped.length > max ? `${escaped.slice(0, max)}… (${text.length} chars)` : escaped;
}

/**
 * Where a failure sits among a step's shown lines: the actor whose expectation
 * failed (`actor` when the check said, else the one named in brackets at the
 * start of the message, `[sse-2] waited…`, else the first actor of the step the
 * message names) and the message of that actor the diagram marks: the last one
 * that carries what the failure says it received (its `Received:` detail: a task
 * id, an event name), else its last one. When no actor can be told, it is the
 * tester's, and no message is marked: a guess would point at a message that was fine.
 */
export function locateFailure(
  lines: ShownLine[],
  message: string,
  opts: { actor?: string; details?: string[] } = {},
): { actor: string; line?: number } {
  const actors = new Set<string>();
  for (const l of lines) {
    if ("note" in l) continue;
    actors.add(l.actor);
    if (l.peer) actors.add(l.peer);
  }
  const { actor } = opts;
  const bracketed = /^\[([^\]]+)\]/.exec(message)?.[1];
  const named =
    (actor && actors.has(actor) ? actor : undefined) ??
    (bracketed && actors.has(bracketed) ? bracketed : undefined) ??
    [...actors]
      .filter((a) => a !== "tester" && a !== "http")
      .sort((a, b) => b.length - a.length)
      .find((a) => message.includes(a));
  if (!named) return { actor: actor ?? "tester" };
  const received = (opts.details ?? [])
    .filter((d) => d.startsWith("Received:"))
    .flatMap((d) => d.slice("Received:".length).match(/[\w-]{6,}/g) ?? []);
  let last: number | undefined;
  let best: { i: number; score: number } | undefined;
  lines.forEach((l, i) => {
    if ("note" in l || (l.kind !== "send" && l.kind !== "recv")) return;
    if (l.actor !== named && l.peer !== named) return;
    last = i;
    const score = received.filter((w) => l.text.includes(w)).length;
    if (score > 0 && score >= (best?.score ?? 0)) best = { i, score };
  });
  const line = best?.i ?? last;
  return line === undefined ? { actor: named } : { actor: named, line };
}
