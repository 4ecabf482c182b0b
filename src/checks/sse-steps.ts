/**
 * Helpers shared by the Server-Sent Events checkers (how-sse-works to sse-in-practice): opening a stream the
 * way a browser does, judging its headers and bytes, timing events against the change
 * that caused them, and reading `/admin/connections`.
 */

import http from "node:http";
import { CheckFailure } from "../errors.ts";
import { check, checkStatus, fail, show } from "./assert.ts";
import { describeBytes } from "./raw-http.ts";
import { describesTask, isObject, type Json, pick } from "./taskboard.ts";
import type { ServerHandle, SseClient, SseEvent, StepContext } from "./types.ts";
import { waitUntil } from "./wait.ts";

/** How soon after a change's HTTP response its event must arrive on a stream (ms). */
export const PROMPT_MS = 200;

/** How long to keep waiting for a late event, to tell "late" (buffered) from "never sent" (ms). */
const LATE_GRACE_MS = 1500;

/** The hint for every failure that looks like a response being held back on its way out. */
export const BUFFERING_HINT =
  "Your server is buffering the stream: bytes are held back instead of going out as soon as they are written. Return the ReadableStream itself as the Response body (new Response(stream, { headers })), enqueue each frame the moment it exists (no batching timer, no waiting for the stream to end), and do not compress text/event-stream responses (no Content-Encoding).";

/** What a browser sends when it opens an EventSource (it also accepts compressed answers). */
const BROWSER_HEADERS = { "Accept-Encoding": "gzip, deflate, br" };

const openedAt = new WeakMap<SseClient, number>();

/** Options for `openStream`. */
export interface OpenStreamOptions {
  name?: string;
  lastEventId?: string;
  server?: ServerHandle;
  /** How long the response headers may take (ms, default 2000). */
  headersWithin?: number;
}

/**
 * Opens an event stream as a browser would and resolves once the response headers are in.
 * No headers in time means nothing was ever written to the response: that failure names buffering.
 */
export async function openStream(
  h: StepContext,
  path: string,
  opts: OpenStreamOptions = {},
): Promise<SseClient> {
  const within = opts.headersWithin ?? 2000;
  let client: SseClient;
  try {
    client = await h.sse(path, {
      name: opts.name,
      server: opts.server,
      lastEventId: opts.lastEventId,
      headers: BROWSER_HEADERS,
      timeout: within,
    });
  } catch (error) {
    if (error instanceof CheckFailure && error.message.includes("no response headers")) {
      throw new CheckFailure(error.message, {
        expected: `the status line and headers within ${within} ms, with the first frame right behind them`,
        received:
          "nothing at all: Node sends the headers together with the first bytes of the body, so a stream that writes nothing (or whose bytes are held back) never even answers",
        hint: `${BUFFERING_HINT} Also make sure the stream writes something at once (the retry: line and the connected frame) in start().`,
      });
    }
    throw error;
  }
  openedAt.set(client, performance.now());
  return client;
}

/** When `e` arrived, on the `performance.now()` clock. */
export function arrivalOf(client: SseClient, e: SseEvent): number {
  return (openedAt.get(client) ?? performance.now()) + e.at;
}

/**
 * Checks the response headers of an event stream: 200, `text/event-stream`, `no-cache`,
 * no compression, no length.
 */
