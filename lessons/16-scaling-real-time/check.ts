import { check, checkStatus, fail } from "../../src/checks/assert.ts";
import {
  checkViewers,
  expectExactlyOnce,
  interruptRedis,
  joinAndSettle,
  openBoardStream,
  openUserSocket,
  presenceOf,
  recentEvents,
  sseReceiver,
  viewersOf,
  waitUntil,
  wsReceiver,
} from "../../src/checks/scaling-steps.ts";
import { createTask, deleteTask, moveTask, taskIdOf } from "../../src/checks/taskboard.ts";
import type { ServerHandle, StepContext, WsClient } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";

const ALICE = { userId: "user-alice", name: "Alice" };
const BOB = { userId: "user-bob", name: "Bob" };
const CAROL = { userId: "user-carol", name: "Carol" };
/** How long Redis stays away in the restart step (ms). */
const REDIS_DOWN_MS = 300;
/** How long delivery may take to come back after Redis does (ms). */
const RESUME_WITHIN = 6000;

/** Server B, started by the first step. */
function serverB(h: StepContext): ServerHandle {
  const b = h.state.get("B") as ServerHandle | undefined;
  if (!b) throw new Error("server B was not started");
  return b;
}

/** `POST /tasks` through `server`, returning the new task's id. */
async function createOn(h: StepContext, server: ServerHandle, listId: string, title: string): Promise<string> {
  const res = await h.http.post("/tasks", { listId, title }, { server });
  checkStatus(res, 201, 200);
  const id = taskIdOf((res.json() as { task?: unknown }).task ?? res.json());
  check(id, `POST /tasks on ${server.name} did not answer with the task.`, {
    expected: '{ "task": { "id": … } }',
    received: res.text.slice(0, 200),
  });
  return id;
}

/** Waits until GET /boards/:boardId/presence on `server` lists exactly `expected`; fails with the last answer. */
async function presenceSettles(
  h: StepContext,
  server: ServerHandle,
  boardId: string,
  expected: { userId: string; name: string }[],
  ms: number,
): Promise<void> {
  const want = expected.map((v) => v.userId).sort().join(",");
  let last: unknown;
  const deadline = performance.now() + ms;
  for (;;) {
    last = await presenceOf(h, boardId, server);
    const got = viewersOf(last)?.map((v) => v.userId).sort().join(",");
    if (got === want || performance.now() > deadline) break;
    await h.sleep(100);
  }
  checkViewers(last, expected, `GET /boards/${boardId}/presence on ${server.name}`);
}

