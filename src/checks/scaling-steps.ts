/**
 * Helpers shared by the checkers of pub-sub, presence and scaling-real-time: loading
 * a module the learner wrote, reading task events off SSE streams and WebSockets,
 * joining boards, reading presence, and cutting a run's servers off Redis.
 */

import { randomBytes } from "node:crypto";
import net from "node:net";
import { CheckFailure, LearnerError } from "../errors.ts";
import { hasProcfs } from "../runner/platform.ts";
import { connectionPorts } from "../runner/procfs.ts";
import { check, fail, show } from "./assert.ts";
import { isObject, type Json, pick } from "./taskboard.ts";
import type { ServerHandle, SseClient, SseEvent, StepContext, WsClient } from "./types.ts";
import { waitUntil } from "./wait.ts";

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
  // Named so that the transcript says why a non-JSON line goes out.
  ws.send("not json: the check's barrier (your Invalid JSON answer shows the join was handled)");
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

/** Waits for a message from index `from` on that matches; fails after `ms` naming `what`. */
export async function waitForMessage<T = Json>(
  ws: WsClient,
  from: number,
  match: (m: unknown) => boolean,
  ms: number,
  what: string,
): Promise<T> {
  const found = () => ws.messages.slice(from).find(match);
  await waitUntil(() => found() !== undefined, ms);
  const message = found();
  if (message === undefined) {
    const recent = ws.messages.slice(from).slice(-5);
    fail(`[${ws.name}] waited ${ms} ms for ${what}; it did not come.`, {
      expected: what,
      received: recent.length ? recent.map((m) => show(m, 200)).join("\n") : "no message at all",
    });
  }
  return message as T;
}

/** Fails if a message matching `match` arrives (or arrived) from index `from` within `ms`. */
export async function expectNoMessage(
  ws: WsClient,
  from: number,
  match: (m: unknown) => boolean,
  ms: number,
  what: string,
): Promise<void> {
  const found = () => ws.messages.slice(from).find(match);
  await waitUntil(() => found() !== undefined, ms);
  const message = found();
  if (message !== undefined) {
    fail(`[${ws.name}] got ${what}, which it should not.`, {
      expected: `no ${what} within ${ms} ms`,
      received: show(message, 300),
    });
  }
}

/** A predicate for a message `{ type, boardId, userId, … }` (`userId` and `boardId` optional). */
export function isNotice(type: string, boardId?: string, userId?: string): (m: unknown) => boolean {
  return (m) =>
    isObject(m) &&
    m.type === type &&
    (boardId === undefined || m.boardId === boardId) &&
    (userId === undefined || m.userId === userId);
}

/** The `{ userId, name }` entries of a presence list (a `presence` message or the route's body). */
export function viewersOf(value: unknown): { userId: string; name: string }[] | undefined {
  const users = Array.isArray(value) ? value : pick(value, "users");
  if (!Array.isArray(users)) return undefined;
  return users.map((u) => ({ userId: String(pick(u, "userId")), name: String(pick(u, "name")) }));
}

/** Fails unless `value` lists exactly the users `expected` (user ids), each once, with their names. */
export function checkViewers(
  value: unknown,
  expected: { userId: string; name: string }[],
  what: string,
): void {
  const viewers = viewersOf(value);
  const want = expected.map((v) => v.userId).sort();
  check(viewers !== undefined, `${what} has no users list.`, {
    expected: '{ "boardId": …, "users": [{ "userId": …, "name": … }] }',
    received: show(value),
  });
  const got = viewers.map((v) => v.userId).sort();
  check(got.join(",") === want.join(","), `${what} does not list the right viewers, once each.`, {
    expected: `users ${want.join(", ") || "(none)"}`,
    received: `users ${got.join(", ") || "(none)"} in ${show(value)}`,
  });
  for (const v of expected) {
    const entry = viewers.find((x) => x.userId === v.userId)!;
    check(entry.name === v.name, `${what} names ${v.userId} wrongly.`, {
      expected: `{ "userId": "${v.userId}", "name": "${v.name}" }`,
      received: show(entry),
    });
  }
}

/** `GET /boards/:boardId/presence` on `server`, returning the body. */
export async function presenceOf(
  h: StepContext,
  boardId: string,
  server?: ServerHandle,
): Promise<unknown> {
  const res = await h.http.get(`/boards/${boardId}/presence`, { server });
  check(res.status === 200, `GET /boards/${boardId}/presence answered ${res.status}.`, {
    expected: '200 { "boardId": …, "users": [{ "userId": …, "name": … }] }',
    received: `${res.status} ${res.text.slice(0, 200)}`,
  });
  return res.json();
}

/** A WebSocket client that joins a board and then goes silent: no pong, no close frame, nothing. */
export interface SilentPeer {
  readonly name: string;
  /** `performance.now()` when the server dropped the TCP connection, if it did. */
  readonly droppedAt: number | undefined;
  /** Pings the server sent that were left unanswered. */
  readonly pings: number;
  /** True when the server sent a close frame (and waited in vain for ours). */
  readonly sawCloseFrame: boolean;
  destroy(): void;
}

/**
 * Opens `/ws` over a plain TCP socket (so that nothing answers for it), sends one
 * masked text frame per message in `messages`, then never writes again: the
 * server sees a peer that vanished without a close frame, like a laptop whose lid closed.
 */