export function checkStreamHeaders(h: StepContext, client: SseClient, path: string): void {
  check(client.status === 200, `GET ${path} answered ${client.status}.`, {
    expected: "status 200 with an event stream",
    received: `status ${client.status}, body ${describeBytes(Buffer.from(client.raw), 200) || "(empty so far)"}`,
  });
  h.log.pass(`GET ${path} answered 200`);

  const type = client.headers.get("content-type");
  const media = type?.split(";")[0]?.trim().toLowerCase();
  check(
    media === "text/event-stream",
    `GET ${path} is not sent as an event stream, so a browser's EventSource would refuse it (it fires "error" and gives up on any other Content-Type).`,
    {
      expected: "Content-Type: text/event-stream",
      received: `Content-Type: ${type ?? "(none)"}`,
    },
  );
  h.log.pass(`Content-Type: ${type}`);

  const encoding = client.headers.get("content-encoding");
  if (encoding && encoding.trim().toLowerCase() !== "identity") {
    throw new CheckFailure(
      `GET ${path} is compressed (Content-Encoding: ${encoding}). A compressor keeps bytes back until it has a block worth sending, so events sit on the server instead of reaching the browser.`,
      {
        expected: "no Content-Encoding on text/event-stream responses",
        received: `Content-Encoding: ${encoding}`,
        hint: BUFFERING_HINT,
      },
    );
  }

  const length = client.headers.get("content-length");
  check(
    length === null,
    `GET ${path} announces a Content-Length, which promises a body of a fixed size: an event stream has no end.`,
    { expected: "no Content-Length header", received: `Content-Length: ${length}` },
  );

  const cache = client.headers.get("cache-control") ?? "";
  const tokens = cache
    .toLowerCase()
    .split(",")
    .map((t) => t.trim());
  check(
    tokens.includes("no-cache") || tokens.includes("no-store"),
    `GET ${path} may be cached: a cache between the server and the browser could hold the stream back or replay an old one.`,
    { expected: "Cache-Control: no-cache", received: `Cache-Control: ${cache || "(none)"}` },
  );
  h.log.pass(`Cache-Control: ${cache}`);
}

const FIELDS = ["data", "event", "id", "retry"];

/**
 * Explains, from the raw body, why a browser would fire no event yet; undefined when
 * the bytes look fine (the event may simply not have been sent).
 */
export function diagnoseFrames(raw: string): string | undefined {
  const text = raw.startsWith("\uFEFF") ? raw.slice(1) : raw;
  if (text === "") {
    return "Not one byte of the body arrived. Either nothing was enqueued, or the bytes are held back on the server (buffering).";
  }
  if (!/[\r\n]/.test(text) && text.includes("\\n")) {
    return 'The body holds backslash-n (two characters) where line breaks belong: write the frame with real line breaks ("\\n" in an ordinary string literal, not an escaped or JSON-encoded one).';
  }
  // Only lines that a line break has already ended count; the last piece may still be coming.
  const pieces = text.split(/\r\n|\r|\n/);
  const complete = pieces.slice(0, -1);
  for (const line of complete) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    if (FIELDS.includes(field)) continue;
    if (FIELDS.includes(field.toLowerCase())) {
      return `The line ${JSON.stringify(line)} starts with "${field}", but field names are case-sensitive: a browser only knows lower-case data, event, id and retry, and ignores this line.`;
    }
    return `The line ${JSON.stringify(line)} does not start with a field name (data:, event:, id:, retry:) or a ":" comment, so a browser ignores it. Every line of a frame is "field: value".`;
  }
  const lastData = complete.findLastIndex((l) => l === "data" || l.startsWith("data:"));
  if (lastData >= 0 && !complete.slice(lastData + 1).includes("")) {
    return "A data: line arrived but no empty line followed it, so the frame never ended and a browser never fires it: end every frame with a blank line (\\n\\n).";
  }
  if (lastData < 0 && pieces.at(-1)?.startsWith("data")) {
    return "A data: line started but its line break never came, so the frame never ended: end every frame with a blank line (\\n\\n).";
  }
  return undefined;
}

/** Waits for the first event of a fresh stream; a failure explains what the bytes so far got wrong. */
export async function firstEvent(client: SseClient, path: string, within = 500): Promise<SseEvent> {
  try {
    return await client.next(undefined, { timeout: within, what: "the first event" });
  } catch (error) {
    const why = diagnoseFrames(client.raw);
    if (!(error instanceof CheckFailure) || !why) throw error;
    const hint = client.raw === "" ? BUFFERING_HINT : undefined;
    throw new CheckFailure(`GET ${path} sent no complete event within ${within} ms. ${why}`, {
      expected: 'a frame such as data: {"type":"connected"} followed by an empty line',
      received: `the body so far:\n${describeBytes(Buffer.from(client.raw), 600) || "(nothing)"}`,
      hint,
    });
  }
}

