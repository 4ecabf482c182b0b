/** Shared by the capstone's steps: the cast, the time limits and small actions on the two instances. */
import { check, checkStatus } from "../../src/checks/assert.ts";
import {
  checkViewers,
  isNotice,
  presenceOf,
  taskEventOf,
  viewersOf,
  waitForMessage,
} from "../../src/checks/scaling-steps.ts";
import { taskIdOf } from "../../src/checks/taskboard.ts";
import type { ServerHandle, StepContext, WsClient } from "../../src/checks/types.ts";

/** The seeded users, as presence lists them. */
export const ALICE = { userId: "user-alice", name: "Alice" };
export const BOB = { userId: "user-bob", name: "Bob" };
export const CAROL = { userId: "user-carol", name: "Carol" };
/** How long a message may take to cross from one instance to the other (ms). */
export const SOON = 2000;
/** How long the checker listens for something that must not come (ms). */
export const QUIET = 400;

/** Server B, started by the first step. */
export function serverB(h: StepContext): ServerHandle {
  const b = h.state.get("B") as ServerHandle | undefined;
  if (!b) throw new Error("server B was not started");
  return b;
}

/** A socket opened by an earlier step. */
export function socket(h: StepContext, key: "alice" | "bob" | "carol"): WsClient {
  const ws = h.state.get(`ws:${key}`) as WsClient | undefined;
  if (!ws) throw new Error(`no socket for ${key} from an earlier step`);
  return ws;
}

/** `POST /tasks` on `server`, returning the new task's id. */
export async function createOn(
  h: StepContext,
  server: ServerHandle,
  listId: string,
  title: string,
): Promise<string> {
  const res = await h.http.post("/tasks", { listId, title }, { server });
  checkStatus(res, 201, 200);
  const id = taskIdOf((res.json() as { task?: unknown }).task ?? res.json());
  check(id, `POST /tasks on ${server.name} did not answer with the task.`, {
    expected: '{ "task": { "id": … } }',
    received: res.text.slice(0, 200),
  });
  return id;
}

/** Joins `boardId` and returns the presence message the server answers with. */
export async function joinBoard(ws: WsClient, boardId: string): Promise<unknown> {
  const from = ws.messages.length;
  ws.send({ type: "join", boardId });
  return waitForMessage(
    ws,
    from,
    isNotice("presence", boardId),
    SOON,
    `a presence message for ${boardId} after join`,
  );
}

/** Waits until GET /boards/:boardId/presence on `server` lists exactly `expected`. */
export async function presenceSettles(
  h: StepContext,
  server: ServerHandle,
  boardId: string,
  expected: { userId: string; name: string }[],
  ms: number,
): Promise<void> {
  const want = expected
    .map((v) => v.userId)
    .sort()
    .join(",");
  let last: unknown;
  const deadline = performance.now() + ms;
  for (;;) {
    last = await presenceOf(h, boardId, server);
    if (
      viewersOf(last)
        ?.map((v) => v.userId)
        .sort()
        .join(",") === want ||
      performance.now() > deadline
    )
      break;
    await h.sleep(100);
  }
  checkViewers(last, expected, `GET /boards/${boardId}/presence on ${server.name}`);
}

/** True for a message that belongs to `boardId` (a notice with that boardId, or a task of that board). */
export function aboutBoard(boardId: string, taskIds: Set<string>): (m: unknown) => boolean {
  return (m) => {
    const event = taskEventOf(m);
    if (event) return taskIds.has(event.taskId);
    return typeof m === "object" && m !== null && (m as { boardId?: unknown }).boardId === boardId;
  };
}

// ---------------------------------------------------------------- the browser part
