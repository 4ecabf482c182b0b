import { check, checkEqual, checkStatus, fail, show } from "../../src/checks/assert.ts";
import {
  isRemoteFunction,
  type LearnerModule,
  type Remote,
  RemoteError,
  thrower,
} from "../../src/checks/learner-module.ts";
import {
  eventKey,
  expectExactlyOnce,
  joinAndSettle,
  openBoardStream,
  openUserSocket,
  type Receiver,
  recentEvents,
  sseData,
  sseReceiver,
  sseTaskEvent,
  type TaskEvent,
  waitUntil,
  wsReceiver,
} from "../../src/checks/scaling-steps.ts";
import {
  changeList,
  checkStillOpen,
  createTask,
  deleteTask,
  describesTask,
  isObject,
  jsonObject,
  moveTask,
  pick,
  pollResponse,
  settlesWithin,
  startPoll,
  taskIdOf,
} from "../../src/checks/taskboard.ts";
import type { SseClient, StepContext, WsClient } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

const BUS_FILE = "src/event-bus.ts";
/** How many mutations the burst step makes (20 creates, 20 moves, 10 deletes). */
const BURST = { creates: 20, moves: 20, deletes: 10 };

/** The learner's bus, freshly loaded in a process of its own (its own set of subscribers). */
interface Bus {
  publish: Remote;
  subscribe: Remote;
  module: LearnerModule;
}

/** Loads src/event-bus.ts on its own, failing with a clear message when it cannot. */
async function loadBus(h: StepContext): Promise<Bus> {
  const module = await h.loadModule(BUS_FILE, { name: "event-bus" });
  check(module.packages.length === 0, `${BUS_FILE} pulls in ${module.packages.join(", ")}.`, {
    expected: "a bus that depends on nothing else of the server (no database, no ws, no redis)",
    received: `${module.inputs.join(", ")} import ${module.packages.join(", ")}`,
  });
  const { publish, subscribe } = module.exports;
  check(
    isRemoteFunction(publish) && isRemoteFunction(subscribe),
    `${BUS_FILE} does not export the functions publish and subscribe.`,
    {
      expected:
        "export function publish(boardId, type, data) and export function subscribe(handler)",
      received: `exports: ${Object.keys(module.exports).join(", ") || "(none)"}`,
    },
  );
  return { publish, subscribe, module };
}

/**
 * Calls `subscribe(handler)` and checks it returned the unsubscribe function. The
 * handler is the checker's (called over the channel) or a `thrower` made in the bus's process.
 */
async function subscribeOrFail(
  bus: Bus,
  handler: ((event: unknown) => unknown) | unknown,
): Promise<Remote> {
  let off: unknown;
  try {
    off = await bus.subscribe.invoke(handler);
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    fail(`subscribe(handler) threw: ${error.name}: ${error.message}`, {
      expected: "subscribe to add the handler and return a function that removes it",
      received: error.remoteStack.split("\n").slice(0, 3).join("\n"),
    });
  }
  check(isRemoteFunction(off), "subscribe(handler) did not return a function.", {
    expected: "a function that removes the handler again",
    received: show(off),
  });
  return off;
}

/** Calls an unsubscribe function, failing when it throws. */
async function unsubscribe(off: Remote): Promise<void> {
  try {
    await off.invoke();
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    fail(`The function subscribe returned threw: ${error.name}: ${error.message}`, {
      expected: "it removes its handler (and does nothing the second time)",
    });
  }
}

/**
 * Publishes through the learner's bus, lets any deferred delivery happen, and
 * gives the console lines the bus printed meanwhile.
 */
async function publishAndSettle(
  _h: StepContext,
  bus: Bus,
  boardId: string,
  type: string,
  data: Record<string, unknown>,
): Promise<string[]> {
  const mark = bus.module.host.mark;
  try {
    await bus.publish.invokeAndSettle(boardId, type, data);
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    fail(`publish("${boardId}", "${type}", …) threw instead of delivering.`, {
      expected: "publish to catch (and log) what a subscriber throws, then go on",
      received: `${error.name}: ${error.message}`,
    });
  }
  return bus.module.host.printedSince(mark);
}

/** The board-1 and board-2 receivers the delivery steps share. */
interface Subscribers {
  sse: SseClient[];
  ws: WsClient[];
  otherSse: SseClient;
  otherWs: WsClient;
}

/**
 * Opens two SSE streams and two sockets on board-1 plus one of each on board-2.
 * SSE streams end with the step that opened them, so every step opens its own set.
 */
