/**
 * `labs bench`: how many WebSockets or SSE streams the learner's own server
 * holds, what each costs it, and how long one task change takes to reach all of
 * them. The server is started the way `labs check` starts it (the same build,
 * sandbox, allow-listed environment and teardown: `checkLesson` with the
 * lesson's own settings and Redis), then the bench's own steps run in place of
 * the lesson's: they open the clients through the checkers' helpers (the SSE
 * route, the WebSocket path and session cookie, the join), measure the servers
 * from /proc, create one task and time its event at every client.
 *
 * Everything is bounded: clients in count (at most MAX_CONNECTIONS) and in
 * handshakes at a time (CONCURRENCY per instance), the opening by a deadline, every
 * wait by a timeout; only loopback addresses are used.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { StepResult } from "../checks/results.ts";
import { openBoardStream, sseData, sseTaskEvent, taskEventOf } from "../checks/scaling-steps.ts";
import { openSse } from "../checks/sse-client.ts";
import { createTask, pick, taskTitleOf } from "../checks/taskboard.ts";
import type { Logger } from "../checks/transcript.ts";
import type {
  LessonChecker,
  ServerHandle,
  SseClient,
  SseEvent,
  Step,
  StepContext,
  Timers,
  WsClient,
} from "../checks/types.ts";
import { openWs } from "../checks/ws-client.ts";
import { ALICE, joinBoard, openSocket, sessionCookie } from "../checks/ws-steps.ts";
import type { Course, Lesson } from "../course/manifest.ts";
import { checkLesson } from "../course/run-lessons.ts";
import { LearnerError, type LearnerErrorCode } from "../errors.ts";
import { NODE_ARGS } from "../runner/build.ts";
import { MEMORY_LIMIT_MB } from "../runner/cage.ts";
import { describePlatform, hasProcfs } from "../runner/platform.ts";
import { makeTempDir, removeTempDir } from "../runner/teardown.ts";
import {
  ephemeralPorts,
  type FileLimit,
  fileLimitOf,
  fmtLimit,
  inMemoryCage,
  openFiles,
  type ProcessSample,
  type RaisedLimit,
  raiseRunnerFileLimit,
  sampleProcesses,
} from "./limits.ts";

export type Transport = "ws" | "sse";

/**
 * Where each transport starts to carry task changes in the course, by slug (numbers
 * move when lessons are inserted): earlier lessons may have the endpoint, but no event
 * would come for the bench to time.
 */
export const TRANSPORTS = {
  ws: { since: "rooms-and-broadcasting", one: "WebSocket", many: "WebSockets" },
  sse: { since: "building-an-sse-endpoint", one: "SSE stream", many: "SSE streams" },
} as const;

/** The course's own estimate, printed beside what the learner measured. */
export const COURSE_FIGURES = {
  perConnection: "a few KB of memory and one file descriptor per connection",
  perServer: "roughly 10,000-50,000 concurrent connections per Node server",
};

export const DEFAULT_CONNECTIONS = 10_000;
export const MAX_CONNECTIONS = 50_000;
/**
 * Handshakes in flight at once, per instance (and as many joins): enough that the
 * servers always have work queued, well below Node's default listen backlog (511), so
 * no connection attempt is dropped and retried a second later.
 */
export const CONCURRENCY = 250;
/** How long the opening may take before the bench stops and reports what it reached (ms). */
export const DEFAULT_DEADLINE_MS = 60_000;
/** The board every client follows and the list the timed task is created on (the course's seed). */
const BOARD = "board-1";
const LIST = "list-todo";
/** Descriptors the runner keeps for itself beyond one per client (HTTP, Redis, builds, pipes). */
const RESERVE_FDS = 200;
/** Local ports kept free per server port, for everything else on the machine. */
const RESERVE_PORTS = 1000;
/** Failed handshakes in a row after which the bench stops opening (the server is not taking any). */
const FAILURES_IN_A_ROW = 200;

/**
 * The timers a server gets under `npm run dev` (the course's defaults, lessons/PROJECT.md),
 * not the short ones of a check: a bench of idle connections should not be busy with
 * heartbeats every half second.
 */
export const BENCH_TIMERS: Timers = {
  LONG_POLL_TIMEOUT_MS: 30_000,
  SSE_HEARTBEAT_MS: 15_000,
  WS_HEARTBEAT_MS: 30_000,
  PRESENCE_TTL_MS: 30_000,
};

const PROBE_URL = pathToFileURL(
  join(fileURLToPath(new URL(".", import.meta.url)), "child", "heap-probe.mjs"),
).href;

