/**
 * One client for every transport of the board: it tries a WebSocket first, then
 * Server-Sent Events, then long polling, then short polling, and stays on the
 * first one that opens. Whatever the transport, changes reach `onChange` in the
 * same shape. It uses only standard browser APIs (WebSocket, EventSource, fetch),
 * which Node code can pass in through the options.
 */

/** The transports, best first. */
export const TRANSPORTS = ["websocket", "sse", "long-poll", "short-poll"] as const;

/** One of the four ways to hear about changes. */
export type Transport = (typeof TRANSPORTS)[number];

/**
 * A change on the board. WebSocket, SSE and long polling report what happened;
 * short polling only sees tasks whose `updatedAt` moved, so it reports `task_changed`.
 */
export interface BoardChange {
  type: "task_created" | "task_moved" | "task_deleted" | "task_changed";
  task?: { id: string; [field: string]: unknown };
  taskId?: string;
}

/** The part of the WebSocket API used here. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: "open" | "close" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** The part of the EventSource API used here. */
export interface EventSourceLike {
  close(): void;
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
}

/** What to connect to, what to call, and (outside a browser) which classes to use. */
export interface RealTimeOptions {
  /** The server, e.g. `http://localhost:3000`. */
  baseUrl: string;
  boardId: string;
  onChange(change: BoardChange): void;
  /** Told which transport is in use, once it has opened. */
  onTransport?(transport: Transport): void;
  /** A transport that neither opens nor fails within this many ms counts as failed (default 3000). */
  openTimeoutMs?: number;
  /** How often short polling asks (default 5000). */
  pollIntervalMs?: number;
  WebSocket?: new (url: string) => SocketLike;
  EventSource?: new (url: string) => EventSourceLike;
  fetch?: (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;
}

/** A running connection. */
export interface RealTimeConnection {
  /** The transport in use; undefined until one has opened. */
  readonly transport: Transport | undefined;
  /** Stops everything: open connections, pending requests and timers. */
  close(): void;
}

/** The task events every transport reports. */
export const TASK_EVENTS = ["task_created", "task_moved", "task_deleted"] as const;

/** Starts listening to `boardId` over the best transport that works. */
export function connectRealTime(options: RealTimeOptions): RealTimeConnection {
  const openTimeoutMs = options.openTimeoutMs ?? 3000;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const globals = globalThis as {
    WebSocket?: RealTimeOptions["WebSocket"];
    EventSource?: RealTimeOptions["EventSource"];
  };
  const Socket = options.WebSocket ?? globals.WebSocket;
  const Source = options.EventSource ?? globals.EventSource;
  const doFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const board = encodeURIComponent(options.boardId);
  const base = options.baseUrl.replace(/\/$/, "");

  let transport: Transport | undefined;
  let closed = false;
  /** Undoes whatever the current attempt opened. */
  let stopCurrent: () => void = () => {};

  const opened = (t: Transport) => {
    transport = t;
    options.onTransport?.(t);
  };

  /** Tries the transports from index `i` on; each calls `next()` when it cannot open. */
  const attempt = (i: number): void => {
    const name = TRANSPORTS[i];
    if (closed || name === undefined) return;
    const next = () => {
      stopCurrent();
      attempt(i + 1);
    };
    // A transport this environment does not have (no EventSource in Node 20) is skipped.
    if ((name === "websocket" && !Socket) || (name === "sse" && !Source)) attempt(i + 1);
    else if (name === "websocket") stopCurrent = tryWebSocket(Socket!, next);
    else if (name === "sse") stopCurrent = trySse(Source!, next);
    else if (name === "long-poll") stopCurrent = tryLongPoll(next);
    else stopCurrent = startShortPoll();
  };

  /**
   * The verdict on one transport: `failed()` moves on to the next one, at most once,
   * and only until `opened()`; no verdict within openTimeoutMs counts as failed.
   */
  const verdict = (next: () => void) => {
    let decided = false;
    const timer = setTimeout(() => failed(), openTimeoutMs);
    const failed = () => {
      if (decided || closed) return;
      decided = true;
      clearTimeout(timer);
      next();
    };
    return {
      failed,
      opened: () => {
        decided = true;
        clearTimeout(timer);
      },
      dispose: () => clearTimeout(timer),
    };
  };

  function tryWebSocket(Ctor: NonNullable<RealTimeOptions["WebSocket"]>, next: () => void) {
    const ws = new Ctor(`${base.replace(/^http/, "ws")}/ws`);
    const gate = verdict(next);
    ws.addEventListener("open", () => {
      gate.opened();
      ws.send(JSON.stringify({ type: "join", boardId: options.boardId }));
      opened("websocket");
    });
    ws.addEventListener("message", (event) => {
      let message: unknown;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      const change = changeOf(message);
      if (change) options.onChange(change);
    });
    ws.addEventListener("error", () => gate.failed());
    ws.addEventListener("close", () => gate.failed());
    return () => {
      gate.dispose();
      ws.close();
    };
  }

  function trySse(Ctor: NonNullable<RealTimeOptions["EventSource"]>, next: () => void) {
    const source = new Ctor(`${base}/boards/${board}/events`);
    const gate = verdict(next);
    source.addEventListener("open", () => {
      gate.opened();
      opened("sse");
    });
    // Once open, EventSource reconnects by itself, so only an error before "open" counts.
    source.addEventListener("error", () => gate.failed());
    for (const type of TASK_EVENTS) {
      source.addEventListener(type, (event) => {
        const change = changeOf({ ...parse(event.data), type });
        if (change) options.onChange(change);
      });
    }
    return () => {
      gate.dispose();
      source.close();
    };
  }

  function tryLongPoll(next: () => void) {
    const controller = new AbortController();
    let first = true;
    const loop = async () => {
      while (!closed && !controller.signal.aborted) {
        try {
          const res = await doFetch(`${base}/boards/${board}/poll`, { signal: controller.signal });
          if (!res.ok) throw new Error(`status ${res.status}`);
          const body = (await res.json()) as { data?: unknown[]; timeout?: boolean };
          if (first) {
            first = false;
            opened("long-poll");
          }
          for (const item of body.data ?? []) {
            const change = changeOf(item) ?? changeOf({ type: "task_changed", task: item });
            if (change) options.onChange(change);
          }
        } catch {
          if (controller.signal.aborted || closed) return;
          if (first) return next();
          // A poll that fails after the transport worked: wait a moment, then ask again.
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    // A long poll only answers when something happens, so it counts as open once sent without error.
    const openTimer = setTimeout(
      () => {
        if (first && !controller.signal.aborted) {
          first = false;
          opened("long-poll");
        }
      },
      Math.min(500, openTimeoutMs),
    );
    void loop();
    return () => {
      clearTimeout(openTimer);
      controller.abort();
    };
  }

  function startShortPoll() {
    const controller = new AbortController();
    let since: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const query = since ? `?since=${encodeURIComponent(since)}` : "";
        const res = await doFetch(`${base}/boards/${board}/updates${query}`, {
          signal: controller.signal,
        });
        if (res.ok) {
          const body = (await res.json()) as { data?: { id: string }[]; timestamp?: string };
          if (transport !== "short-poll") opened("short-poll");
          // The first answer is the whole board: a starting point, not a change.
          if (since !== undefined) {
            for (const task of body.data ?? []) options.onChange({ type: "task_changed", task });
          }
          since = body.timestamp ?? since;
        }
      } catch {
        // Offline for a moment: the next tick asks again with the same `since`.
      }
      if (!closed && !controller.signal.aborted) timer = setTimeout(tick, pollIntervalMs);
    };
    void tick();
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }

  attempt(0);
  return {
    get transport() {
      return transport;
    },
    close() {
      closed = true;
      stopCurrent();
    },
  };
}

function parse(data: unknown): Record<string, unknown> {
  try {
    const value = JSON.parse(String(data));
    return typeof value === "object" && value !== null ? value : {};
  } catch {
    return {};
  }
}

/** A task event in the shape `onChange` gets, or undefined for anything else (presence, errors). */
function changeOf(message: unknown): BoardChange | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown>;
  const type = m.type;
  if (type === "task_deleted" && typeof m.taskId === "string") return { type, taskId: m.taskId };
  const task = m.task as BoardChange["task"];
  if (
    (type === "task_created" || type === "task_moved" || type === "task_changed") &&
    task &&
    typeof task.id === "string"
  ) {
    return { type, task };
  }
  return undefined;
}
