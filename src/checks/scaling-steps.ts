/**
 * Helpers shared by the checkers of labs 14-16 (pub/sub, presence, scaling): loading
 * a module the learner wrote, reading task events off SSE streams and WebSockets,
 * joining boards, reading presence, and cutting a run's servers off Redis.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { check, fail, show } from "./assert.ts";
import { isObject, type Json, pick } from "./taskboard.ts";
import type { Logger } from "./transcript.ts";
import type { ServerHandle, SseClient, SseEvent, StepContext, WsClient } from "./types.ts";

/** The three task event types of the course. */
export const TASK_EVENT_TYPES = ["task_created", "task_moved", "task_deleted"] as const;

/** A task event reduced to what the checks compare: its type and the task it is about. */
export interface TaskEvent {
  type: string;
  taskId: string;
  /** The task's list for created/moved events (`listId` or `list_id`). */
  listId?: string;
}

/** Reads `{ type, task }` or `{ type, taskId }` (a WebSocket message, SSE data); undefined otherwise. */
export function taskEventOf(value: unknown, type = pick(value, "type")): TaskEvent | undefined {
  if (!isObject(value) || typeof type !== "string") return undefined;
  if (!(TASK_EVENT_TYPES as readonly string[]).includes(type)) return undefined;
  const task = value.task;
  if (isObject(task) && typeof task.id === "string") {
    const listId = pick(task, "listId", "list_id");
    return { type, taskId: task.id, ...(typeof listId === "string" ? { listId } : {}) };
  }
  const taskId = pick(value, "taskId", "task_id");
  return typeof taskId === "string" ? { type, taskId } : undefined;
}

/** The data of an SSE event parsed as JSON, or undefined when it is not JSON. */
export function sseData(e: SseEvent): unknown {
  try {
    return JSON.parse(e.data);
  } catch {
    return undefined;
  }
}

/** The task event an SSE frame carries: typed by its `event:` name, or by `type` in its data. */
export function sseTaskEvent(e: SseEvent): TaskEvent | undefined {
  const data = sseData(e);
  const named = e.event !== "message" ? e.event : pick(data, "type");
  return taskEventOf(data, named);
}

/** `type:taskId`, how event sequences are compared and shown. */
export function eventKey(e: TaskEvent): string {
  return `${e.type}:${e.taskId}`;
}

/** Something that receives task events: an SSE stream or a WebSocket. */
export interface Receiver {
  readonly name: string;
  /** Task events received from index `from` of the raw list on. */
  taskEvents(from?: number): TaskEvent[];
  /** How many raw items (events or messages) have come so far. */
  readonly mark: number;
}

/** A receiver view of an SSE stream. */
export function sseReceiver(sse: SseClient): Receiver {
  return {
    name: sse.name,
    get mark() {
      return sse.events.length;
    },
    taskEvents: (from = 0) =>
      sse.events.slice(from).flatMap((e) => {
        const t = sseTaskEvent(e);
        return t ? [t] : [];
      }),
  };
}

/** A receiver view of a WebSocket. */
export function wsReceiver(ws: WsClient): Receiver {
  return {
    name: ws.name,
    get mark() {
      return ws.messages.length;
    },
    taskEvents: (from = 0) =>
      ws.messages.slice(from).flatMap((m) => {
        const t = taskEventOf(m);
        return t ? [t] : [];
      }),
  };
}

/** Resolves once `cond()` is true, checking every 10 ms; false when `ms` pass first. */
export async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** The last few task events of a receiver, for failure messages. */
export function recentEvents(events: TaskEvent[], n = 8): string {
  if (events.length === 0) return "no task event at all";
  const shown = events.slice(-n).map(eventKey).join(", ");
  return events.length > n ? `… ${shown} (${events.length} in all)` : shown;
}

/**
 * Waits until every receiver has one event matching `key` (from its mark on), then
 * `quietMs` more, and fails unless each got it exactly once. `what` names the change.
 */
export async function expectExactlyOnce(
  h: StepContext,
  receivers: { receiver: Receiver; from: number }[],
  key: string,
  opts: { what: string; within?: number; quietMs?: number },
): Promise<void> {
  const within = opts.within ?? 2000;
  const count = (r: { receiver: Receiver; from: number }) =>
    r.receiver.taskEvents(r.from).filter((e) => eventKey(e) === key).length;
  await waitUntil(() => receivers.every((r) => count(r) >= 1), within);
  for (const r of receivers) {
    if (count(r) === 0) {
      fail(`[${r.receiver.name}] got no ${key.split(":")[0]} event for ${opts.what}.`, {
        expected: `one ${key} within ${within} ms`,
        received: recentEvents(r.receiver.taskEvents(r.from)),
      });
    }
  }
  await h.sleep(opts.quietMs ?? 300);
  for (const r of receivers) {
    const n = count(r);
    check(n === 1, `[${r.receiver.name}] got ${opts.what} ${n} times.`, {
      expected: `exactly one ${key}`,
      received: recentEvents(r.receiver.taskEvents(r.from)),
    });
  }
}

