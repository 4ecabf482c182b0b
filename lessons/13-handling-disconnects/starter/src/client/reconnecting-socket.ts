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

/** The wait before retry number `attempt` (1, 2, 3 …): base · 2^(attempt-1), capped, then cut by the jitter. */
export function backoffDelay(
  _attempt: number,
  opts: { baseDelayMs: number; maxDelayMs: number; jitter: number },
  _random: () => number = Math.random,
): number {
  // TODO(handling-disconnects): Math.round(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (1 - jitter * random())).
  return opts.baseDelayMs;
}

/** A WebSocket to one board that reconnects by itself until `close()` is called. */
export class ReconnectingSocket {
  private readonly listeners: {
    [E in keyof ReconnectingSocketEvents]: Set<ReconnectingSocketEvents[E]>;
  } = {
    open: new Set(),
    message: new Set(),
    reconnecting: new Set(),
    close: new Set(),
  };

  readonly options: ReconnectingSocketOptions;

  constructor(options: ReconnectingSocketOptions) {
    this.options = options;
    // TODO(handling-disconnects): fill in the defaults (baseDelayMs 500, maxDelayMs 10000, jitter 0.5,
    // random Math.random, WebSocket globalThis.WebSocket), then connect().
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
  send(_data: unknown): boolean {
    // TODO(handling-disconnects): send JSON.stringify(data) when the current socket's readyState is 1 (OPEN).
    return false;
  }

  /** Closes the connection for good: any pending retry is cancelled. */
  close(): void {
    // TODO(handling-disconnects): remember that the client is stopped, clearTimeout() the pending retry,
    // close the current socket (1000) and call the "close" listeners, once.
  }

  // TODO(handling-disconnects): private connect(): new WebSocket(url), and listeners for
  //   "open"    → reset the attempt count to 0, send { type: "join", boardId }, call "open" listeners;
  //   "message" → JSON.parse(event.data) (skip what does not parse), call "message" listeners;
  //   "error"   → nothing (a "close" always follows);
  //   "close"   → unless stopped, scheduleReconnect().
  // TODO(handling-disconnects): private scheduleReconnect(): attempt += 1; delayMs = backoffDelay(attempt, …);
  //   call the "reconnecting" listeners with { attempt, delayMs }; setTimeout(connect, delayMs).
}