const QUIET: Logger = {
  actor: "bench",
  info() {},
  send() {},
  recv() {},
  pass() {},
  curl() {},
};

/** What will be run: decided before any server starts. */
export interface BenchPlan {
  lesson: Lesson;
  transport: Transport;
  /** How many connections were asked for. */
  requested: number;
  /** How many will be opened (after the caps). */
  connections: number;
  /** 2 for a lesson whose checker runs servers A and B on one Redis. */
  instances: number;
  /** Why `connections` is below `requested`, each with what raises it. */
  caps: string[];
  runnerLimit: RaisedLimit;
  ephemeralPorts?: number;
  deadlineMs: number;
}

/** Latency figures of one group of clients, in ms from the moment the request was sent. */
export interface Latency {
  clients: number;
  received: number;
  p50?: number;
  p99?: number;
  last?: number;
}

/** One instance of the learner's server, as the report shows it. */
export interface InstanceReport {
  name: string;
  port: number;
  pids: number[];
  clients: number;
  fileLimit?: number;
  memoryCapMiB?: number;
  before: Measure;
  after: Measure;
  latency?: Latency;
}

/** What one instance used at one moment. */
export interface Measure {
  rss?: number;
  fds?: number;
  heapUsed?: number;
  /** CPU time used so far by all its processes (ms). */
  cpuMs?: number;
}

/** Everything a bench run found; printed by render.ts or as JSON. */
export interface BenchReport {
  lesson: { number: number; slug: string; title: string };
  transport: Transport;
  /** What each client opened: `GET /ws, then join board-1` or `GET /boards/board-1/events`. */
  endpoint: string;
  requested: number;
  target: number;
  caps: string[];
  limits: {
    runner?: FileLimit;
    runnerNote: string;
    ephemeralPorts?: number;
    serverHeapMB?: number;
  };
  open: {
    opened: number;
    failed: number;
    /** Time spent opening (ms), the warm-up's measurement excluded. */
    durationMs: number;
    perSecond: number;
    failures: { reason: string; count: number; example: string }[];
    stoppedBy?: "deadline" | "failures" | "server";
    /** Connections opened in each `bucketMs` of opening time. */
    timeline: number[];
    bucketMs: number;
    warmup: number;
    /** CPU time spent while the measured connections opened (ms): your servers' and the runner's clients'. */
    cpu: {
      serverMs?: number;
      serverPerConnection?: number;
      runnerMs: number;
      runnerPerConnection?: number;
    };
  };
  memory: {
    measurable: boolean;
    why?: string;
    /** Connections the growth is divided by (those opened after the warm-up). */
    measured: number;
    rssGrowth?: number;
    rssPerConnection?: number;
    heapGrowth?: number;
    heapPerConnection?: number;
    fdGrowth?: number;
    fdsPerConnection?: number;
  };
  broadcast?: {
    trigger: string;
    taskTitle: string;
    responseMs?: number;
    waitedMs: number;
    clients: number;
    received: number;
    missed: number;
    missedBecause: { reason: string; count: number }[];
    p50?: number;
    p99?: number;
    last?: number;
    histogram: { fromMs: number; toMs: number; count: number }[];
  };
  instances: InstanceReport[];
  redis?: { url: string; owned: boolean };
  notes: string[];
  failure?: { step: string; title: string; message: string; details: string[]; hint: string };
  course: typeof COURSE_FIGURES;
  complete: boolean;
  durationMs: number;
}

