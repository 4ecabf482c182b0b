import type { LearnerModule, LoadModuleOptions } from "./learner-module.ts";
import type { Logger } from "./transcript.ts";

/** A running instance of the learner's server, as a step sees it. */
export interface ServerHandle {
  /** Label used in the transcript: `your server`, `server A`, `server B`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The port this instance has under `npm run dev` in replay lines: 3000, then 3001 for server B … */
  readonly devPort: number;
  /** What `npm run dev` needs to start this instance by hand on its dev port (PORT, DATABASE_PATH for server B, timers, REDIS_URL …). */
  readonly devEnv: Readonly<Record<string, string>>;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `ws://127.0.0.1:PORT` */
  readonly wsUrl: string;
  /** The environment the server was started with (PORT, DATABASE_PATH, timers …). */
  readonly env: Readonly<Record<string, string>>;
  /** The SQLite file this instance was told to use. */
  readonly databasePath: string;
  readonly pid: number;
  /** Every process of this instance (in a sandbox the server runs below a wrapper): what holds its sockets. */
  pids(): number[];
  /** True until the process has exited. */
  readonly alive: boolean;
  /** The last `n` lines the server printed. */
  outputTail(n?: number): string[];
  /** Sends SIGKILL to the whole process group and waits for the exit. */
  kill(): Promise<void>;
  /** Stops the process (SIGTERM, short grace, SIGKILL) and waits for the exit. */
  stop(): Promise<void>;
  /** Stops and starts the same instance again on the same port and database. */
  restart(): Promise<void>;
}

/** Options shared by every client the kit creates. */
export interface ClientOptions {
  /** Which instance to talk to; defaults to the step's first server. */
  server?: ServerHandle;
  /** Actor name in the transcript, e.g. `sse-bob`. */
  name?: string;
  headers?: Record<string, string>;
}

/** What one HTTP exchange returned, recorded for the transcript. */
export interface HttpResult {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly durationMs: number;
  /** A `curl` command that replays the request. */
  readonly curl: string;
  /** The body parsed as JSON; a `CheckFailure` naming the body when it is not JSON. */
  json<T = any>(): T;
}

/** A request that may stay open (long polling). */
export interface PendingRequest {
  /** True once the response (or an error) has come back. */
  readonly settled: boolean;
  readonly result: Promise<HttpResult>;
  /** Aborts the request from the client side. */
  abort(): void;
}

export interface HttpRequestOptions extends ClientOptions {
  body?: unknown;
  /** Send `body` as this raw string instead of JSON. */
  rawBody?: string;
  timeout?: number;
}

/** A recording HTTP client. Paths are relative to the server's URL. */
export interface HttpClient {
  request(method: string, path: string, opts?: HttpRequestOptions): Promise<HttpResult>;
  get(path: string, opts?: HttpRequestOptions): Promise<HttpResult>;
  post(path: string, body?: unknown, opts?: HttpRequestOptions): Promise<HttpResult>;
  patch(path: string, body?: unknown, opts?: HttpRequestOptions): Promise<HttpResult>;
  delete(path: string, opts?: HttpRequestOptions): Promise<HttpResult>;
  /** Starts a request without waiting for its answer. */
  start(method: string, path: string, opts?: HttpRequestOptions): PendingRequest;
}

/** One Server-Sent Event as a browser's EventSource would dispatch it. */
export interface SseEvent {
  /** The `id:` field if the frame had one. */
  id?: string;
  /** `event:` field, `message` when the frame had none. */
  event: string;
  data: string;
  /** Milliseconds since the stream opened. */
  at: number;
  /** `data` parsed as JSON; a CheckFailure when it is not. */
  json<T = any>(): T;
}

export interface WaitOptions {
  timeout?: number;
  /** Words for the failure message: "a task_created event". */
  what?: string;
}

export interface SseOptions extends ClientOptions {
  lastEventId?: string;
  /** How long to wait for the response headers (ms). */
  timeout?: number;
}

/** An open SSE stream. */
export interface SseClient {
  readonly name: string;
  readonly status: number;
  readonly headers: Headers;
  readonly events: readonly SseEvent[];
  readonly comments: readonly string[];
  /** The last `retry:` value seen. */
  readonly retry?: number;
  /** The `id` of the last event that had one (what a browser would send back). */
  readonly lastEventId?: string;
  /** Every byte received so far, decoded as UTF-8. */
  readonly raw: string;
  readonly closed: boolean;
  readonly curl: string;
  /** Resolves with the next event (not yet returned by `next`) that matches. */
  next(predicate?: (e: SseEvent) => boolean, opts?: WaitOptions): Promise<SseEvent>;
  /** Resolves with the next comment line received after the call. */
  nextComment(opts?: WaitOptions): Promise<string>;
  /** Fails if an event matching `predicate` arrives within `ms`. */
  expectNone(predicate: (e: SseEvent) => boolean, ms: number, what?: string): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended(opts?: WaitOptions): Promise<void>;
  close(): void;
}

export interface WsOptions extends ClientOptions {
  /** Value of the Cookie header. */
  cookie?: string;
  origin?: string;
  /** Answer the server's pings automatically (default true). */
  autoPong?: boolean;
  timeout?: number;
}

/** How a WebSocket was closed. */
export interface WsClose {
  code: number;
  reason: string;
}

