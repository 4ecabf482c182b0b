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
export function connectRealTime(_options: RealTimeOptions): RealTimeConnection {
  // TODO(choosing-the-right-approach): try the transports in the order of TRANSPORTS and keep the first that opens.
  // - "websocket": new WebSocket(<baseUrl with ws:>/ws); on "open" send { type: "join", boardId }.
  // - "sse": new EventSource(<baseUrl>/boards/<boardId>/events); listen for the three task events.
  // - "long-poll": fetch <baseUrl>/boards/<boardId>/poll in a loop.
  // - "short-poll": fetch <baseUrl>/boards/<boardId>/updates?since=<last timestamp> every pollIntervalMs.
  // A transport has failed when it errors before it opened, or has not opened within openTimeoutMs.
  // Call onTransport(name) when one opens, onChange(change) for every task change, and make
  // close() stop whatever is running.
  throw new Error("TODO(choosing-the-right-approach): connectRealTime() is not written yet");
}