async function subscribers(h: StepContext): Promise<Subscribers> {
  const sse = [
    await openBoardStream(h, "board-1", { name: "sse-1" }),
    await openBoardStream(h, "board-1", { name: "sse-2" }),
  ];
  const ws = [
    await openUserSocket(h, "alice@example.com", { name: "ws-alice" }),
    await openUserSocket(h, "bob@example.com", { name: "ws-bob" }),
  ];
  for (const socket of ws) await joinAndSettle(socket, "board-1");
  const otherSse = await openBoardStream(h, "board-2", { name: "sse-board-2" });
  const otherWs = await openUserSocket(h, "carol@example.com", { name: "ws-carol" });
  await joinAndSettle(otherWs, "board-2");
  h.log.pass("2 SSE streams and 2 sockets on board-1, one of each on board-2");
  return { sse, ws, otherSse, otherWs };
}

/** Closes what `subscribers` opened. */
function closeAll(subs: Subscribers): void {
  for (const s of [...subs.sse, subs.otherSse]) s.close();
  for (const w of [...subs.ws, subs.otherWs]) w.close();
}

/** Receivers of board-1 with their current marks, so later counts only see new events. */
function marked(subs: Subscribers): { receiver: Receiver; from: number }[] {
  const receivers = [...subs.sse.map(sseReceiver), ...subs.ws.map(wsReceiver)];
  return receivers.map((receiver) => ({ receiver, from: receiver.mark }));
}

/** Fails when a board-2 receiver got an event about `taskId` since its mark. */
function checkBoard2Quiet(subs: Subscribers, marks: number[], taskId: string): void {
  const others = [sseReceiver(subs.otherSse), wsReceiver(subs.otherWs)];
  others.forEach((r, i) => {
    const leaked = r.taskEvents(marks[i]).filter((e) => e.taskId === taskId);
    check(
      leaked.length === 0,
      `[${r.name}] is on board-2 but got an event about ${taskId} of board-1.`,
      {
        expected: "events only for the board a subscriber watches",
        received: recentEvents(leaked),
      },
    );
  });
}

/** Describes the first place where two event sequences differ. */
function firstDifference(a: TaskEvent[], b: TaskEvent[]): string {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ? eventKey(a[i]!) : "(nothing)";
    const y = b[i] ? eventKey(b[i]!) : "(nothing)";
    if (x !== y) return `event #${i + 1}: ${x} versus ${y}`;
  }
  return "none";
}

