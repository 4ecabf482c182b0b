import { check, checkStatus, fail } from "../../src/checks/assert.ts";
import {
  checkViewers,
  expectExactlyOnce,
  interruptRedis,
  isNotice,
  joinAndSettle,
  openBoardStream,
  openUserSocket,
  presenceOf,
  type Receiver,
  recentEvents,
  sseReceiver,
  viewersOf,
  waitForMessage,
  waitUntil,
  wsReceiver,
} from "../../src/checks/scaling-steps.ts";
import { deleteTask, moveTask, taskFromBody, taskIdOf } from "../../src/checks/taskboard.ts";
import type { ServerHandle, StepContext, WsClient } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

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
async function createOn(
  h: StepContext,
  server: ServerHandle,
  listId: string,
  title: string,
): Promise<string> {
  const res = await h.http.post("/tasks", { listId, title }, { server });
  checkStatus(res, 201, 200);
  const id = taskIdOf(taskFromBody(res.json()));
  check(id, `POST /tasks on ${server.name} did not answer with the task.`, {
    expected: '{ "task": { "id": … } }',
    received: res.text.slice(0, 200),
  });
  return id;
}

/** Logs in on `server`, opens a socket there and joins `boardId`. */
async function boardSocket(
  h: StepContext,
  email: string,
  boardId: string,
  server: ServerHandle,
  name: string,
): Promise<WsClient> {
  const ws = await openUserSocket(h, email, { server, name });
  await joinAndSettle(ws, boardId);
  return ws;
}