export default defineChecker({
  redis: true,
  timers: { PRESENCE_TTL_MS: 1500, WS_HEARTBEAT_MS: 10_000, SSE_HEARTBEAT_MS: 10_000 },
  budget: 15_000,
  steps: [
    {
      slug: "second-instance",
      title: "a second instance (server B) starts beside A, with the same REDIS_URL",
      hint: "Both instances run the same code with their own PORT and database file. In src/server.ts, when config.redisUrl is set, await connectRedisBus(...) before serve(); a connection error must be logged, not thrown at start-up.",
      timeout: 15_000,
      async run(h) {
        const b = await h.startServer("server B");
        h.state.set("B", b);
        for (const server of [h.server, b]) {
          checkStatus(await h.http.get("/health", { server }), 200);
        }
        h.log.pass(`A on port ${h.server.port} and B on port ${b.port} both answer, both with REDIS_URL=${h.redis?.url}`);
      },
    },
    {
      slug: "a-to-b",
      title: "a task created through A reaches a WebSocket and an SSE stream on B",
      hint: "Publish through Redis: in src/redis-pubsub.ts, setRelay((event) => publisher.publish(`${prefix}board:${event.boardId}`, JSON.stringify(event))), and a second client pSubscribe()s to `${prefix}board:*` and calls deliver(JSON.parse(message)) for what arrives.",
      timeout: 8000,
      async run(h) {
        const b = serverB(h);
        const bob = await openUserSocket(h, "bob@example.com", { server: b, name: "ws-bob@B" });
        await joinAndSettle(bob, "board-1");
        const sse = await openBoardStream(h, "board-1", { server: b, name: "sse@B" });
        const receivers = [wsReceiver(bob), sseReceiver(sse)].map((receiver) => ({ receiver, from: receiver.mark }));
        const id = await createOn(h, h.server, "list-todo", "Made on A, seen on B");
        const arrived = await waitUntil(
          () => receivers.every((r) => r.receiver.taskEvents(r.from).some((e) => e.taskId === id)),
          3000,
        );
        if (!arrived) {
          const late = receivers.find((r) => !r.receiver.taskEvents(r.from).some((e) => e.taskId === id))!;
          fail(`[${late.receiver.name}] never got the task created through server A.`, {
            expected: `task_created for ${id} within 3000 ms, carried A → Redis → B`,
            received: recentEvents(late.receiver.taskEvents(late.from)),
          });
        }
        h.log.pass("B's WebSocket and SSE clients got the task created on A");
        bob.close();
      },
    },
    {
      slug: "exactly-once",
      title: "every client on A and on B gets each change exactly once",
      hint: "With Redis, publish() must NOT also deliver locally: the publishing instance gets its own event back from Redis like every other instance. Deliver in one place only (the subscriber's callback), or skip your own messages there if you deliver locally.",
      timeout: 10_000,
      async run(h) {
        const b = serverB(h);
        const clients = [
          wsReceiver(await openUserSocket(h, "alice@example.com", { name: "ws-alice@A" })),
          sseReceiver(await openBoardStream(h, "board-1", { name: "sse@A" })),
          wsReceiver(await openUserSocket(h, "bob@example.com", { server: b, name: "ws-bob@B" })),
          sseReceiver(await openBoardStream(h, "board-1", { server: b, name: "sse@B" })),
        ];
        for (const name of ["ws-alice@A", "ws-bob@B"]) {
          const ws = (h.state.get(name) ?? undefined) as WsClient | undefined;
          if (ws) await joinAndSettle(ws, "board-1");
        }
        const marks = () => clients.map((receiver) => ({ receiver, from: receiver.mark }));
        let receivers = marks();
        const id = await createOn(h, h.server, "list-todo", "Once on A, once on B");
        await expectExactlyOnce(h, receivers, `task_created:${id}`, { what: "one POST /tasks on A" });
        h.log.pass("task_created reached the 4 clients (2 on A, 2 on B) once each");
        receivers = marks();
        await moveTask(h, id, "list-doing");
        await expectExactlyOnce(h, receivers, `task_moved:${id}`, { what: "one move on A" });
        receivers = marks();
        await deleteTask(h, id);
        await expectExactlyOnce(h, receivers, `task_deleted:${id}`, { what: "one delete on A" });
        h.log.pass("task_moved and task_deleted too");
        receivers = marks();
        const fromB = await createOn(h, b, "list-todo", "Once on B, once on A");
        await expectExactlyOnce(h, receivers, `task_created:${fromB}`, { what: "one POST /tasks on B" });
        h.log.pass("a task created through B reached all 4 clients once each as well");
      },
    },
    {
      slug: "per-board",
      title: "events stay on their board across instances",
      hint: "Keep the board id with every event: one channel per board (`${prefix}board:<boardId>`), and deliver() hands the event to the subscribers with event.boardId, which send it to that board's clients only.",
      timeout: 8000,
      async run(h) {
        const b = serverB(h);
        const board1 = [
          wsReceiver(await openUserSocket(h, "bob@example.com", { server: b, name: "ws-bob@B" })),
          sseReceiver(await openBoardStream(h, "board-1", { server: b, name: "sse-board-1@B" })),
        ];
        const carol = await openUserSocket(h, "carol@example.com", { server: b, name: "ws-carol@B" });
        const board2 = [wsReceiver(carol), sseReceiver(await openBoardStream(h, "board-2", { server: b, name: "sse-board-2@B" }))];
        h.state.set("bob-socket", undefined);
        // The board-1 socket is joined through its own WsClient; receivers only read.
        const sockets = h.state;
        void sockets;
        const from1 = board1.map((r) => r.mark);
        const from2 = board2.map((r) => r.mark);
        const b1 = await createOn(h, h.server, "list-todo", "Board 1 only");
        const b2 = await createOn(h, h.server, "list-b2-todo", "Board 2 only");
        await waitUntil(
          () =>
            board1.every((r, i) => r.taskEvents(from1[i]).some((e) => e.taskId === b1)) &&
            board2.every((r, i) => r.taskEvents(from2[i]).some((e) => e.taskId === b2)),
          3000,
        );
        await h.sleep(300);
        board1.forEach((r, i) => {
          const events = r.taskEvents(from1[i]);
          check(events.some((e) => e.taskId === b1), `[${r.name}] on board-1 missed the board-1 task.`, {
            expected: `task_created for ${b1}`,
            received: recentEvents(events),
          });
          check(!events.some((e) => e.taskId === b2), `[${r.name}] on board-1 got the board-2 task.`, {
            expected: "only board-1 events",
            received: recentEvents(events),
          });
        });
        board2.forEach((r, i) => {
          const events = r.taskEvents(from2[i]);
          check(events.some((e) => e.taskId === b2), `[${r.name}] on board-2 missed the board-2 task.`, {
            expected: `task_created for ${b2}`,
            received: recentEvents(events),
          });
          check(!events.some((e) => e.taskId === b1), `[${r.name}] on board-2 got the board-1 task.`, {
            expected: "only board-2 events",
            received: recentEvents(events),
          });
        });
        h.log.pass("board-1 clients on B got only the board-1 task, board-2 clients only the board-2 task");
      },
    },
  ],
});