/** Fails unless `e` is the greeting every stream opens with: unnamed, data `{ "type": "connected" }`. */
export function checkConnectedFrame(e: SseEvent, path: string): void {
  check(
    e.event === "message",
    `The first event of GET ${path} is named "${e.event}". A browser hands only unnamed events to onmessage, so the greeting must have no event: line.`,
    { expected: 'data: {"type":"connected"} (no event: line)', received: formatFrame(e) },
  );
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch {
    fail(`The first event of GET ${path} does not carry JSON.`, {
      expected: '{"type":"connected"}',
      received: JSON.stringify(e.data),
    });
  }
  check(
    isObject(data) && data.type === "connected",
    `The first event of GET ${path} is not the connected greeting.`,
    { expected: '{"type":"connected"}', received: show(data) },
  );
}

/** What happened to a task, as one SSE event tells it (unnamed as in building-an-sse-endpoint, or named events). */
export interface TaskChange {
  /** `task_created`, `task_moved`, `task_deleted`: the event's name, or `type` in its data. */
  type?: string;
  data: Json;
  event: SseEvent;
}

/** Reads an event as a task change; undefined for events that are not JSON objects. */
export function taskChangeOf(e: SseEvent): TaskChange | undefined {
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch {
    return undefined;
  }
  if (!isObject(data)) return undefined;
  const named = e.event !== "message" ? e.event : undefined;
  const type = named ?? (typeof data.type === "string" ? data.type : undefined);
  return { type, data, event: e };
}

/** A predicate for events about `taskId` (any kind of change). */
export function aboutTask(taskId: string): (e: SseEvent) => boolean {
  return (e) => {
    const change = taskChangeOf(e);
    return change !== undefined && describesTask(change.data, taskId);
  };
}

/** A predicate for events of `type` about `taskId`. */
export function changeOf(type: string, taskId: string): (e: SseEvent) => boolean {
  return (e) => {
    const change = taskChangeOf(e);
    return change?.type === type && describesTask(change.data, taskId);
  };
}

/**
 * Waits for the next event matching `predicate` and fails unless it arrived within
 * `within` ms of `since` (the change's response). An event that comes, but late, fails
 * with the buffering hint; one that never comes fails with the step's own hint.
 */
export async function expectPrompt(
  client: SseClient,
  predicate: (e: SseEvent) => boolean,
  since: number,
  what: string,
  within = PROMPT_MS,
): Promise<{ event: SseEvent; delay: number }> {
  const left = Math.round(Math.max(50, since + within + LATE_GRACE_MS - performance.now()));
  const event = await client.next(predicate, { timeout: left, what });
  const delay = Math.max(0, Math.round(arrivalOf(client, event) - since));
  if (delay > within) {
    throw new CheckFailure(
      `[${client.name}] ${what} arrived ${delay} ms after the change was answered; the limit is ${within} ms.`,
      {
        expected: `the event within ${within} ms (a browser shows the change at once)`,
        received: `after ${delay} ms: ${formatFrame(event)}`,
        hint: BUFFERING_HINT,
      },
    );
  }
  return { event, delay };
}

/** Fails if an event about `taskId` reaches `client` within `ms`. */
export function expectNothingAbout(
  client: SseClient,
  taskId: string,
  ms: number,
  why: string,
): Promise<void> {
  return client.expectNone(aboutTask(taskId), ms, `event about ${taskId} (${why})`);
}

/** A frame as one line, for messages. */
export function formatFrame(e: SseEvent): string {
  const id = e.id === undefined ? "" : `id: ${e.id} `;
  const name = e.event === "message" ? "" : `event: ${e.event} `;
  const data = e.data.length > 200 ? `${e.data.slice(0, 200)}…` : e.data;
  return `${id}${name}data: ${data}`;
}