export default defineChecker({
  // Heartbeats are not what this lab checks; slow ones keep the transcript readable.
  timers: { SSE_HEARTBEAT_MS: 10_000, WS_HEARTBEAT_MS: 10_000 },
  steps: [
    {
      slug: "bus-module",
      title: "src/event-bus.ts exports publish and subscribe",
      nudge: "Look at whether `src/event-bus.ts` exists, what it exports, and what it imports.",
      concept:
        "Publish/subscribe separates the code that says something happened from the code that tells people about it: both sides only know the bus. The checker loads the bus on its own, so it must not depend on the rest of the server.",
      hint: "Create src/event-bus.ts with `export function subscribe(handler)` (returns a function that removes the handler) and `export function publish(boardId, type, data)`. Keep it free of other imports: the check loads it on its own.",
      async run(h) {
        const bus = await loadBus(h);
        h.log.pass(`${BUS_FILE} loads on its own and exports publish and subscribe`);
        const off = await subscribeOrFail(bus, () => {});
        await unsubscribe(off);
        h.log.pass("subscribe(handler) returns a function");
      },
    },
    {
      slug: "bus-delivers",
      title: "publish hands { boardId, type, data } to every subscriber, in order",
      nudge:
        "Look at `publish` in `src/event-bus.ts`: what it hands each subscriber, and to which subscribers.",
      concept:
        "A publish makes one event naming the board, the type and the data, and delivers it to every subscriber right away. Because delivery is synchronous, every subscriber sees the events in the order they were published.",
      hint: "In publish(boardId, type, data), build one event `{ boardId, type, data }` and call every subscribed handler with it, in the order the events are published.",
      async run(h) {
        const bus = await loadBus(h);
        const first: unknown[] = [];
        const second: unknown[] = [];
        await subscribeOrFail(bus, (e: unknown) => first.push(e));
        await subscribeOrFail(bus, (e: unknown) => second.push(e));
        const data = { task: { id: "task-from-check", title: "Published by the check" } };
        await publishAndSettle(h, bus, "board-7", "task_created", data);
        for (const [name, got] of [
          ["the first subscriber", first],
          ["the second subscriber", second],
        ] as const) {
          check(got.length === 1, `${name} was called ${got.length} times for one publish.`, {
            expected: "exactly one call",
            received: show(got),
          });
        }
        checkEqual(
          first[0],
          { boardId: "board-7", type: "task_created", data },
          "The event a subscriber got",
        );
        h.log.pass("both subscribers got { boardId, type, data } once");

        await publishAndSettle(h, bus, "board-7", "task_deleted", { taskId: "a" });
        await publishAndSettle(h, bus, "board-8", "task_deleted", { taskId: "b" });
        const order = first.map(
          (e) => `${pick(e, "boardId")}/${pick(pick(e, "data"), "taskId") ?? "task"}`,
        );
        checkEqual(
          order,
          ["board-7/task", "board-7/a", "board-8/b"],
          "The order of the events a subscriber got",
        );
        h.log.pass("three publishes arrived in the order they were made");
      },
    },
    {
      slug: "bus-isolates-errors",
      title: "a subscriber that throws does not stop the others",
      nudge: "Look at what happens inside `publish` when one of the handlers it calls throws.",
      concept:
        "Subscribers are independent consumers: one broken handler must not starve the ones after it, nor turn a change that was already saved into a 500 for the route that published it. The bus logs the failure and moves on.",
      hint: "Wrap each handler call in publish() (src/event-bus.ts) in try/catch: log the error with console.error and carry on with the next handler. publish itself must not throw.",
      async run(h) {
        const bus = await loadBus(h);
        const got: unknown[] = [];
        await subscribeOrFail(bus, thrower("a broken consumer (thrown on purpose by the check)"));
        await subscribeOrFail(bus, (e: unknown) => got.push(e));
        await subscribeOrFail(bus, thrower("another broken consumer", "TypeError"));
        const lines = await publishAndSettle(h, bus, "board-1", "task_moved", {
          task: { id: "t" },
        });
        h.log.pass("publish did not throw although two subscribers did");
        check(got.length === 1, "The healthy subscriber did not get the event.", {
          expected: "the subscriber after the failing one to be called once",
          received: `${got.length} calls`,
        });
        h.log.pass("the subscriber between the two failing ones got its event");
        if (lines.length) h.log.info(`your bus logged ${lines.length} line(s) about it`);
      },
    },
    {
      slug: "bus-unsubscribe",
      title: "the function subscribe returns stops delivery, and only for that handler",
      nudge:
        "Look at the function `subscribe` returns: which handler it takes away, and what it does when it is called a second time.",
      concept:
        "Handing back a remover, instead of offering a separate unsubscribe, means a caller can only ever remove its own handler. It has to stay exact: running it twice must not take out anyone else's handler.",
      hint: "The function returned by subscribe() must remove exactly its own handler. With an array, check indexOf() !== -1 before splice() (splice(-1, 1) removes the last handler); a Set and delete() avoids the problem.",
      async run(h) {
        const bus = await loadBus(h);
        const a: unknown[] = [];
        const b: unknown[] = [];
        const calls = () => b.length;
        const offA = await subscribeOrFail(bus, (e: unknown) => a.push(e));
        const offB = await subscribeOrFail(bus, (e: unknown) => b.push(e));
        await unsubscribe(offA);
        await publishAndSettle(h, bus, "board-1", "task_created", { task: { id: "one" } });
        check(a.length === 0, "A handler that unsubscribed was still called.", {
          expected: "no call after its unsubscribe function ran",
          received: show(a),
        });
        check(b.length === 1, "Unsubscribing one handler also stopped another one.", {
          expected: "the other handler to get the event",
          received: `${b.length} calls`,
        });
        h.log.pass("after unsubscribing A, only B gets events");
        await unsubscribe(offA);
        await publishAndSettle(h, bus, "board-1", "task_created", { task: { id: "two" } });
        check(calls() === 2, "Calling A's unsubscribe a second time removed handler B.", {
          expected: "a second call to do nothing",
          received: `B got ${b.length - 1} of 1 event after it`,
        });
        h.log.pass("a second call of the same unsubscribe function changes nothing");
        await unsubscribe(offB);
        await publishAndSettle(h, bus, "board-1", "task_created", { task: { id: "three" } });
        check(calls() === 2, "B was called after its own unsubscribe.", {
          expected: "no more calls",
          received: `${b.length} calls`,
        });
        h.log.pass("with both unsubscribed, nobody is called");
      },
    },
    {
      slug: "one-event-each",
      title:
        "one POST /tasks gives each subscriber exactly one SSE event and one WebSocket message",
      nudge:
        "Look at the `POST /tasks` route in `src/routes/tasks.ts`, and at what besides the bus subscribers in `src/sse.ts` and `src/rooms.ts` still delivers a new task.",
      concept:
        "When the route only announces a change on the bus and each transport subscribes once, every client gets each change exactly once; a leftover direct broadcast, or a subscription made per request or per socket, shows up as duplicates. The SSE data now carries its type too, so one generic handler can dispatch on it whatever the transport.",
      hint: 'In the POST /tasks route (src/routes/tasks.ts) call only publish(task.boardId, "task_created", { task }); src/sse.ts subscribes and calls broadcast(event.boardId, { type: event.type, ...event.data }, event.type), src/rooms.ts subscribes and calls broadcastToRoom(event.boardId, { type: event.type, ...event.data }). Remove the direct broadcast calls from the route.',
      timeout: 8000,
      async run(h) {
        const subs = await subscribers(h);
        const receivers = marked(subs);
        const otherMarks = [subs.otherSse.events.length, subs.otherWs.messages.length];
        const task = await createTask(h, { listId: "list-todo", title: "Published once" });
        const id = taskIdOf(task)!;
        h.state.set("taskId", id);
        await expectExactlyOnce(h, receivers, `task_created:${id}`, { what: "one POST /tasks" });
        h.log.pass("each SSE stream and each socket got task_created exactly once");

        for (const sse of subs.sse) {
          const event = sse.events.find((e) => sseTaskEvent(e)?.taskId === id)!;
          const data = sseData(event);
          check(
            isObject(data) && data.type === "task_created",
            `[${sse.name}] the SSE data does not carry its type.`,
            {
              expected: 'event: task_created with data {"type":"task_created","task":{…}}',
              received: `event: ${event.event} data: ${event.data.slice(0, 200)}`,
            },
          );
          check(
            event.event === "task_created",
            `[${sse.name}] the SSE event is not named task_created.`,
            {
              expected: "an `event: task_created` line (the type is the event name too)",
              received: `event: ${event.event}`,
            },
          );
        }
        h.log.pass("the SSE frames are named task_created and their data carries type too");
        checkBoard2Quiet(subs, otherMarks, id);
        h.log.pass("the board-2 subscribers got nothing");
        closeAll(subs);
      },
    },
    {
      slug: "move-and-delete",
      title: "a move and a delete go out exactly once on both transports",
      nudge:
        "Look at the move and delete routes in `src/routes/tasks.ts` and at how many ways each of them still announces its change.",
      concept:
        "Every change goes out through the same single door, one publish per change, and the transports do the rest, so a move or a delete reaches each client once and in the same shape on SSE and WebSocket.",
      hint: 'The move and delete routes in src/routes/tasks.ts must publish(boardId, "task_moved", { task }) and publish(boardId, "task_deleted", { taskId }), once per change, and nothing else.',
      timeout: 8000,
      async run(h) {
        const subs = await subscribers(h);
        const id = h.state.get("taskId") as string;
        let receivers = marked(subs);
        await moveTask(h, id, "list-doing");
        await expectExactlyOnce(h, receivers, `task_moved:${id}`, {
          what: "one PATCH /tasks/:id/move",
        });
        for (const { receiver, from } of receivers) {
          const moved = receiver.taskEvents(from).find((e) => e.type === "task_moved")!;
          check(
            moved.listId === undefined || moved.listId === "list-doing",
            `[${receiver.name}] task_moved names the wrong list.`,
            {
              expected: "task.listId list-doing",
              received: moved.listId,
            },
          );
        }
        h.log.pass("each subscriber got task_moved once, with the new list");
        receivers = marked(subs);
        await deleteTask(h, id);
        await expectExactlyOnce(h, receivers, `task_deleted:${id}`, {
          what: "one DELETE /tasks/:id",
        });
        h.log.pass("each subscriber got task_deleted once, with the taskId");
        closeAll(subs);
      },
    },
    {
      slug: "burst-in-order",
      title:
        "a burst of 50 mixed changes reaches every subscriber once each, in the same order on SSE and WebSocket",
      nudge:
        "Look at the bus subscribers in `src/sse.ts` and `src/rooms.ts`, and at whether anything happens between receiving an event and sending it.",
      concept:
        "With a synchronous bus, the order in which the server publishes is the order every subscriber sees, as long as no subscriber puts its work off for later. A single deferred send is enough for an SSE client and a WebSocket client of the same board to tell different stories under load.",
      hint: "Deliver from one place: the route publishes once, and each transport's single subscriber sends at once (no setTimeout, no await before sending). Every subscriber then sees the order in which the server published.",
      timeout: 15_000,
      async run(h) {
        const subs = await subscribers(h);
        const receivers = marked(subs);
        const prepared = await Promise.all(
          Array.from({ length: BURST.moves + BURST.deletes }, (_, i) =>
            createTask(h, { listId: "list-todo", title: `Prepared task ${i + 1}` }),
          ),
        );
        const prepIds = prepared.map((t) => taskIdOf(t)!);
        const toMove = prepIds.slice(0, BURST.moves);
        const toDelete = prepIds.slice(BURST.moves);
        h.log.info(
          `prepared ${prepIds.length} tasks; now ${BURST.creates} creates, ${BURST.moves} moves and ${BURST.deletes} deletes, all at once`,
        );
        const created: string[] = [];
        await Promise.all([
          ...Array.from({ length: BURST.creates }, async (_, i) => {
            created.push(
              taskIdOf(await createTask(h, { listId: "list-todo", title: `Burst task ${i + 1}` }))!,
            );
          }),
          ...toMove.map((id) => moveTask(h, id, "list-done")),
          ...toDelete.map(async (id) => checkStatus(await h.http.delete(`/tasks/${id}`), 200, 204)),
        ]);
        const expected = new Set([
          ...prepIds.map((id) => `task_created:${id}`),
          ...created.map((id) => `task_created:${id}`),
          ...toMove.map((id) => `task_moved:${id}`),
          ...toDelete.map((id) => `task_deleted:${id}`),
        ]);
        const total = expected.size;
        await waitUntil(
          () => receivers.every((r) => r.receiver.taskEvents(r.from).length >= total),
          5000,
        );
        await h.sleep(300);
        const sequences = receivers.map((r) => r.receiver.taskEvents(r.from));
        receivers.forEach(({ receiver }, i) => {
          const keys = sequences[i]!.map(eventKey);
          const missing = [...expected].filter((k) => !keys.includes(k));
          const twice = [...new Set(keys.filter((k, j) => keys.indexOf(k) !== j))];
          check(
            missing.length === 0 && twice.length === 0 && keys.length === total,
            `[${receiver.name}] did not get each of the ${total} changes exactly once.`,
            {
              expected: `${total} task events, one per change (${prepIds.length} prepared tasks, then the burst of 50)`,
              received: `${keys.length} events; missing ${missing.slice(0, 4).join(", ") || "none"}; repeated ${twice.slice(0, 4).join(", ") || "none"}`,
            },
          );
        });
        h.log.pass(`all ${receivers.length} subscribers got the ${total} changes exactly once`);
        const reference = receivers[0]!.receiver.name;
        receivers.forEach(({ receiver }, i) => {
          const diff = firstDifference(sequences[0]!, sequences[i]!);
          check(
            diff === "none",
            `${reference} and ${receiver.name} saw the changes in different orders.`,
            {
              expected:
                "one order on every stream and socket: the order in which the server published",
              received: `first difference at ${diff}`,
            },
          );
        });
        h.log.pass("every SSE stream and socket saw the same order");
        closeAll(subs);
      },
    },
    {
      slug: "long-poll-subscribed",
      title: "held long polls are released through the bus as well",
      nudge:
        "Look at `src/long-poll.ts`: how do the held polls hear about a change now that the routes only publish?",
      concept:
        "Long polls are just one more transport: they listen to the bus like SSE and WebSocket do, so the routes need to know nothing about waiting requests, and a held poll is answered as soon as a change is published.",
      hint: "src/long-poll.ts subscribes to the bus too: subscribe((event) => notifyWaiters(event.boardId, [{ type: event.type, ...event.data }])). The routes no longer call notifyWaiters themselves.",
      timeout: 6000,
      async run(h) {
        const poll = startPoll(h, "/boards/board-1/poll", "poller");
        await h.sleep(200);
        await checkStillOpen(poll, "nothing changed on board-1 yet");
        const task = await createTask(h, { listId: "list-todo", title: "Wakes the poll" });
        const id = taskIdOf(task)!;
        if (!(await settlesWithin(poll, 1000))) {
          fail("The held poll was not answered after POST /tasks.", {
            expected: "GET /boards/board-1/poll to answer within 1000 ms of the change",
            received: "still open",
          });
        }
        const body = jsonObject(await pollResponse(poll));
        check(
          changeList(body.data).some((item) => describesTask(item, id)),
          "The poll's answer does not mention the new task.",
          {
            expected: `data about ${id}`,
            received: show(body),
          },
        );
        h.log.pass("the poll was answered with the new task");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
