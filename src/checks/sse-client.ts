import http from "node:http";
import { createParser } from "eventsource-parser";
import { CheckFailure } from "../errors.ts";
import { curlFor, devBase } from "./curl.ts";
import { excerpt, type Logger } from "./transcript.ts";
import type { SseClient, SseEvent, WaitOptions } from "./types.ts";

const DEFAULT_WAIT_MS = 2000;

/** Options for `openSse`. */
export interface OpenSseOptions {
  name: string;
  logger: Logger;
  lastEventId?: string;
  headers?: Record<string, string>;
  /** How long to wait for the response headers (ms, default 3000). */
  timeout?: number;
  signal?: AbortSignal;
  /** The dev port replay lines name (3000 for the first instance, 3001 for server B …). */
  devPort?: number;
}

/** What the wire reader reports, already in EventSource terms. */
export interface SseReaderHandlers {
  /** `raw`: the frame's lines as they came, with their line endings. */
  onEvent(e: { id?: string; event: string; data: string; raw: string }): void;
  onComment(text: string): void;
  onRetry(ms: number): void;
}

/**
 * Turns raw bytes into events exactly as a browser's EventSource would. Line splitting,
 * the BOM and the last-event-id buffer are done here because eventsource-parser keeps a
 * trailing lone CR until more bytes come, does not strip a decoded U+FEFF, and ignores
 * `id:` frames that carry no data; it gets one complete LF-terminated line per feed.
 */