/** A stream opened without the kit's transcript, for opening many at once. */
export interface QuietStream {
  readonly status: number;
  /** Bytes received so far. */
  readonly received: number;
  close(): void;
}

/**
 * Opens `count` streams on the paths given (cycled), waits until every one has its headers
 * and first bytes, and returns them. Logs one summary line; closes them all at teardown.
 */
export async function openQuietStreams(
  h: StepContext,
  paths: string[],
  count: number,
  within = 3000,
): Promise<QuietStream[]> {
  const streams: QuietStream[] = [];
  const opening: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const path = paths[i % paths.length];
    const { stream, ready } = quietStream(h.server, path, within);
    streams.push(stream);
    opening.push(ready);
  }
  h.onTeardown(() => {
    for (const s of streams) s.close();
  });
  const results = await Promise.allSettled(opening);
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) {
    for (const s of streams) s.close();
    fail(`${failed.length} of ${count} event streams did not open.`, {
      expected: `each of the ${count} streams to answer 200 and send its first frame within ${within} ms`,
      received: String((failed[0] as PromiseRejectedResult).reason?.message ?? failed[0]),
    });
  }
  h.log.info(
    `opened ${count} event streams (${paths.join(", ")}), each answered with its first bytes`,
  );
  return streams;
}

function quietStream(
  server: ServerHandle,
  path: string,
  within: number,
): { stream: QuietStream; ready: Promise<void> } {
  let status = 0;
  let received = 0;
  const req = http.request(`${server.url}${path}`, {
    method: "GET",
    agent: false,
    headers: { Accept: "text/event-stream", "Cache-Control": "no-cache" },
  });
  const stream: QuietStream = {
    get status() {
      return status;
    },
    get received() {
      return received;
    },
    close: () => req.destroy(),
  };
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(
        new Error(`GET ${path}: no first bytes within ${within} ms (status ${status || "none"})`),
      );
    }, within);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`GET ${path}: ${err.message}`));
    });
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      if (status !== 200) {
        clearTimeout(timer);
        req.destroy();
        reject(new Error(`GET ${path} answered ${status}`));
        return;
      }
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        clearTimeout(timer);
        resolve();
      });
      res.on("error", () => {});
    });
    req.end();
  });
  ready.catch(() => {});
  return { stream, ready };
}

/** What `GET /admin/connections` reports. */
export interface Connections {
  total: number;
  boards: Record<string, number>;
}

/** `GET /admin/connections`, checked to be `{ total, boards: { [boardId]: n } }`. */
export async function readConnections(h: StepContext): Promise<Connections> {
  const res = await h.http.get("/admin/connections");
  checkStatus(res, 200);
  const body = res.json();
  const total = pick(body, "total");
  const boards = pick(body, "boards");
  check(
    typeof total === "number" && Number.isInteger(total) && total >= 0,
    "GET /admin/connections has no whole-number `total`.",
    { expected: '{ "total": 3, "boards": { "board-1": 2, "board-2": 1 } }', received: show(body) },
  );
  check(
    isObject(boards) &&
      Object.values(boards).every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0),
    "GET /admin/connections has no `boards` object of counts per board.",
    { expected: '{ "total": 3, "boards": { "board-1": 2, "board-2": 1 } }', received: show(body) },
  );
  return { total, boards: boards as Record<string, number> };
}

/** A board's count in a report; a board that is not listed has none. */
export function countOf(c: Connections, boardId: string): number {
  return c.boards[boardId] ?? 0;
}

/** Polls `/admin/connections` every `every` ms until `ok` holds or `ms` pass; returns the last report. */
export async function pollConnections(
  h: StepContext,
  ok: (c: Connections) => boolean,
  ms: number,
  every = 100,
): Promise<{ report: Connections; ok: boolean; after: number }> {
  const t0 = performance.now();
  for (;;) {
    const report = await readConnections(h);
    const after = Math.round(performance.now() - t0);
    if (ok(report)) return { report, ok: true, after };
    if (after >= ms) return { report, ok: false, after };
    await h.sleep(Math.min(every, ms - after));
  }
}

export { waitUntil };