/** Waits until GET /boards/:boardId/presence on `server` lists exactly `expected`; fails with the last answer. */
async function presenceSettles(
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
    const got = viewersOf(last)
      ?.map((v) => v.userId)
      .sort()
      .join(",");
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
      nudge:
        "Look at what a second copy of your server reads from its environment, and at what `src/server.ts` does with REDIS_URL before it starts serving.",
      concept:
        "Scaling out means running the very same program several times, each with its own port and database file, all sharing one Redis. An instance should be connected to Redis before it takes its first client, so nobody meets an instance that cannot deliver yet.",
      hint: "B is the same program as A with its own PORT and DATABASE_PATH (both read in src/config.ts), so nothing may be tied to one port or one file. With REDIS_URL set, src/server.ts awaits connectRedisBus(config.redisUrl, config.redisPrefix) before serve().",
      timeout: 15_000,
      async run(h) {
        const b = await h.startServer("server B");
        h.state.set("B", b);
        for (const server of [h.server, b]) {
          checkStatus(await h.http.get("/health", { server }), 200);
        }
        h.log.pass(
          `A on port ${h.server.port} and B on port ${b.port} both answer, both with REDIS_URL=${h.redis?.url}`,
        );
      },
    },
    {
      slug: "a-to-b",
      title: "a task created through A reaches a WebSocket and an SSE stream on B",
      nudge:
        "Look at `src/redis-pubsub.ts`: where an event published on A goes, and who on B is listening for it.",
      concept:
        "Each instance knows only its own clients, so an event has to leave the process: every instance sends what it publishes to Redis and listens to every board's channel, handing each message to its local bus, which feeds its streams and rooms as before.",
      hint: "Publish through Redis: in src/redis-pubsub.ts, setRelay((event) => publisher.publish(channelOf(prefix, event.boardId), JSON.stringify(event))), and a second client pSubscribe()s to the pattern <prefix>board:* and calls deliver(JSON.parse(message)) for each message.",
      timeout: 8000,
      async run(h) {
        const b = serverB(h);
        const bob = await openUserSocket(h, "bob@example.com", { server: b, name: "ws-bob@B" });
        await joinAndSettle(bob, "board-1");
        const sse = await openBoardStream(h, "board-1", { server: b, name: "sse@B" });
        const receivers = [wsReceiver(bob), sseReceiver(sse)].map((receiver) => ({
          receiver,
          from: receiver.mark,
        }));
        const id = await createOn(h, h.server, "list-todo", "Made on A, seen on B");
        const arrived = await waitUntil(
          () => receivers.every((r) => r.receiver.taskEvents(r.from).some((e) => e.taskId === id)),
          3000,
        );
        if (!arrived) {
          const late = receivers.find(
            (r) => !r.receiver.taskEvents(r.from).some((e) => e.taskId === id),
          )!;
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
      nudge: "Count the places where an event gets delivered on the instance that published it.",
      concept:
        "The publishing instance is subscribed too, so Redis echoes its own event back to it. If it had already delivered the event locally, its clients see every change twice: each event must reach the clients through one path only.",
      hint: "With Redis, publish() must NOT also deliver locally: the publishing instance gets its own event back from Redis like every other instance. Deliver in one place only (the subscriber's callback), or, if you deliver locally, skip your own messages when they come back.",
      timeout: 10_000,
      async run(h) {
        const b = serverB(h);
        const alice = await boardSocket(h, "alice@example.com", "board-1", h.server, "ws-alice@A");
        const bob = await boardSocket(h, "bob@example.com", "board-1", b, "ws-bob@B");
        const clients = [
          wsReceiver(alice),
          sseReceiver(await openBoardStream(h, "board-1", { name: "sse@A" })),
          wsReceiver(bob),
          sseReceiver(await openBoardStream(h, "board-1", { server: b, name: "sse@B" })),
        ];
        const marks = () => clients.map((receiver) => ({ receiver, from: receiver.mark }));
        let receivers = marks();
        const id = await createOn(h, h.server, "list-todo", "Once on A, once on B");
        await expectExactlyOnce(h, receivers, `task_created:${id}`, {
          what: "one POST /tasks on A",
        });
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
        await expectExactlyOnce(h, receivers, `task_created:${fromB}`, {
          what: "one POST /tasks on B",
        });
        h.log.pass("a task created through B reached all 4 clients once each as well");
        alice.close();
        bob.close();
      },
    },
    {
      slug: "per-board",
      title: "events stay on their board across instances",
      nudge:
        "Follow one event's board id from the channel it is published on to the clients it is handed to on the other instance.",
      concept:
        "Every instance listens to all boards at once, so the board an event belongs to has to travel with it; otherwise the receiving instance cannot tell whose clients should hear about the change.",
      hint: "Keep the board id with every event: one channel per board (<prefix>board:<boardId>), and deliver() hands the event to the subscribers with its own event.boardId, which send it to that board's clients only.",
      timeout: 8000,
      async run(h) {
        const b = serverB(h);
        const bob = await boardSocket(h, "bob@example.com", "board-1", b, "ws-bob@B");
        const carol = await boardSocket(h, "carol@example.com", "board-2", b, "ws-carol@B");
        const board1 = [
          wsReceiver(bob),
          sseReceiver(await openBoardStream(h, "board-1", { server: b, name: "sse-board-1@B" })),
        ];
        const board2 = [
          wsReceiver(carol),
          sseReceiver(await openBoardStream(h, "board-2", { server: b, name: "sse-board-2@B" })),
        ];
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
        const expectOnly = (
          receivers: Receiver[],
          from: number[],
          board: string,
          mine: string,
          other: string,
        ) =>
          receivers.forEach((r, i) => {
            const events = r.taskEvents(from[i]);
            check(
              events.some((e) => e.taskId === mine),
              `[${r.name}] on ${board} missed the ${board} task.`,
              {
                expected: `task_created for ${mine}`,
                received: recentEvents(events),
              },
            );
            check(
              !events.some((e) => e.taskId === other),
              `[${r.name}] on ${board} got a task of the other board.`,
              {
                expected: `only ${board} events`,
                received: recentEvents(events),
              },
            );
          });
        expectOnly(board1, from1, "board-1", b1, b2);
        expectOnly(board2, from2, "board-2", b2, b1);
        h.log.pass(
          "on B, board-1 clients got only the board-1 task and board-2 clients only the board-2 task",
        );
        bob.close();
        carol.close();
      },
    },
    {
      slug: "presence-shared",
      title: "presence is the same whether asked on A or on B",
      nudge:
        "Look at where your presence route and your presence message get their list of viewers: one instance's memory, or something both instances share.",
      concept:
        "A viewer's socket lives in one process, but the question of who is on a board spans every instance, so the list must live in a store all instances read. In Redis that is one sorted set per board, where each entry's score says when it expires.",
      hint: "Keep viewers in Redis (src/redis-presence.ts): on a user's first join, ZADD to <prefix>presence:<boardId> a member naming this instance and the user, scored with the moment it expires; GET /boards/:boardId/presence and the presence message read the set through listViewers(boardId), skipping expired scores.",
      timeout: 8000,
      async run(h) {
        const b = serverB(h);
        const alice = await boardSocket(h, "alice@example.com", "board-1", h.server, "ws-alice@A");
        const bob = await boardSocket(h, "bob@example.com", "board-1", b, "ws-bob@B");
        const carol = await boardSocket(h, "carol@example.com", "board-2", b, "ws-carol@B");
        h.state.set("viewers", { alice, bob, carol, since: performance.now() });
        for (const server of [h.server, b])
          await presenceSettles(h, server, "board-1", [ALICE, BOB], 1500);
        h.log.pass("board-1 lists Alice (on A) and Bob (on B), asked on A and on B");
        await presenceSettles(h, h.server, "board-2", [CAROL], 1500);
        h.log.pass("board-2 on A lists Carol, whose socket is on B");
        const from = carol.messages.length;
        carol.send({ type: "join", boardId: "board-1" });
        const presence = await waitForMessage(
          carol,
          from,
          isNotice("presence", "board-1"),
          1500,
          "the presence message after joining board-1 on B",
        );
        checkViewers(presence, [ALICE, BOB, CAROL], "The presence message Carol got on B");
        h.log.pass("Carol's presence message on B lists Alice, who is on A");
      },
    },
    {
      slug: "presence-refreshed",
      title: "viewers stay listed past PRESENCE_TTL_MS while their instance lives",
      nudge:
        "Look at what happens to a viewer's entry in Redis when they joined a while ago and simply stay.",
      concept:
        "Entries expire on their own so that a dead instance's viewers go away by themselves. The price is that a living instance has to renew its viewers well before their time is up, or they vanish one TTL after joining.",
      hint: "Each instance must re-write its own viewers regularly (a setInterval in src/redis-presence.ts, every PRESENCE_TTL_MS / 3), each time with the score now + PRESENCE_TTL_MS. Without the refresh, every entry expires one TTL after its join.",
      timeout: 8000,
      async run(h) {
        const b = serverB(h);
        const ttl = h.timers.PRESENCE_TTL_MS;
        const since = (h.state.get("viewers") as { since: number }).since;
        const wait = since + ttl + 500 - performance.now();
        if (wait > 0) await h.sleep(wait);
        for (const server of [h.server, b])
          await presenceSettles(h, server, "board-1", [ALICE, BOB, CAROL], 0);
        h.log.pass(
          `${Math.round(performance.now() - since)} ms after the joins (PRESENCE_TTL_MS=${ttl}), A and B still list Alice, Bob and Carol`,
        );
      },
    },
    {
      slug: "redis-restart",
      title:
        "after Redis restarts under both instances, delivery from A to B resumes, exactly once",
      nudge:
        "Look at how your Redis clients behave when their connection drops and comes back: what happens to the error, and what runs again on reconnect.",
      concept:
        "Redis pub/sub keeps nothing: while Redis is away, messages are simply lost, and node-redis reconnects and subscribes again on its own. A sturdy instance survives the gap without crashing, does not end up subscribed twice, and rebuilds the presence data Redis forgot.",
      hint: 'Give every node-redis client an "error" listener (without one, a lost connection crashes the process) and let node-redis reconnect: it subscribes again by itself, so do not pSubscribe() again on "ready" (that doubles every event). Presence entries are re-written in full on each refresh, so they come back after Redis lost them.',
      timeout: 15_000,
      async run(h) {
        const b = serverB(h);
        const bob = await boardSocket(h, "bob@example.com", "board-1", b, "ws-bob-2@B");
        const receivers = [
          wsReceiver(bob),
          sseReceiver(await openBoardStream(h, "board-1", { server: b, name: "sse@B" })),
          sseReceiver(await openBoardStream(h, "board-1", { name: "sse@A" })),
        ];
        const how = await interruptRedis(h, REDIS_DOWN_MS);
        const back = performance.now();
        // Each instance's clients reconnect on their own schedule, so delivery has resumed only
        // when every receiver (on B and on A) has seen a probe made after Redis came back.
        const starts = receivers.map((receiver) => ({ receiver, from: receiver.mark }));
        const probes: string[] = [];
        const waiting = () =>
          starts.filter(
            (r) => !r.receiver.taskEvents(r.from).some((e) => probes.includes(e.taskId)),
          );
        while (performance.now() - back < RESUME_WITHIN) {
          // During the gap a create may fail or its event may be lost: that is what pub/sub does.
          const res = await h.http.post("/tasks", {
            listId: "list-todo",
            title: `Probe ${probes.length + 1}`,
          });
          const id =
            res.status === 201 || res.status === 200
              ? taskIdOf(taskFromBody(res.json()))
              : undefined;
          if (id) probes.push(id);
          if (await waitUntil(() => waiting().length === 0, 400)) break;
        }
        const behind = waiting().map((r) => r.receiver.name);
        if (behind.length > 0) {
          fail(
            `Nothing created on A reached ${behind.join(", ")} within ${RESUME_WITHIN} ms after Redis came back.`,
            {
              expected:
                "node-redis to reconnect both instances' clients and subscribe again, and events to flow A → Redis → A and B",
              received: `${probes.length} probes created on A, none seen by ${behind.join(", ")}`,
            },
          );
        }
        h.log.pass(
          `Redis ${how === "restarted" ? "restarted" : "connections cut"}; delivery from A to every client resumed ${Math.round(performance.now() - back)} ms later`,
        );
        const marked = receivers.map((receiver) => ({ receiver, from: receiver.mark }));
        const id = await createOn(h, h.server, "list-todo", "After the restart");
        await expectExactlyOnce(h, marked, `task_created:${id}`, {
          what: "one POST /tasks on A after the restart",
        });
        h.log.pass("after the restart, each client got the next change exactly once");
        const ttl = h.timers.PRESENCE_TTL_MS;
        for (const server of [h.server, b])
          await presenceSettles(h, server, "board-1", [ALICE, BOB, CAROL], ttl);
        h.log.pass("presence lists Alice, Bob and Carol again on A and on B");
        bob.close();
      },
    },
    {
      slug: "killed-instance",
      title:
        "when A is killed, its viewers leave B's presence within PRESENCE_TTL_MS plus one refresh",
      nudge:
        "Think about what takes a viewer out of the shared list when their instance dies without any chance to clean up.",
      concept:
        "A process killed with SIGKILL runs none of its cleanup code, so expiry is the only thing that can remove its viewers: entries carry the moment they expire, readers ignore expired ones, and only living instances keep theirs fresh.",
      hint: "Each instance refreshes its own entries (every PRESENCE_TTL_MS / 3, say) with a score of now + PRESENCE_TTL_MS, and reading skips members whose score has passed. An instance killed with SIGKILL cannot clean up, so expiry is the only thing that removes its viewers.",
      timeout: 12_000,
      async run(h) {
        const b = serverB(h);
        const ttl = h.timers.PRESENCE_TTL_MS;
        await presenceSettles(h, b, "board-1", [ALICE, BOB, CAROL], 1500);
        await h.server.kill();
        const killedAt = performance.now();
        h.log.info(
          `server A killed with SIGKILL; its viewer Alice must go within ${ttl} ms plus one refresh`,
        );
        const limit = ttl + Math.round(ttl / 2) + 1000;
        let gone = false;
        while (!gone) {
          const viewers = viewersOf(await presenceOf(h, "board-1", b)) ?? [];
          check(
            viewers.some((v) => v.userId === BOB.userId),
            "Bob vanished from B's presence although B is alive.",
            {
              expected: "B to keep refreshing its own viewers",
              received: `users ${viewers.map((v) => v.userId).join(", ") || "(none)"}`,
            },
          );
          gone = !viewers.some((v) => v.userId === ALICE.userId);
          if (!gone && performance.now() - killedAt > limit) {
            fail(`Alice was still listed on B ${limit} ms after A died.`, {
              expected: `entries of a dead instance to expire within PRESENCE_TTL_MS (${ttl} ms) plus one refresh`,
              received: `users ${viewers.map((v) => v.userId).join(", ")}`,
            });
          }
          if (!gone) await h.sleep(100);
        }
        h.log.pass(
          `Alice left B's presence ${Math.round(performance.now() - killedAt)} ms after A was killed`,
        );
        await presenceSettles(h, b, "board-1", [BOB, CAROL], 0);
        h.log.pass("Bob and Carol, whose sockets are on B, are still listed");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
