/**
 * A browser-side WebSocket client for one board that comes back after every drop:
 * exponential backoff with jitter and a cap, a fresh `join` after each reconnect,
 * and a `close()` that ends it for good. It uses only the standard WebSocket API,
 * so it runs in a browser as it is and in Node with the `ws` package passed in.
 */

/** The part of the standard WebSocket API this client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** A WebSocket class: the browser's `WebSocket`, or `WebSocket` from the `ws` package. */
export type SocketConstructor = new (url: string) => SocketLike;

/** How to connect and how long to wait between attempts. */
export interface ReconnectingSocketOptions {
  url: string;
  /** The board to join after every (re)connect. */
  boardId: string;
  /** Delay before the first retry (ms). */
  baseDelayMs?: number;
  /** No delay is ever longer than this (ms). */
  maxDelayMs?: number;
  /** 0 = no jitter; 0.5 = each delay is cut by up to half, at random. */
  jitter?: number;
  /** Source of randomness in [0, 1); called once per delay. */
  random?: () => number;
  /** The WebSocket class to use (defaults to the global one). */
  WebSocket?: SocketConstructor;
}

/** The events a ReconnectingSocket emits, with their listener types. */
export interface ReconnectingSocketEvents {
  /** A connection opened and the join was sent. */
  open: () => void;
  /** A message from the server, parsed from JSON. */
  message: (data: unknown) => void;
  /** The connection was lost; the next attempt starts after `delayMs`. */
  reconnecting: (info: { attempt: number; delayMs: number }) => void;
  /** `close()` was called: no more attempts. */
  close: () => void;
}

const OPEN = 1;

/** The wait before retry number `attempt` (1, 2, 3 …): base · 2^(attempt-1), capped, then cut by the jitter. */
export function backoffDelay(
  attempt: number,
  opts: { baseDelayMs: number; maxDelayMs: number; jitter: number },
  random: () => number = Math.random,
): number {
  const exponential = opts.baseDelayMs * 2 ** (attempt - 1);
  const capped = Math.min(opts.maxDelayMs, exponential);
  return Math.round(capped * (1 - opts.jitter * random()));
}

/** A WebSocket to one board that reconnects by itself until `close()` is called. */
export class ReconnectingSocket {
  private readonly url: string;
  private readonly boardId: string;
  private readonly backoff: { baseDelayMs: number; maxDelayMs: number; jitter: number };
  private readonly random: () => number;
  private readonly Socket: SocketConstructor;
  private readonly listeners: {
    [E in keyof ReconnectingSocketEvents]: Set<ReconnectingSocketEvents[E]>;
  } = {
    open: new Set(),
    message: new Set(),
    reconnecting: new Set(),
    close: new Set(),
  };
  private socket: SocketLike | undefined;
  /** Failed or dropped connections since the last one that opened. */
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(options: ReconnectingSocketOptions) {
    this.url = options.url;
    this.boardId = options.boardId;
    this.backoff = {
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      jitter: options.jitter ?? 0.5,
    };
    this.random = options.random ?? Math.random;
    const Socket = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
    if (!Socket) throw new Error("No WebSocket class: pass one as options.WebSocket.");
    this.Socket = Socket;
    this.connect();
  }

  /** Adds a listener for one of the events. */
  on<E extends keyof ReconnectingSocketEvents>(
    event: E,
    listener: ReconnectingSocketEvents[E],
  ): this {
    this.listeners[event].add(listener);
    return this;
  }

  /** Sends `data` as JSON; false when no connection is open right now. */
  send(data: unknown): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(data));
    return true;
  }

  /** Closes the connection for good: any pending retry is cancelled. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.close(1000, "client closed");
    this.socket = undefined;
    for (const listener of this.listeners.close) listener();
  }

  private connect(): void {
    const socket = new this.Socket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      // Rooms live on the server's side of a connection, so every new connection joins again.
      socket.send(JSON.stringify({ type: "join", boardId: this.boardId }));
      for (const listener of this.listeners.open) listener();
    });
    socket.addEventListener("message", (event) => {
      let data: unknown;
      try {
        data = JSON.parse(String(event.data));
      } catch {
        return;
      }
      for (const listener of this.listeners.message) listener(data);
    });
    // An "error" is always followed by "close", so the retry is planned there only.
    socket.addEventListener("error", () => {});
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (!this.stopped) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    this.attempt += 1;
    const delayMs = backoffDelay(this.attempt, this.backoff, this.random);
    for (const listener of this.listeners.reconnecting)
      listener({ attempt: this.attempt, delayMs });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.connect();
    }, delayMs);
  }
}
