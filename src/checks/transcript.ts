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

  /** The lines from index `from` on, as plain text (for reports). */
  excerpt(from = 0, max = 60): string {
    const slice = this.lines.slice(from);
    const cut = slice.length > max ? slice.slice(slice.length - max) : slice;
    return cut.map((l) => `[${l.actor}] ${l.text}`).join("\n");
  }
}

/** Shortens `text` to `max` characters, showing control characters escaped (`\n`, `\r`, `\x00`). */
export function excerpt(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  const escaped = text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return escaped.length > max ? `${escaped.slice(0, max)}… (${text.length} chars)` : escaped;
}