export async function openSilentPeer(
  h: StepContext,
  opts: { server?: ServerHandle; cookie?: string; name: string; messages: unknown[] },
): Promise<SilentPeer> {
  const server = opts.server ?? h.server;
  const log = h.actor(opts.name);
  const key = randomBytes(16).toString("base64");
  const socket = net.connect({ host: server.host, port: server.port });
  h.onTeardown(() => socket.destroy());
  let head = Buffer.alloc(0);
  let upgraded = false;
  let droppedAt: number | undefined;
  let pings = 0;
  let sawCloseFrame = false;
  let pending = Buffer.alloc(0);
  const onFrames = (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const frame = readFrameHeader(pending);
      if (!frame || pending.length < frame.total) return;
      if (frame.opcode === 0x9) {
        pings++;
        log.recv("ping (left unanswered)");
      } else if (frame.opcode === 0x8) {
        sawCloseFrame = true;
        log.recv("close frame (left unanswered)");
      }
      pending = pending.subarray(frame.total);
    }
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new CheckFailure(`[${opts.name}] no answer to the WebSocket upgrade within 3000 ms.`),
        ),
      3000,
    );
    socket.on("error", (err) => {
      clearTimeout(timer);
      if (!upgraded)
        reject(new CheckFailure(`[${opts.name}] the connection failed: ${err.message}.`));
    });
    socket.on("close", () => {
      droppedAt ??= performance.now();
      if (upgraded) log.info("the server dropped the connection");
    });
    socket.on("connect", () => {
      const request = [
        "GET /ws HTTP/1.1",
        `Host: ${server.host}:${server.port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${key}`,
        "Sec-WebSocket-Version: 13",
        ...(opts.cookie ? [`Cookie: ${opts.cookie}`] : []),
        "",
        "",
      ].join("\r\n");
      log.send("GET /ws (WebSocket upgrade over a raw socket that will go silent)");
      socket.write(request);
    });
    socket.on("data", (chunk: Buffer) => {
      if (upgraded) return onFrames(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      const status = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
      if (!/^HTTP\/1\.1 101/.test(status)) {
        reject(
          new CheckFailure(`[${opts.name}] the upgrade was refused.`, {
            expected: "101 Switching Protocols",
            received: status,
          }),
        );
        return;
      }
      upgraded = true;
      log.recv("101 Switching Protocols: connected");
      onFrames(head.subarray(end + 4));
      resolve();
    });
  });
  for (const message of opts.messages) {
    const text = JSON.stringify(message);
    log.send(text);
    socket.write(maskedTextFrame(text));
  }
  log.info("from now on this client sends nothing and answers nothing");
  return {
    name: opts.name,
    get droppedAt() {
      return droppedAt;
    },
    get pings() {
      return pings;
    },
    get sawCloseFrame() {
      return sawCloseFrame;
    },
    destroy: () => socket.destroy(),
  };
}

/** A client-to-server text frame (clients must mask what they send, RFC 6455 section 5.3). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const mask = randomBytes(4);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
}

/** The opcode and full length of the frame at the start of `buf`, or undefined while incomplete. */
function readFrameHeader(buf: Buffer): { opcode: number; total: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0]! & 0x0f;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return undefined;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (buf[1]! & 0x80) offset += 4;
  return { opcode, total: offset + length };
}

/**
 * Takes Redis away under the running servers for about `downMs`. The runner's own
 * redis-server is really stopped and started again (its data is gone: nothing is
 * saved). A Redis given through REDIS_URL is shared, so it is never restarted:
 * instead the servers' own connections to it are killed (CLIENT KILL), which they
 * see as the same lost connection. Returns what was done.
 */
export async function interruptRedis(h: StepContext, downMs: number): Promise<"restarted" | "cut"> {
  const redis = h.redis;
  if (!redis) throw new Error("interruptRedis needs a checker with redis: true");
  const log = h.actor("redis");
  // Against `npm run dev`, cutting every client's connection is what a restart looks like to a server.
  log.curl("redis-cli -u redis://localhost:6379 CLIENT KILL TYPE normal SKIPME yes");
  if (redis.owned) {
    await redis.restart(downMs);
    log.info(`redis-server is back after ${downMs} ms away; every key it held is gone`);
    return "restarted";
  }
  // Which connections are the servers' is told by their sockets in /proc; nowhere else.
  if (!hasProcfs())
    throw new LearnerError(
      "NO_REDIS",
      "This step cuts your servers' connections to the shared Redis at REDIS_URL, which the runner can only find on Linux (through /proc).",
      {
        hint: "Unset REDIS_URL so the runner starts a private redis-server for the check: that one it can restart on any system.",
      },
    );
  const url = new URL(redis.url);
  const pids = h.servers.filter((s) => s.alive).flatMap((s) => s.pids());
  const ports = new Set(connectionPorts(pids, Number(url.port || 6379)));
  check(ports.size > 0, "Your servers hold no connection to Redis.", {
    expected: `connections from your servers to ${redis.url} (REDIS_URL)`,
    received: "none found",
  });
  const { createClient } = await import("redis");
  const admin = createClient({ url: redis.url, socket: { reconnectStrategy: false } });
  admin.on("error", () => {});
  await admin.connect();
  try {
    const list = String(await admin.sendCommand(["CLIENT", "LIST"]));
    const ids = list
      .split("\n")
      .map((line) => ({
        id: /\bid=(\d+)/.exec(line)?.[1],
        port: /\baddr=\S*:(\d+)\b/.exec(line)?.[1],
      }))
      .filter((c) => c.id && c.port && ports.has(Number(c.port)));
    log.info(
      `REDIS_URL is shared, so instead of restarting it the check cuts your servers' ${ids.length} connections to it`,
    );
    for (const c of ids) await admin.sendCommand(["CLIENT", "KILL", "ID", c.id!]);
  } finally {
    await admin.close().catch(() => {});
  }
  return "cut";
}

export { waitUntil };