/**
 * Joins `boardId` and waits until the server has handled the join: it sends a line
 * that is not JSON right after, and messages on one socket are handled in order, so
 * the `Invalid JSON` answer means the join was handled before it.
 */
export async function joinAndSettle(ws: WsClient, boardId: string): Promise<void> {
  ws.send({ type: "join", boardId });
  ws.send("not json: sync");
  await ws.next((m) => isObject(m) && m.error === "Invalid JSON", {
    timeout: 2000,
    what: 'the {"error":"Invalid JSON"} answer that shows the join before it was handled',
  });
}

/** Opens an SSE stream on a board and waits (briefly, tolerantly) for its `connected` frame. */
export async function openBoardStream(
  h: StepContext,
  boardId: string,
  opts: { server?: ServerHandle; name?: string } = {},
): Promise<SseClient> {
  const sse = await h.sse(`/boards/${boardId}/events`, opts);
  check(sse.status === 200, `[${sse.name}] GET /boards/${boardId}/events answered ${sse.status}.`, {
    expected: "status 200 with Content-Type: text/event-stream",
    received: `status ${sse.status}`,
  });
  await sse
    .next((e) => pick(sseData(e), "type") === "connected", { timeout: 1000 })
    .catch(() => {});
  return sse;
}

/** Logs in as `email` on `server` and opens a WebSocket with that session. */
export async function openUserSocket(
  h: StepContext,
  email: string,
  opts: { server?: ServerHandle; name?: string; autoPong?: boolean } = {},
): Promise<WsClient> {
  const cookie = await h.login(email, opts.server);
  return h.ws("/ws", { ...opts, cookie });
}

/** A module of the learner's workspace, bundled on its own and imported into the checker. */
export interface LoadedModule {
  exports: Record<string, unknown>;
  /** Workspace files the bundle took in (the module and what it imports). */
  inputs: string[];
  /** Packages the module imports (left outside the bundle). */
  packages: string[];
}

/**
 * Bundles `file` (relative to the workspace) with esbuild into a uniquely named
 * file beside the server's build, imports it, and deletes the file again. The
 * unique name means a check after a save never sees a cached module.
 */
export async function loadWorkspaceModule(h: StepContext, file: string): Promise<LoadedModule> {
  const entry = join(h.workspace, file);
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: h.workspace,
    });
  } catch (error) {
    const first = (error as esbuild.BuildFailure).errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}` : file;
    fail(`${file} could not be compiled on its own (${where}).`, {
      expected: `a module at ${file} that compiles`,
      received: first?.text ?? (error as Error).message,
    });
  }
  const inputs = Object.keys(result.metafile.inputs).map((p) =>
    isAbsolute(p) ? relative(h.workspace, p) : p,
  );
  const packages = [
    ...new Set(
      Object.values(result.metafile.inputs).flatMap((i) =>
        i.imports.filter((x) => x.external && !x.path.startsWith("node:")).map((x) => x.path),
      ),
    ),
  ];
  const dir = join(h.workspace, ".labs", "build");
  await mkdir(dir, { recursive: true });
  const out = join(dir, `check-${randomUUID()}.mjs`);
  await writeFile(out, result.outputFiles[0]!.text);
  try {
    const exports = (await import(pathToFileURL(out).href)) as Record<string, unknown>;
    return { exports, inputs, packages };
  } finally {
    await rm(out, { force: true });
  }
}

/**
 * Runs `fn` with console.log/info/warn/error sent to `logger` instead of the terminal
 * (the learner's module runs inside the checker), and returns the lines it printed.
 */
export async function withConsoleCaptured<T>(
  logger: Logger,
  fn: () => T | Promise<T>,
): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const names = ["log", "info", "warn", "error"] as const;
  const saved = names.map((n) => console[n]);
  for (const n of names) {
    console[n] = (...args: unknown[]) => {
      const text = args
        .map((a) =>
          a instanceof Error ? `${a.name}: ${a.message}` : typeof a === "string" ? a : show(a, 200),
        )
        .join(" ");
      lines.push(text);
      logger.info(`printed: ${text}`);
    };
  }
  try {
    return { value: await fn(), lines };
  } finally {
    names.forEach((n, i) => {
      console[n] = saved[i]!;
    });
  }
}

/** A plain object with the given keys, for checks of a received value. */
export function hasKeys(value: unknown, ...keys: string[]): value is Json {
  return isObject(value) && keys.every((k) => value[k] !== undefined);
}
