/** What a transcript line is about, so reporters can colour it. */
export type LineKind = "info" | "send" | "recv" | "pass" | "fail" | "server" | "curl";

/** One line of a check run's transcript, carrying the actor that produced it. */
export interface TranscriptLine {
  /** Milliseconds since the run started. */
  at: number;
  /** Who speaks: `tester`, `sse-1`, `ws-alice`, `your server`, `redis` … */
  actor: string;
  kind: LineKind;
  text: string;
}

/** A logger bound to one actor. */
export interface Logger {
  readonly actor: string;
  info(text: string): void;
  send(text: string): void;
  recv(text: string): void;
  pass(text: string): void;
  curl(command: string): void;
}

/** The ordered record of everything said during a run; reporters subscribe to it. */
export class Transcript {
  readonly lines: TranscriptLine[] = [];
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

  /** Appends a line and tells the subscribers. */
  add(actor: string, kind: LineKind, text: string): void {
    const line: TranscriptLine = {
      at: Math.round(performance.now() - this.started),
      actor,
      kind,
      text: this.render ? this.render(text) : text,
    };
    if (this.lines.length < this.maxLines) this.lines.push(line);
    for (const fn of this.listeners) fn(line);
  }

  /** A logger whose lines all carry `actor`. */
  logger(actor: string): Logger {
    return {
      actor,
      info: (t) => this.add(actor, "info", t),
      send: (t) => this.add(actor, "send", t),
      recv: (t) => this.add(actor, "recv", t),
      pass: (t) => this.add(actor, "pass", t),
      curl: (t) => this.add(actor, "curl", t),
    };
  }

  /**
   * The lines from index `from` on, as plain text (for reports), made concise
   * the way `conciseLines` says.
   */
  excerpt(from = 0, max = 60, opts: { heartbeats?: boolean } = {}): string {
    return conciseLines(this.lines.slice(from), { ...opts, max })
      .map((l) => ("note" in l ? l.note : `[${l.actor}] ${l.text}`))
      .join("\n");
  }
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
    kept.map((l) => `${l.actor}\0${l.kind}\0${l.text}`),
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