export function createSseReader(handlers: SseReaderHandlers, lastEventId = "") {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const parser = createParser({
    onEvent: (m) =>
      handlers.onEvent({ id: m.id, event: m.event || "message", data: m.data, raw: state.frame }),
    onComment: (c) => handlers.onComment(c),
    onRetry: (ms) => handlers.onRetry(ms),
  });
  // The parser strips "ï»¿" (a mis-decoded BOM) from its first chunk; an empty first feed disarms that.
  parser.feed("");
  const state = {
    raw: "",
    pending: "",
    atStart: true,
    skipLF: false,
    idBuffer: lastEventId,
    lastEventId,
    /** The lines of the frame being read, as they came (the blank line that ends it included). */
    frame: "",
  };

  const line = (text: string, ending = "\n") => {
    state.frame += text + ending;
    if (text === "") state.lastEventId = state.idBuffer;
    else {
      const colon = text.indexOf(":");
      if ((colon < 0 ? text : text.slice(0, colon)) === "id") {
        const value = colon < 0 ? "" : text.slice(text[colon + 1] === " " ? colon + 2 : colon + 1);
        if (!value.includes("\0")) state.idBuffer = value;
      }
    }
    parser.feed(`${text}\n`);
    if (text === "") state.frame = "";
  };

  const decoded = (input: string) => {
    state.raw += input;
    let text = input;
    if (text === "") return;
    if (state.atStart) {
      state.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR that ended the previous chunk already ended its line; a LF right after it belongs to it.
    let start = state.skipLF && text.startsWith("\n") ? 1 : 0;
    state.skipLF = text.endsWith("\r");
    for (const m of text.matchAll(/\r\n|\r|\n/g)) {
      if (m.index < start) continue;
      line(state.pending + text.slice(start, m.index), m[0]);
      state.pending = "";
      start = m.index + m[0].length;
    }
    state.pending += text.slice(start);
  };

  return {
    state: state as Readonly<typeof state>,
    /** Feeds bytes as they came off the socket. */
    push: (bytes: Uint8Array) => decoded(decoder.decode(bytes, { stream: true })),
    /** Flushes the decoder at end of stream; an unfinished event is dropped, as the spec says. */
    end: () => decoded(decoder.decode()),
  };
}

/** Opens an SSE stream and resolves as soon as the response headers arrive, whatever the status. */
export async function openSse(url: string, opts: OpenSseOptions): Promise<SseClient> {
  const stream = new SseStream(new URL(url), opts);
  await stream.open(opts.timeout ?? 3000, opts.signal);
  return stream;
}

type Step<T> = (ok: (value: T) => void, fail: (error: unknown) => void) => void;

/**
 * One open stream. `next` consumes in order: it scans from a cursor shared by all `next`
 * calls and moves it past the match, so events it passed over are never returned later.
 */
class SseStream implements SseClient {
  readonly name: string;
  readonly curl: string;
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry?: number;
  status = 0;
  headers = new Headers();
  private readonly where: string;
  private readonly req: http.ClientRequest;
  private readonly reader: ReturnType<typeof createSseReader>;
  private readonly watchers = new Set<() => void>();
  private cursor = 0;
  private openedAt = performance.now();
  private endedBy?: "server" | "checker";
  private endReason = "";
  private onRequestError = (_: NodeJS.ErrnoException) => {};
  private detachSignal = () => {};

  constructor(
    private readonly url: URL,
    private readonly opts: OpenSseOptions,
  ) {
    this.name = opts.name;
    this.where = `GET ${url.pathname}${url.search}`;
    const idHeader: Record<string, string> =
      opts.lastEventId === undefined ? {} : { "Last-Event-ID": opts.lastEventId };
    const shown = { Accept: "text/event-stream", ...idHeader, ...opts.headers };
    this.curl = curlFor("GET", `${url.pathname}${url.search}`, {
      headers: shown,
      stream: true,
      base: devBase(opts.devPort),
    });
    const headers = { ...shown, "Cache-Control": "no-cache" };
    this.reader = createSseReader(
      {
        onEvent: (e) => this.record(e),
        onComment: (c) => {
          this.comments.push(c);
          opts.logger.recv(`: ${excerpt(c, 200)}`, { message: "comment" });
          this.notify();
        },
        onRetry: (ms) => {
          this.retry = ms;
          opts.logger.recv(`retry: ${ms}`, { message: "comment" });
        },
      },
      opts.lastEventId,
    );
    this.req = http.request(url, { method: "GET", headers, agent: false });
    this.req.on("error", (err: NodeJS.ErrnoException) => this.onRequestError(err));
  }

  get lastEventId(): string | undefined {
    return this.reader.state.lastEventId || undefined;
  }
  get raw(): string {
    return this.reader.state.raw;
  }
  get closed(): boolean {
    return this.endedBy !== undefined;
  }

  open(timeout: number, signal?: AbortSignal): Promise<void> {
    const { logger } = this.opts;
    logger.send(this.where, { message: "request", replay: this.curl });
    return new Promise((resolve, reject) => {
      const failOpen = (message: string, reason = "the stream was closed by the checker") => {
        clearTimeout(timer);
        this.finish("checker", reason);
        reject(this.failure(message));
      };
      const timer = setTimeout(
        () => failOpen(`${this.where} sent no response headers within ${timeout} ms.`),
        timeout,
      );
      const onAbort = () =>
        failOpen(
          `${this.where} was aborted (the step ran out of time).`,
          "the stream was closed because the step ran out of time",
        );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.detachSignal = () => signal?.removeEventListener("abort", onAbort);
      this.onRequestError = (err) => {
        if (this.status)
          return this.finish("server", `the connection broke (${err.code ?? err.message})`);
        const why =
          err.code === "ECONNREFUSED"
            ? `nothing listened on ${this.url.host} (connection refused)`
            : `the request failed before any answer (${err.code ?? err.message})`;
        failOpen(`${this.where}: ${why}.`);
      };
      this.req.on("response", (res) => {
        clearTimeout(timer);
        this.openedAt = performance.now();
        this.status = res.statusCode ?? 0;
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          this.headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        }
        const type = res.headers["content-type"] ?? "(none)";
        logger.recv(`HTTP ${this.status}, content-type: ${type}`, { message: "response" });
        res.on("data", (chunk: Buffer) => this.endedBy || this.reader.push(chunk));
        res.on("end", () => this.finish("server", "the server closed the stream"));
        res.on("close", () => this.finish("server", "the connection closed"));
        res.on("error", () => this.finish("server", "the connection broke"));
        resolve();
      });
      if (signal?.aborted) onAbort();
      else this.req.end();
    });
  }

  next(predicate?: (e: SseEvent) => boolean, opts: WaitOptions = {}): Promise<SseEvent> {
    const ms = opts.timeout ?? DEFAULT_WAIT_MS;
    const what = opts.what ?? (predicate ? "a matching event" : "an event");
    const from = this.events.length;
    return this.watch<SseEvent>(
      ms,
      (ok, fail) => {
        while (this.cursor < this.events.length) {
          const e = this.events[this.cursor++];
          if (!predicate || predicate(e)) return ok(e);
        }
        if (this.endedBy) fail(this.endedFailure(what));
      },
      () => {
        const came = this.events.length - from;
        const tail = came === 0 ? "none came" : `none of the ${came} events that came matched`;
        return this.failure(`waited ${ms} ms for ${what}; ${tail}.`, this.recentEvents());
      },
    );
  }

  nextComment(opts: WaitOptions = {}): Promise<string> {
    const ms = opts.timeout ?? DEFAULT_WAIT_MS;
    const what = opts.what ?? "a comment line";
    const index = this.comments.length;
    return this.watch<string>(
      ms,
      (ok, fail) => {
        if (this.comments.length > index) ok(this.comments[index]);
        else if (this.endedBy) fail(this.endedFailure(what));
      },
      () => this.failure(`waited ${ms} ms for ${what}; none came.`),
    );
  }

  expectNone(predicate: (e: SseEvent) => boolean, ms: number, what = "matching event") {
    // Unconsumed events count too: an event that beat this call still arrived in the window.
    let index = this.cursor;
    return this.watch<void>(
      ms,
      (ok, fail) => {
        for (; index < this.events.length; index++) {
          const e = this.events[index];
          const message = `expected no ${what} within ${ms} ms, but one came.`;
          if (predicate(e)) return fail(this.failure(message, formatEvent(e)));
        }
        if (this.endedBy) ok();
      },
      () => undefined,
    );
  }

  ended(opts: WaitOptions = {}): Promise<void> {
    const ms = opts.timeout ?? DEFAULT_WAIT_MS;
    const what = opts.what ?? "the server to end the stream";
    return this.watch<void>(
      ms,
      (ok, fail) => {
        if (this.endedBy === "server") ok();
        else if (this.endedBy) fail(this.failure(`${this.endReason} before the server ended it.`));
      },
      () => this.failure(`waited ${ms} ms for ${what}; the stream stayed open.`),
    );
  }

  close(): void {
    this.finish("checker", "the stream was closed by the checker");
  }

  private record(m: { id?: string; event: string; data: string; raw: string }): void {
    const failure = () =>
      this.failure(`the data of a "${m.event}" event is not JSON.`, excerpt(m.data, 200));
    const { raw, ...fields } = m;
    const event: SseEvent = {
      ...fields,
      at: Math.round(performance.now() - this.openedAt),
      json() {
        try {
          return JSON.parse(m.data);
        } catch {
          throw failure();
        }
      },
    };
    this.events.push(event);
    // The bytes as they came (escaped); the event's name beside them when no event: line gave it.
    const named = /^event:/m.test(raw) ? "" : ` (dispatched as "${event.event}")`;
    this.opts.logger.recv(`${excerpt(raw, 240)}${named}`, { message: "event" });
    this.notify();
  }

  private finish(by: "server" | "checker", reason: string): void {
    if (this.endedBy) return;
    if (by === "server") this.reader.end();
    this.endedBy = by;
    this.endReason = reason;
    this.detachSignal();
    this.req.destroy();
    if (by === "server") this.opts.logger.info(reason);
    this.notify();
  }

  private failure(message: string, received?: string): CheckFailure {
    return new CheckFailure(`[${this.name}] ${message}`, { received });
  }

  private endedFailure(what: string): CheckFailure {
    const message = `${this.endReason} before ${what} came.`;
    return this.failure(message, this.recentEvents());
  }

  private recentEvents(): string {
    if (this.events.length === 0) return "no event at all on this stream";
    return this.events.slice(-5).map(formatEvent).join("\n");
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  /** Runs `step` now and on every change until it settles; at `ms`, `onTimer` rejects or resolves. */
  private watch<T>(ms: number, step: Step<T>, onTimer: () => CheckFailure | undefined) {
    return new Promise<T>((resolve, reject) => {
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        this.watchers.delete(run);
        fn();
      };
      const ok = (value: T) => settle(() => resolve(value));
      const fail = (error: unknown) => settle(() => reject(error));
      const run = () => {
        try {
          step(ok, fail);
        } catch (error) {
          fail(error);
        }
      };
      const timer = setTimeout(() => {
        const error = onTimer();
        if (error) fail(error);
        else ok(undefined as T);
      }, ms);
      this.watchers.add(run);
      run();
    });
  }
}

/** `event: x id: 3 data: {...}` for the transcript and failure messages. */
function formatEvent(e: SseEvent): string {
  const id = e.id === undefined ? "" : ` id: ${e.id}`;
  return `event: ${e.event}${id} data: ${excerpt(e.data, 200)}`;
}