function lessonBySlug(course: Course, slug: string): Lesson | undefined {
  return course.lessons.find((l) => l.slug === slug);
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * Decides the transport and the number of connections for `lesson`, or refuses a
 * lesson whose server streams nothing yet. Raises the runner's own soft file
 * limit where it can, and caps the count by that limit and by the local ports.
 */
export function planBench(
  course: Course,
  lesson: Lesson,
  checker: Pick<LessonChecker, "server" | "redis">,
  opts: { transport?: Transport; connections?: number; deadlineMs?: number },
): BenchPlan {
  const from = (t: Transport) => lessonBySlug(course, TRANSPORTS[t].since);
  const has = (t: Transport) => {
    const first = from(t);
    return first !== undefined && lesson.number >= first.number && checker.server !== false;
  };
  const wsFrom = from("ws");
  const sseFrom = from("sse");
  const name = (l?: Lesson) => (l ? `lesson ${l.number} (${l.title})` : "a later lesson");
  let transport = opts.transport;
  if (!transport) {
    transport = has("ws") ? "ws" : has("sse") ? "sse" : undefined;
    if (!transport) {
      throw new LearnerError(
        "USAGE",
        `Lesson ${lesson.number} (${lesson.title}): its server has no SSE stream or WebSocket that carries task changes yet, so there is nothing to measure.`,
        {
          hint: `SSE streams carry them from ${name(sseFrom)} on, WebSockets from ${name(wsFrom)} on: \`npm run labs -- bench ${wsFrom?.number ?? sseFrom?.number ?? ""} --solution\`.`,
        },
      );
    }
  } else if (!has(transport)) {
    const first = from(transport);
    const other: Transport = transport === "ws" ? "sse" : "ws";
    throw new LearnerError(
      "USAGE",
      `Lesson ${lesson.number} (${lesson.title}): its server has no ${TRANSPORTS[transport].one} that carries task changes yet; they come with ${name(first)}.`,
      {
        hint: has(other)
          ? `Measure its ${TRANSPORTS[other].many} instead: \`npm run labs -- bench ${lesson.number} --${other}\`, or a lesson that has them: \`npm run labs -- bench ${first?.number ?? ""} --${transport}\`.`
          : `Name a lesson that has them: \`npm run labs -- bench ${first?.number ?? ""} --${transport}\`.`,
      },
    );
  }
  const requested = opts.connections ?? DEFAULT_CONNECTIONS;
  const instances = checker.redis ? 2 : 1;
  const caps: string[] = [];
  let connections = requested;
  const runnerLimit = raiseRunnerFileLimit();
  const soft = runnerLimit.limit?.soft;
  if (soft !== undefined && Number.isFinite(soft)) {
    const room = soft - (openFiles("self") ?? 64) - RESERVE_FDS;
    if (connections > room) {
      connections = Math.max(0, room);
      caps.push(
        `The runner may open ${fmtLimit(soft)} files (\`ulimit -n\`) and needs one per client, plus ${RESERVE_FDS} of its own: at most ${fmt(connections)} clients here. Your servers inherit the same limit. To go higher, raise it in the shell you run the bench from: \`ulimit -n 65536\` (above the hard limit only as root: \`sudo prlimit --pid $$ --nofile=65536:65536\`).`,
      );
    }
  }
  const ports = ephemeralPorts();
  if (ports !== undefined) {
    const room = Math.max(0, ports - RESERVE_PORTS) * instances;
    if (connections > room) {
      connections = room;
      caps.push(
        `Connections from 127.0.0.1 to one server port can use ${fmt(ports)} local ports (net.ipv4.ip_local_port_range), ${RESERVE_PORTS} of them kept free: at most ${fmt(room)} with ${instances === 1 ? "one instance" : `${instances} instances`}. A wider range raises it: \`sudo sysctl -w net.ipv4.ip_local_port_range="1024 65535"\`.`,
      );
    }
  }
  if (connections < 1) {
    throw new LearnerError(
      "USAGE",
      "This machine leaves the runner no room for a single connection.",
      {
        details: caps,
        hint: "Raise the open-file limit (`ulimit -n 65536`) and run the bench again.",
      },
    );
  }
  return {
    lesson,
    transport,
    requested,
    connections,
    instances,
    caps,
    runnerLimit,
    ephemeralPorts: ports,
    deadlineMs: opts.deadlineMs ?? DEFAULT_DEADLINE_MS,
  };
}

/** A client the bench opened: the socket or stream, and the instance it talks to. */
interface BenchClient {
  instance: number;
  ws?: WsClient;
  sse?: SseClient;
}

/** Every client the bench opened, so that each is closed however the run ends. */
class ClientRegistry {
  private readonly all = new Set<WsClient | SseClient>();
  private closed = false;

  add(client: WsClient | SseClient): void {
    if (this.closed) close(client);
    else this.all.add(client);
  }

  drop(client: WsClient | SseClient): void {
    close(client);
    this.all.delete(client);
  }

  closeAll(): void {
    this.closed = true;
    for (const client of this.all) close(client);
    this.all.clear();
  }

  get size(): number {
    return this.all.size;
  }
}

function close(client: WsClient | SseClient): void {
  try {
    if ("terminate" in client) client.terminate();
    else client.close();
  } catch {
    // closing must not stop the others from closing
  }
}

/**
 * The step context with `ws` and `sse` that open clients without a transcript line
 * each (ten thousand would drown it) and register them for closing. Everything else
 * (login, http, state, servers) is the check's own, so the helpers work unchanged.
 */
function quietContext(h: StepContext, clients: ClientRegistry, timeout: () => number): StepContext {
  const ws: StepContext["ws"] = async (path = "/ws", o = {}) => {
    const server = o.server ?? h.server;
    const client = await openWs(`${server.wsUrl}${path}`, {
      name: o.name ?? "ws",
      logger: QUIET,
      cookie: o.cookie,
      origin: o.origin,
      headers: o.headers,
      autoPong: o.autoPong,
      timeout: o.timeout ?? timeout(),
    });
    clients.add(client);
    return client;
  };
  const sse: StepContext["sse"] = async (path, o = {}) => {
    const server = o.server ?? h.server;
    const client = await openSse(`${server.url}${path}`, {
      name: o.name ?? "sse",
      logger: QUIET,
      lastEventId: o.lastEventId,
      headers: o.headers,
      timeout: o.timeout ?? timeout(),
    });
    clients.add(client);
    return client;
  };
  return Object.create(h, { ws: { value: ws }, sse: { value: sse } }) as StepContext;
}

/** Asks the heap probe in the server listening on `port` for its memory; undefined when none answers. */
async function heapOf(dir: string, port: number, ms = 3000): Promise<number | undefined> {
  const seq = randomBytes(4).toString("hex");
  const answer = join(dir, `${port}.json`);
  try {
    writeFileSync(join(dir, `${port}.request`), seq);
  } catch {
    return undefined;
  }
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (existsSync(answer)) {
      try {
        const body = JSON.parse(readFileSync(answer, "utf8")) as {
          seq?: string;
          heapUsed?: number;
        };
        if (body.seq === seq && typeof body.heapUsed === "number") return body.heapUsed;
      } catch {
        // half written: read again
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/** A failure to open a client, reduced to a reason that groups alike failures. */
export function reasonOf(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  const code = /\b(E[A-Z]{4,})\b/.exec(message)?.[1];
  if (code === "ECONNRESET") return "ECONNRESET: the server reset the connection";
  if (code === "ECONNREFUSED" || /connection refused/.test(message))
    return "ECONNREFUSED: nothing listened any more";
  if (code === "EMFILE") return "EMFILE: the runner ran out of file descriptors";
  if (code === "EADDRNOTAVAIL") return "EADDRNOTAVAIL: no local port left";
  if (code) return code;
  if (/socket hang up/i.test(message)) return "socket hang up: the server closed the connection";
  const status = /answered (\d{3})/.exec(message)?.[1];
  if (status) return `the server answered ${status}`;
  if (/Invalid JSON/.test(message)) return "no answer to the join";
  if (/within \d+ ms|no answer|no response headers|waited \d+ ms/.test(message))
    return "no answer in time";
  if (/closed|ended/.test(message)) return "the server closed it";
  return message.replace(/^\[[^\]]*\]\s*/, "").slice(0, 80);
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

function latencyOf(values: (number | undefined)[]): Latency {
  const got = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return {
    clients: values.length,
    received: got.length,
    p50: quantile(got, 0.5),
    p99: quantile(got, 0.99),
    last: got.at(-1),
  };
}

/** A round bucket width that splits 0..max into about `n` bars. */
function bucketWidth(max: number, n: number): number {
  const raw = Math.max(1, max / n);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * pow) return m * pow;
  return 10 * pow;
}

/** Counts of `values` in about `n` equal, round buckets, from the one that holds the smallest. */
export function histogram(
  values: number[],
  n = 10,
): { fromMs: number; toMs: number; count: number }[] {
  if (values.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let width = bucketWidth(max - min + 1, n);
  let start = Math.floor(min / width) * width;
  // Rounding the start down can add a bucket; widen once when it pushes past n.
  if (Math.floor((max - start) / width) + 1 > n) {
    width = bucketWidth(max - start + 1, n);
    start = Math.floor(min / width) * width;
  }
  const buckets = Math.floor((max - start) / width) + 1;
  const counts = new Array<number>(buckets).fill(0);
  for (const v of values) counts[Math.min(buckets - 1, Math.floor((v - start) / width))]++;
  return counts.map((count, i) => ({
    fromMs: start + i * width,
    toMs: start + (i + 1) * width,
    count,
  }));
}

/** What the bench's steps find, filled in as they run (a failing step leaves the rest unset). */
interface BenchState {
  plan: BenchPlan;
  probeDir: string;
  clients: ClientRegistry;
  ready: BenchClient[];
  servers: ServerHandle[];
  failures: Map<string, { count: number; example: string }>;
  inARow: number;
  stoppedBy?: BenchReport["open"]["stoppedBy"];
  /** Completion times of the opened clients, in ms of opening time. */
  openedAt: number[];
  openMs: number;
  warmup: number;
  deadline: number;
  before: Measure[];
  after: Measure[];
  samples: { before: ProcessSample[]; after: ProcessSample[] };
  /** Read while the servers run: their processes, open-file limit and memory cage. */
  info: { pids: number[]; fileLimit?: number; caged: boolean }[];
  heapWorks: boolean;
  /** The runner's own CPU time while the measured connections opened (ms). */
  runnerCpuMs: number;
  broadcast?: BenchReport["broadcast"];
  latencies: (number | undefined)[];
  redis?: { url: string; owned: boolean };
  onProgress?: (opened: number, target: number) => void;
}

/** Samples every instance: the probe's heap first (it collects garbage), then RSS and descriptors. */
async function measure(s: BenchState, into: "before" | "after"): Promise<void> {
  const heaps = s.heapWorks
    ? await Promise.all(s.servers.map((server) => heapOf(s.probeDir, server.port)))
    : s.servers.map(() => undefined);
  if (heaps.some((x) => x === undefined)) s.heapWorks = false;
  const pids = s.servers.map((server) => server.pids());
  const samples = pids.map((list) => sampleProcesses(list));
  s.samples[into] = samples;
  s.info = samples.map((sample, i) => {
    const known = s.info[i];
    const main = sample.main;
    return {
      pids: pids[i]!.length ? pids[i]! : (known?.pids ?? []),
      fileLimit: (main !== undefined ? fileLimitOf(main)?.soft : undefined) ?? known?.fileLimit,
      caged: (main !== undefined && inMemoryCage(main)) || Boolean(known?.caged),
    };
  });
  s[into] = samples.map((sample, i) => ({
    rss: sample.rss,
    fds: sample.fds,
    heapUsed: s.heapWorks ? heaps[i] : undefined,
    cpuMs: sample.cpuMs,
  }));
}

/** Opens clients `from` .. `to` - 1, at most CONCURRENCY at a time, until done, the deadline or a stop. */
async function openRange(
  q: StepContext,
  s: BenchState,
  from: number,
  to: number,
  signal: AbortSignal,
): Promise<void> {
  const started = performance.now();
  const offset = s.openMs;
  const stop = (): boolean => {
    if (signal.aborted) s.stoppedBy ??= "server";
    else if (performance.now() >= s.deadline) s.stoppedBy ??= "deadline";
    else if (s.inARow >= FAILURES_IN_A_ROW) s.stoppedBy ??= "failures";
    else if (s.servers.some((server) => !server.alive)) s.stoppedBy ??= "server";
    return s.stoppedBy !== undefined;
  };
  const failed = (error: unknown) => {
    const reason = reasonOf(error);
    const seen = s.failures.get(reason);
    if (seen) seen.count++;
    else s.failures.set(reason, { count: 1, example: (error as Error)?.message ?? String(error) });
    s.inARow++;
  };
  const opened = (client: BenchClient) => {
    s.ready.push(client);
    s.openedAt.push(offset + performance.now() - started);
    s.inARow = 0;
  };
  // A socket leaves its handshake slot as soon as it is open; its join is awaited in a
  // pool of its own (as bounded), so the servers always have handshakes to work on.
  let handshakes = 0;
  let joins = 0;
  let next = from;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const most = CONCURRENCY * s.servers.length;
      while (handshakes < most && joins < most && next < to && !stop()) {
        const i = next++;
        const instance = i % s.servers.length;
        const server = s.servers[instance]!;
        handshakes++;
        if (s.plan.transport === "sse") {
          void openBoardStream(q, BOARD, { server, name: `sse-${i + 1}` })
            .then((sse) => opened({ instance, sse }), failed)
            .finally(() => {
              handshakes--;
              pump();
            });
          continue;
        }
        void openSocket(q, `ws-${i + 1}`, { server })
          .then((ws) => {
            joins++;
            // The `joined` answer (the rooms-and-broadcasting contract) says the socket is in the room.
            void joinBoard(ws, BOARD, 5000)
              .then(
                () => opened({ instance, ws }),
                (error: unknown) => {
                  s.clients.drop(ws);
                  failed(error);
                },
              )
              .finally(() => {
                joins--;
                pump();
              });
          }, failed)
          .finally(() => {
            handshakes--;
            pump();
          });
      }
      if (handshakes === 0 && joins === 0) resolve();
    };
    pump();
  });
  s.openMs = offset + performance.now() - started;
}

/** The bench's steps, run by the harness in place of the lesson's (after `server-starts`). */
function benchSteps(s: BenchState): Step[] {
  const { plan } = s;
  const kind = TRANSPORTS[plan.transport];
  const steps: Step[] = [];
  if (plan.instances === 2) {
    steps.push({
      slug: "second-instance",
      title: "server B starts beside your server, sharing its Redis",
      hint: "Server B is your server again, with its own PORT and DATABASE_PATH and the same REDIS_URL: `npm run labs -- check scaling-real-time` says what keeps it from starting.",
      timeout: 15_000,
      run: async (h) => {
        await h.startServer("server B");
      },
    });
  }
  steps.push({
    slug: "open",
    title: `open ${fmt(plan.connections)} ${kind.many}, ${CONCURRENCY * plan.instances} handshakes at a time (at most ${Math.round(plan.deadlineMs / 1000)} s)`,
    hint: "Your server stopped while the bench opened connections: its last lines above say why. A server that runs out of memory or file descriptors under many connections shows it here; try fewer with --connections.",
    timeout: plan.deadlineMs + 20_000,
    run: async (h) => {
      const signal = h.signal;
      s.servers = h.servers.slice(0, plan.instances);
      s.redis = h.redis ? { url: h.redis.url, owned: Boolean(h.redis.owned) } : undefined;
      h.onTeardown(() => s.clients.closeAll());
      const q = quietContext(h, s.clients, () =>
        Math.max(1000, Math.min(10_000, s.deadline - performance.now())),
      );
      // One login per instance; every socket of that instance shares the session.
      if (plan.transport === "ws") {
        for (const server of s.servers) await sessionCookie(h, ALICE, server);
      }
      s.deadline = performance.now() + plan.deadlineMs;
      const progress = s.onProgress
        ? setInterval(() => s.onProgress?.(s.ready.length, plan.connections), 250)
        : undefined;
      try {
        s.warmup = Math.min(100, Math.max(1, Math.floor(plan.connections / 20)));
        if (plan.connections - s.warmup < 1) s.warmup = 0;
        await openRange(q, s, 0, s.warmup, signal);
        await measure(s, "before");
        const cpu = process.cpuUsage();
        await openRange(q, s, s.warmup, plan.connections, signal);
        const used = process.cpuUsage(cpu);
        s.runnerCpuMs = (used.user + used.system) / 1000;
        s.onProgress?.(s.ready.length, plan.connections);
        // Let the last handshakes' garbage and buffers settle before reading memory.
        await h.sleep(300);
        await measure(s, "after");
      } finally {
        if (progress) clearInterval(progress);
      }
    },
  });
  steps.push({
    slug: "broadcast",
    title: "one task_created reaches every client",
    hint: "Creating the task failed, or your server stopped: the lines above say which. `npm run labs -- check` on this lesson finds what the bench cannot.",
    timeout: 30_000,
    run: async (h) => {
      const clients = s.ready;
      if (clients.length === 0) return;
      const title = `bench ${randomBytes(4).toString("hex")}`;
      const waitMs = Math.round(5000 + clients.length / 10);
      const isOurs = (value: unknown, type: string | undefined) =>
        type === "task_created" && taskTitleOf(pick(value, "task")) === title;
      const wsMatch = (m: unknown) => isOurs(m, taskEventOf(m)?.type);
      const sseMatch = (e: SseEvent) => isOurs(sseData(e), sseTaskEvent(e)?.type);
      const missed = new Map<string, number>();
      const arrived: (number | undefined)[] = new Array(clients.length).fill(undefined);
      // Every client waits before the request goes: an event may beat the response.
      const waits = clients.map((c, i) =>
        (c.ws
          ? c.ws.next(wsMatch, { timeout: waitMs, what: "the task_created event" })
          : c.sse!.next(sseMatch, { timeout: waitMs, what: "the task_created event" })
        ).then(
          () => {
            arrived[i] = performance.now();
          },
          (error: unknown) => {
            const reason = /waited/.test((error as Error)?.message ?? "")
              ? `nothing within ${fmt(waitMs)} ms`
              : "the connection closed before it came";
            missed.set(reason, (missed.get(reason) ?? 0) + 1);
          },
        ),
      );
      const t0 = performance.now();
      let responseMs: number | undefined;
      const where = s.servers[0]!.name;
      try {
        await createTask(h, { listId: LIST, title });
        responseMs = performance.now() - t0;
      } finally {
        await Promise.all(waits);
        s.latencies = arrived.map((t) => (t === undefined ? undefined : t - t0));
        const all = latencyOf(s.latencies);
        const received = s.latencies.filter((v): v is number => v !== undefined);
        s.broadcast = {
          trigger: `POST /tasks on ${where}`,
          taskTitle: title,
          responseMs: responseMs === undefined ? undefined : round(responseMs),
          waitedMs: waitMs,
          clients: clients.length,
          received: all.received,
          missed: clients.length - all.received,
          missedBecause: [...missed].map(([reason, count]) => ({ reason, count })),
          p50: roundOpt(all.p50),
          p99: roundOpt(all.p99),
          last: roundOpt(all.last),
          histogram: histogram(received),
        };
      }
    },
  });
  return steps;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function roundOpt(n: number | undefined): number | undefined {
  return n === undefined ? undefined : round(n);
}

function hundredths(n: number | undefined): number | undefined {
  return n === undefined ? undefined : Math.round(n * 100) / 100;
}

/** Per connection, or undefined when either end is unknown. */
function per(growth: number | undefined, n: number): number | undefined {
  return growth === undefined || n <= 0 ? undefined : growth / n;
}

function sum(values: (number | undefined)[]): number | undefined {
  return values.some((v) => v === undefined)
    ? undefined
    : values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

/**
 * Runs the bench on `workspace`: starts the servers as `labs check` does (with the
 * lesson's Redis and settings), runs the bench's steps, and always tears down.
 * `onStep` hears each step's result, `onProgress` the opened count while opening.
 */
export async function runBench(
  plan: BenchPlan,
  opts: {
    workspace: string;
    env: NodeJS.ProcessEnv;
    onStep?: (result: StepResult) => void;
    onProgress?: (opened: number, target: number) => void;
  },
): Promise<BenchReport> {
  const t0 = performance.now();
  const probeDir = await makeTempDir("labs-bench-");
  const s: BenchState = {
    plan,
    probeDir,
    clients: new ClientRegistry(),
    ready: [],
    servers: [],
    failures: new Map(),
    inARow: 0,
    openedAt: [],
    openMs: 0,
    warmup: 0,
    deadline: Number.POSITIVE_INFINITY,
    before: [],
    after: [],
    samples: { before: [], after: [] },
    info: [],
    heapWorks: true,
    runnerCpuMs: 0,
    latencies: [],
    onProgress: opts.onProgress,
  };
  let result: Awaited<ReturnType<typeof checkLesson>>;
  try {
    result = await checkLesson(plan.lesson, {
      workspace: opts.workspace,
      env: opts.env,
      monitorRedis: false,
      reporter: { onStepResult: (_lesson, r) => opts.onStep?.(r) },
      adaptChecker: (checker) => ({
        server: true,
        redis: checker.redis,
        timers: BENCH_TIMERS,
        env: {
          ...checker.env,
          NODE_OPTIONS: `--import=${PROBE_URL}`,
          LABS_BENCH_PROBE: probeDir,
        },
        steps: benchSteps(s),
      }),
    });
  } finally {
    s.clients.closeAll();
    await removeTempDir(probeDir);
  }
  if (result.status === "error" && result.error && result.steps.length === 0) {
    throw new LearnerError(result.error.code as LearnerErrorCode, result.error.message, {
      hint: result.error.hint,
      details: result.error.details,
    });
  }
  return buildReport(s, result.steps, performance.now() - t0);
}

function buildReport(s: BenchState, steps: StepResult[], durationMs: number): BenchReport {
  const { plan } = s;
  const failed = steps.find((st) => st.status === "fail" || st.status === "error");
  const opened = s.ready.length;
  const failedCount = [...s.failures.values()].reduce((a, f) => a + f.count, 0);
  const measured = Math.max(0, opened - s.warmup);
  const notes: string[] = [];
  const instances: InstanceReport[] = s.servers.map((server, i) => {
    const info = s.info[i];
    const clients = s.ready.filter((c) => c.instance === i).length;
    return {
      name: server.name,
      port: server.port,
      pids: info?.pids ?? [],
      clients,
      fileLimit: info?.fileLimit,
      memoryCapMiB: info?.caged ? MEMORY_LIMIT_MB : undefined,
      before: s.before[i] ?? {},
      after: s.after[i] ?? {},
      latency:
        s.latencies.length && s.servers.length > 1
          ? latencyOf(s.latencies.filter((_, j) => s.ready[j]?.instance === i))
          : undefined,
    };
  });
  for (const inst of instances) {
    if (inst.latency) {
      inst.latency.p50 = roundOpt(inst.latency.p50);
      inst.latency.p99 = roundOpt(inst.latency.p99);
      inst.latency.last = roundOpt(inst.latency.last);
    }
  }
  const growth = (key: keyof Measure) =>
    sum(instances.map((inst) => sub(inst.after[key], inst.before[key])));
  const rssGrowth = growth("rss");
  const heapGrowth = growth("heapUsed");
  const fdGrowth = growth("fds");
  const serverCpu = growth("cpuMs");
  const measurable = hasProcfs();
  // What stopped the opening, where it can be told.
  if (failedCount > 0) {
    for (const inst of instances) {
      const fds = inst.after.fds ?? inst.before.fds;
      if (inst.fileLimit !== undefined && fds !== undefined && fds >= inst.fileLimit - 64) {
        notes.push(
          `${capitalise(inst.name)} holds ${fmt(fds)} descriptors against its limit of ${fmtLimit(inst.fileLimit)}: the failed connections are what its EMFILE looks like from outside (resets and hang-ups). The servers inherit the runner's limit: raise it with \`ulimit -n\` in the shell you start the bench from.`,
        );
      }
    }
    if (s.failures.has("EMFILE: the runner ran out of file descriptors"))
      notes.push("The runner itself ran out of descriptors: raise `ulimit -n` and run again.");
    if (s.failures.has("EADDRNOTAVAIL: no local port left"))
      notes.push(
        "The loopback ran out of local ports (net.ipv4.ip_local_port_range); connections closed a moment ago wait in TIME_WAIT before their ports are free again.",
      );
  }
  if (s.stoppedBy === "deadline")
    notes.push(
      `The opening stopped at its deadline (${Math.round(plan.deadlineMs / 1000)} s) with ${fmt(opened)} of ${fmt(plan.connections)} open: the figures are for those.`,
    );
  if (s.stoppedBy === "failures")
    notes.push(
      `The opening stopped after ${FAILURES_IN_A_ROW} failed handshakes in a row: your server was taking no more.`,
    );
  if (rssGrowth !== undefined && measured > 0 && measured < 1000)
    notes.push(
      `With ${fmt(measured)} connections measured, RSS growth is mostly noise (memory is taken and given back in pages, and garbage collection moves it); the JS heap and the descriptors are steadier. Take 1,000 or more for a figure to compare.`,
    );
  if (!s.heapWorks && s.servers.length)
    notes.push(
      "The JS heap could not be read (the server did not answer the bench's probe): RSS only.",
    );
  const bucketMs = bucketWidth(Math.max(1, s.openMs), 40);
  const timeline = new Array<number>(Math.max(1, Math.ceil(s.openMs / bucketMs))).fill(0);
  for (const at of s.openedAt) timeline[Math.min(timeline.length - 1, Math.floor(at / bucketMs))]++;
  const heapMB = /--max-old-space-size=(\d+)/.exec(NODE_ARGS.join(" "))?.[1];
  return {
    lesson: { number: plan.lesson.number, slug: plan.lesson.slug, title: plan.lesson.title },
    transport: plan.transport,
    endpoint:
      plan.transport === "ws" ? `GET /ws, then join ${BOARD}` : `GET /boards/${BOARD}/events`,
    requested: plan.requested,
    target: plan.connections,
    caps: plan.caps,
    limits: {
      runner: plan.runnerLimit.limit,
      runnerNote: plan.runnerLimit.note,
      ephemeralPorts: plan.ephemeralPorts,
      serverHeapMB: heapMB ? Number(heapMB) : undefined,
    },
    open: {
      opened,
      failed: failedCount,
      durationMs: Math.round(s.openMs),
      perSecond: s.openMs > 0 ? Math.round((opened / s.openMs) * 1000) : 0,
      failures: [...s.failures]
        .map(([reason, f]) => ({ reason, count: f.count, example: f.example }))
        .sort((a, b) => b.count - a.count),
      stoppedBy: s.stoppedBy,
      timeline,
      bucketMs,
      warmup: s.warmup,
      cpu: {
        serverMs: roundOpt(serverCpu),
        serverPerConnection: hundredths(per(serverCpu, measured)),
        runnerMs: Math.round(s.runnerCpuMs),
        runnerPerConnection: hundredths(per(s.runnerCpuMs, measured)),
      },
    },
    memory: {
      measurable,
      why: measurable
        ? undefined
        : `not measurable here: the runner reads a server's memory and descriptors from /proc, and this is ${describePlatform()}`,
      measured,
      rssGrowth,
      rssPerConnection: per(rssGrowth, measured),
      heapGrowth,
      heapPerConnection: per(heapGrowth, measured),
      fdGrowth,
      fdsPerConnection: per(fdGrowth, measured),
    },
    broadcast: s.broadcast,
    instances,
    redis: s.redis,
    notes,
    failure: failed
      ? {
          step: failed.slug,
          title: failed.title,
          message: failed.message ?? "failed",
          details: failed.details ?? [],
          hint: failed.hint,
        }
      : undefined,
    course: COURSE_FIGURES,
    complete:
      !failed &&
      opened === plan.connections &&
      s.broadcast !== undefined &&
      s.broadcast.missed === 0,
    durationMs: Math.round(durationMs),
  };
}

function sub(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
