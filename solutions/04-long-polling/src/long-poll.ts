import { config } from "./config.js";
import type { BoardEvent } from "./events.js";

/** A held poll request: how to answer it once something happens. */
interface Waiter {
  boardId: string;
  settle(response: Response): void;
}

/** Held requests, grouped by board so a change only wakes that board's clients. */
const waiters = new Map<string, Set<Waiter>>();

/** Forgets a waiter, and its board's entry once the board has none left. */
function removeWaiter(waiter: Waiter): void {
  const set = waiters.get(waiter.boardId);
  if (!set) return;
  set.delete(waiter);
  if (set.size === 0) waiters.delete(waiter.boardId);
}

/**
 * Holds a poll request on `boardId` until `notifyWaiters` is called for that board,
 * the long-poll timeout passes, or `signal` reports that the client went away.
 */
export function waitForUpdate(boardId: string, signal?: AbortSignal): Promise<Response> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;

    const onAbort = () => {
      // The client is gone, so this response is never sent; settling just frees the waiter.
      waiter.settle(new Response(null, { status: 204 }));
    };

    const waiter: Waiter = {
      boardId,
      settle(response) {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        removeWaiter(waiter);
        resolve(response);
      },
    };

    if (signal?.aborted) {
      onAbort();
      return;
    }

    let set = waiters.get(boardId);
    if (!set) {
      set = new Set();
      waiters.set(boardId, set);
    }
    set.add(waiter);

    timer = setTimeout(() => {
      waiter.settle(Response.json({ data: [], timeout: true }));
    }, config.longPollTimeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Answers every request held on `boardId` with the events that just happened there. */
export function notifyWaiters(boardId: string, data: BoardEvent[]): void {
  const set = waiters.get(boardId);
  if (!set) return;
  const timestamp = new Date().toISOString();
  // Copy first: settling a waiter removes it from the set we are walking.
  for (const waiter of [...set]) {
    waiter.settle(Response.json({ data, timestamp }));
  }
}
