import type { BoardEvent } from "./events.js";
import { errorResponse } from "./responses.js";

// TODO(long-polling): keep the held requests in a module-level collection, e.g.
// `const waiters = new Map<string, Set<Waiter>>()` keyed by board id, where a Waiter knows
// its boardId and how to settle (resolve) its request, and a removeWaiter(waiter) helper.

/**
 * Holds a poll request on `boardId` until `notifyWaiters` is called for that board,
 * the long-poll timeout passes, or `signal` reports that the client went away.
 */
export function waitForUpdate(_boardId: string, _signal?: AbortSignal): Promise<Response> {
  // TODO(long-polling): return a new Promise<Response> that registers a waiter for this board, and:
  //   - after config.longPollTimeoutMs (import { config } from "./config.js"): remove the
  //     waiter and resolve Response.json({ data: [], timeout: true })
  //   - when notifyWaiters() settles it: clear the timer, remove the waiter, resolve its response
  //   - on the signal's "abort" event: clear the timer and remove ONLY this waiter
  return Promise.resolve(
    errorResponse(501, "NOT_IMPLEMENTED", "Long polling (src/long-poll.ts) is not written yet."),
  );
}

/** Answers every request held on `boardId` with the events that just happened there. */
export function notifyWaiters(_boardId: string, _data: BoardEvent[]): void {
  // TODO(long-polling): settle every waiter of this board (and only this board) with
  // Response.json({ data, timestamp: new Date().toISOString() }). If settling removes the
  // waiter from the collection you are looping over, loop over a copy.
}