/** An open WebSocket whose JSON messages are recorded. */
export interface WsClient {
  readonly name: string;
  /** Every message received, parsed as JSON when it parses, else the string. */
  readonly messages: readonly unknown[];
  readonly pingsReceived: number;
  readonly isOpen: boolean;
  /** Resolves with the next message (not yet returned by `next`) that matches. */
  next<T = any>(predicate?: (m: any) => boolean, opts?: WaitOptions): Promise<T>;
  expectNone(predicate: (m: any) => boolean, ms: number, what?: string): Promise<void>;
  /** Sends `data` as JSON (strings are sent as they are). */
  send(data: unknown): void;
  sendBinary(data: Uint8Array): void;
  setAutoPong(on: boolean): void;
  /** Resolves when the socket closes, with the code and reason. */
  closed(opts?: WaitOptions): Promise<WsClose>;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** The lesson being checked, as the manifest names it at run time. */
export interface LessonInfo {
  /** Its place in the course today (changes when lessons are inserted or reordered); for display only. */
  number: number;
  /** Its stable name: what files and stored state are keyed by. */
  slug: string;
  title: string;
}

/** The runner-side environment of a step. */
export interface StepContext {
  /** The lesson being checked (slug, current number, title), read from the manifest at run time. */
  lesson: LessonInfo;
  /** The tester's own logger (`[tester]`). */
  log: Logger;
  /** A logger for another actor; `peer` names the other end of what it sends and receives (default: the first server). */
  actor(name: string, opts?: { peer?: string }): Logger;
  /** The first server instance (undefined for lessons without a server). */
  server: ServerHandle;
  /** All started instances, in start order. */
  servers: readonly ServerHandle[];
  /** Starts another instance of the learner's server (e.g. server B of scaling-real-time). */
  startServer(name: string, env?: Record<string, string>): Promise<ServerHandle>;
  http: HttpClient;
  sse(path: string, opts?: SseOptions): Promise<SseClient>;
  ws(path?: string, opts?: WsOptions): Promise<WsClient>;
  /** Logs in as `email` on the server (when it has /login) and returns the Cookie header value. */
  login(email: string, server?: ServerHandle): Promise<string | undefined>;
  /** The timer settings given to the server, as numbers. */
  timers: Timers;
  /** The run's Redis, for lessons whose checker sets `redis: true`. */
  redis?: {
    readonly url: string;
    /** True when the runner started this Redis itself (so `restart` really restarts it). */
    readonly owned?: boolean;
    /** The run's key and channel prefix, given to the servers as `REDIS_PREFIX`. */
    readonly prefix?: string;
    restart(downMs?: number): Promise<void>;
  };
  /** The learner's workspace folder. */
  workspace: string;
  /**
   * Loads `file` of the workspace (say `src/event-bus.ts`) in a process of its
   * own, with the learner server's environment, limits and sandbox, and gives
   * its exports as remotes to call over a channel. The module never runs in the
   * checker's process. It ends with the run; a fresh load is a fresh process.
   */
  loadModule(file: string, opts?: LoadModuleOptions): Promise<LearnerModule>;
  /** Values steps hand on to later steps of the same run. */
  state: Map<string, unknown>;
  /** Runs `fn` when the lesson's run ends, whatever happened. */
  onTeardown(fn: () => unknown): void;
  /** Aborted when the step times out. */
  signal: AbortSignal;
  sleep(ms: number): Promise<void>;
}

/** Timer values (ms) the runner passes to learner servers through the environment. */
export interface Timers {
  LONG_POLL_TIMEOUT_MS: number;
  SSE_HEARTBEAT_MS: number;
  WS_HEARTBEAT_MS: number;
  PRESENCE_TTL_MS: number;
}

/** One checked step of a lesson. */
export interface Step {
  /** Stable id, kebab-case, unique in the lesson. */
  slug: string;
  /** What the step checks, in a few words. */
  title: string;
  /**
   * Shown when this step is the first to fail: the near-solution, the last of
   * the hint levels `labs hint` (and the `h` key) give one at a time.
   */
  hint: string;
  /** Hint level 1: where to look, without saying what to write (one sentence). */
  nudge?: string;
  /** Hint level 2: the idea the step is about and why it matters (one or two sentences). */
  concept?: string;
  /** Time limit in ms (default 5000). */
  timeout?: number;
  run(h: StepContext): Promise<void>;
}

/** What a lesson's `check.ts` default-exports. */
export interface LessonChecker {
  /** Start the learner's server before the first step (default true). */
  server?: boolean;
  /** The lesson needs Redis (`REDIS_URL` is then set for the server). */
  redis?: boolean;
  /** Timer overrides for this lesson. */
  timers?: Partial<Timers>;
  /** How long the whole check may take on the reference solution (ms, default 5000); `labs dev check` holds it to that. */
  budget?: number;
  /** Extra environment variables the lesson teaches the server to read (e.g. `ALLOWED_ORIGINS`). */
  env?: Record<string, string>;
  steps: Step[];
}

/**
 * Thrown by a step that cannot run here (no Chromium for a browser step): the
 * harness reports it as `skipped` with this message, never as passed, and the
 * steps after it still run. A lesson whose only non-passing steps are skipped passes.
 */
export class SkipStep extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = "SkipStep";
  }
}

/** Identity helper that gives a checker file its types. */
export function defineChecker(checker: LessonChecker): LessonChecker {
  return checker;
}
