import { EventSource, type FetchLike } from "eventsource";
import { check, checkStatus, deepEqual, fail, show } from "../../src/checks/assert.ts";
import {
  aboutTask,
  checkConnectedFrame,
  expectPrompt,
  firstEvent,
  formatFrame,
  openStream,
  taskChangeOf,
  waitUntil,
} from "../../src/checks/sse-steps.ts";
import {
  createTask,
  deleteTask,
  firstListOf,
  isObject,
  moveTask,
  taskIdOf,
  taskListIdOf,
} from "../../src/checks/taskboard.ts";
import type { SseClient, SseEvent, StepContext } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

const BOARD_1 = "/boards/board-1/events";
const BOARD_2 = "/boards/board-2/events";
/** The reconnection delay the server is given here, so an EventSource comes back quickly. */
const RETRY_MS = 150;
/** How many events the lesson's buffer keeps (EVENT_BUFFER_SIZE). */
const BUFFER_SIZE = 100;

/** Opens a stream and waits for its connected greeting. */
async function greeted(h: StepContext, path: string, name?: string): Promise<SseClient> {
  const stream = await openStream(h, path, { name });
  checkConnectedFrame(await firstEvent(stream, path), path);
  return stream;
}

/** True for the greeting every stream opens with (unnamed, `type: "connected"`). */
function isGreeting(e: SseEvent): boolean {
  return e.event === "message" && taskChangeOf(e)?.data.type === "connected";
}

/** Creates a task on `listId`; returns its id and when the response arrived. */
async function created(
  h: StepContext,
  listId: string,
  title: string,
): Promise<{ id: string; at: number }> {
  const task = await createTask(h, { listId, title });
  return { id: taskIdOf(task)!, at: performance.now() };
}

/** The event's id as a number; fails when it has none or it is not a whole number. */
function numericId(e: SseEvent, stream: SseClient): number {
  check(e.id !== undefined && e.id !== "", `[${stream.name}] A ${e.event} event has no id.`, {
    expected: "an id: line in every task event, e.g. id: 42",
    received: formatFrame(e),
  });
  check(
    /^\d+$/.test(e.id),
    `[${stream.name}] The id of a ${e.event} event is not a whole number.`,
    {
      expected: "ids counted up from 1 by the server (id: 1, id: 2 …)",
      received: formatFrame(e),
    },
  );
  return Number(e.id);
}

/** Waits for the named event `type` about `taskId` within the promptness limit. */
async function expectNamed(
  stream: SseClient,
  type: string,
  taskId: string,
  since: number,
): Promise<SseEvent> {
  const { event } = await expectPrompt(
    stream,
    aboutTask(taskId),
    since,
    `the ${type} event about ${taskId}`,
  );
  if (event.event === "message") {
    fail(
      `[${stream.name}] The change of ${taskId} came as an unnamed event; a browser's addEventListener("${type}") never sees it.`,
      {
        expected: `event: ${type} before the data: line`,
        received: formatFrame(event),
      },
    );
  }
  check(event.event === type, `[${stream.name}] The event about ${taskId} has the wrong name.`, {
    expected: `event: ${type}`,
    received: formatFrame(event),
  });
  return event;
}

/** Posts `count` tasks without logging each one (for filling the event buffer). */
async function createQuietly(h: StepContext, listId: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = ++next;
      const res = await fetch(`${h.server.url}/tasks`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ listId, title: `Filler ${n}` }),
        signal: h.signal,
      });
      const text = await res.text();
      check(
        res.status === 201 || res.status === 200,
        `POST /tasks number ${n} answered ${res.status}.`,
        {
          expected: "status 201",
          received: `${res.status} ${text.slice(0, 200)}`,
        },
      );
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  h.log.info(
    `created ${count} more tasks on ${listId} (POST /tasks ×${count}, not shown one by one)`,
  );
}

export default defineChecker({
  env: { SSE_RETRY_MS: String(RETRY_MS) },
  steps: [
    {
      slug: "named-events",
      title: "changes arrive as named events: task_created, task_moved, task_deleted",
      nudge:
        "Look at how `formatSSE()` in `src/sse.ts` lays out a frame, and at what the task routes hand to `broadcast()` for each kind of change.",
      concept:
        "A browser passes a frame to listeners for a name only when the frame carries that name; frames without one reach onmessage alone. Once the name says what happened, the payload only needs the task, or just its id for a deletion.",
      hint: 'formatSSE(data, eventType, id) in src/sse.ts writes an "event: <eventType>" line before the data: line; the task routes call broadcast(boardId, { task }, "task_created", nextEventId()), { task } for task_moved and { taskId } for task_deleted.',
      timeout: 8000,
      async run(h) {
        const stream = await greeted(h, BOARD_1);
        const made = await created(h, "list-todo", "Named on the wire");
        let e = await expectNamed(stream, "task_created", made.id, made.at);
        const data = taskChangeOf(e)!.data;
        check(
          isObject(data.task) && data.task.id === made.id,
          "task_created does not carry { task }.",
          {
            expected: `data: {"task":{"id":"${made.id}",…}}`,
            received: formatFrame(e),
          },
        );
        h.log.pass(`event: task_created with { task } (id ${e.id ?? "none"})`);

        await moveTask(h, made.id, "list-doing");
        e = await expectNamed(stream, "task_moved", made.id, performance.now());
        const moved = taskChangeOf(e)!.data.task;
        check(
          isObject(moved) && taskListIdOf(moved) === "list-doing",
          "task_moved does not carry the task as it is after the move.",
          {
            expected: `data: {"task":{"id":"${made.id}","listId":"list-doing",…}}`,
            received: formatFrame(e),
          },
        );
        h.log.pass("event: task_moved with the moved task (listId list-doing)");

        await deleteTask(h, made.id);
        e = await expectNamed(stream, "task_deleted", made.id, performance.now());
        check(taskChangeOf(e)!.data.taskId === made.id, "task_deleted does not carry { taskId }.", {
          expected: `data: {"taskId":"${made.id}"}`,
          received: formatFrame(e),
        });
        h.log.pass("event: task_deleted with { taskId }");
      },
    },
    {
      slug: "event-ids",
      title: "every task event carries an id, and ids strictly increase",
      nudge:
        "Look at whether every task event that leaves `src/sse.ts` gets a number, and where that number comes from.",
      concept:
        "An id is the bookmark a browser keeps: it remembers the last one it saw and sends it back when it reconnects. That only works if one server-wide counter hands them out, so a bigger id always means a later event, whatever the board.",
      hint: "Keep a counter in src/sse.ts (nextEventId() returns 1, 2, 3 …) and pass its next value to broadcast() for every event; formatSSE() writes it as an id: line first.",
      timeout: 8000,
      async run(h) {
        const one = await greeted(h, BOARD_1, "sse-board-1");
        const two = await greeted(h, BOARD_2, "sse-board-2");
        const a = await created(h, "list-todo", "Counted");
        const b = await created(h, firstListOf(h, "board-2"), "Counted elsewhere");
        const seen1 = [await expectNamed(one, "task_created", a.id, a.at)];
        const seen2 = [await expectNamed(two, "task_created", b.id, b.at)];
        await moveTask(h, a.id, "list-done");
        seen1.push(await expectNamed(one, "task_moved", a.id, performance.now()));
        const c = await created(h, firstListOf(h, "board-2"), "Counted elsewhere too");
        seen2.push(await expectNamed(two, "task_created", c.id, c.at));
        await deleteTask(h, a.id);
        seen1.push(await expectNamed(one, "task_deleted", a.id, performance.now()));

        for (const [stream, seen] of [
          [one, seen1],
          [two, seen2],
        ] as const) {
          const ids = seen.map((e) => numericId(e, stream));
          for (let i = 1; i < ids.length; i++) {
            check(ids[i] > ids[i - 1], `[${stream.name}] Event ids do not increase.`, {
              expected: "each event's id greater than the one before it",
              received: seen.map(formatFrame).join("\n"),
            });
          }
          h.log.pass(`${stream.name} saw ids ${ids.join(", ")}`);
        }
      },
    },
    {
      slug: "replay",
      title:
        "a reconnect with Last-Event-ID gets every missed event, in order, once, then live ones",
      nudge:
        "Look at what the events route does with the request's headers, and at what `addClient()` in `src/sse.ts` sends right after the greeting.",
      concept:
        "A reconnecting browser tells the server the last event it saw, and the server owes it every later event of that board from its buffer, oldest first, before anything live. Replaying and registering in one uninterrupted step is what stops a live event from falling in between (a gap) or arriving twice.",
      hint: 'In the events route read c.request.headers.get("Last-Event-ID") and pass it to addClient(); in start() enqueue, after the greeting, every buffered frame of that board whose id is greater, oldest first, and register the client in the same synchronous step. broadcast() must push each frame with an id into the buffer.',
      timeout: 8000,
      async run(h) {
        const first = await greeted(h, BOARD_1, "sse-first-visit");
        const t1 = await created(h, "list-todo", "Missed one");
        const e1 = await expectNamed(first, "task_created", t1.id, t1.at);
        const t2 = await created(h, "list-todo", "Missed two");
        const e2 = await expectNamed(first, "task_created", t2.id, t2.at);
        await created(h, firstListOf(h, "board-2"), "Not for board-1 streams");
        await moveTask(h, t1.id, "list-done");
        const e3 = await expectNamed(first, "task_moved", t1.id, performance.now());
        await deleteTask(h, t2.id);
        const e4 = await expectNamed(first, "task_deleted", t2.id, performance.now());
        first.close();
        const missed = [e2, e3, e4];
        h.log.info(
          `the first visit saw ids ${[e1, ...missed].map((e) => e.id).join(", ")}; reconnecting as a browser would after id ${e1.id}`,
        );

        const again = await openStream(h, BOARD_1, { name: "sse-reconnect", lastEventId: e1.id });
        for (const want of missed) {
          const got = await again.next((e) => !isGreeting(e), {
            timeout: 800,
            what: `the replayed event with id ${want.id}`,
          });
          if (got.event === "reset") {
            fail(
              "The server answered the reconnect with reset, but every missed event is still in its buffer.",
              {
                expected: `the events with ids ${missed.map((e) => e.id).join(", ")}, replayed`,
                received: formatFrame(got),
              },
            );
          }
          let problem = "";
          if (got.id === e1.id) problem = ` It repeats id ${e1.id}, which the client already had.`;
          else if (Number(got.id) > Number(want.id)) problem = ` Event ${want.id} was skipped.`;
          else if (!missed.some((m) => m.id === got.id))
            problem = " It is not an event of board-1.";
          check(
            got.id === want.id &&
              got.event === want.event &&
              deepEqual(taskChangeOf(got)?.data, taskChangeOf(want)?.data),
            `The replay after Last-Event-ID: ${e1.id} is not the events the client missed, in order.${problem}`,
            { expected: formatFrame(want), received: formatFrame(got) },
          );
          h.log.pass(`replayed id ${got.id} (${got.event})`);
        }
        await again.expectNone((e) => !isGreeting(e), 250, "further replayed event (a duplicate)");
        h.log.pass("nothing more was replayed");

        const live = await created(h, "list-todo", "Live after the replay");
        const e5 = await expectNamed(again, "task_created", live.id, live.at);
        check(
          Number(e5.id) > Number(e4.id),
          "The live event's id is not above the replayed ones.",
          {
            expected: `an id greater than ${e4.id}`,
            received: formatFrame(e5),
          },
        );
        h.log.pass(`then the live event arrived with id ${e5.id}`);
      },
    },
    {
      slug: "stale-id",
      title:
        "a Last-Event-ID older than the buffer, never issued or not a number gets event: reset, then live events",
      nudge:
        "Look at what `addClient()` in `src/sse.ts` does when the id it is given cannot be followed by a complete replay.",
      concept:
        "A replay with a hole in it is worse than none, because the client would believe it is up to date. When the missed events have left the buffer, or the id comes from before a restart or is not a number at all, the honest answer is to tell the client to start over, then carry on with live events.",
      hint: `In addClient() (src/sse.ts), when the Last-Event-ID is not a number this server issued, or the buffer (EVENT_BUFFER_SIZE = ${BUFFER_SIZE}) no longer holds the event right after it, enqueue formatSSE({ type: "reset" }, "reset", <newest id>) instead of a replay; then the stream goes on with live events.`,
      timeout: 10_000,
      async run(h) {
        const first = await greeted(h, BOARD_1, "sse-long-ago");
        const old = await created(h, "list-todo", "Long ago");
        const e0 = await expectNamed(first, "task_created", old.id, old.at);
        first.close();
        await createQuietly(h, "list-todo", BUFFER_SIZE + 5);

        const back = await openStream(h, BOARD_1, { name: "sse-back", lastEventId: e0.id });
        const got = await back.next((e) => !isGreeting(e), {
          timeout: 1000,
          what: "an event: reset",
        });
        check(
          got.event === "reset",
          `After ${BUFFER_SIZE + 5} newer events, Last-Event-ID: ${e0.id} cannot be resumed without a gap, but the server did not say reset.`,
          {
            expected: 'event: reset (data: {"type":"reset"}) as the first event after the greeting',
            received: formatFrame(got),
          },
        );
        h.log.pass(`Last-Event-ID: ${e0.id} → ${formatFrame(got)}`);
        await back.expectNone(
          (e) => !isGreeting(e),
          250,
          "replayed event after the reset (events after a reset are live ones only)",
        );
        h.log.pass("nothing was replayed after the reset");
        const live = await created(h, "list-todo", "Live after the reset");
        const e = await expectNamed(back, "task_created", live.id, live.at);
        h.log.pass(`a live event followed (id ${e.id})`);

        const impossible = [
          {
            name: "sse-other-server",
            id: "999999",
            why: "was never issued by this server (ids start again when a server starts)",
            expected: "event: reset",
          },
          {
            name: "sse-garbled-id",
            id: "banana",
            why: "is not a whole number, so no replay can follow from it",
            expected:
              'event: reset (check the id with /^\\d+$/ before Number(): Number("banana") is NaN)',
          },
        ];
        for (const { name, id, why, expected } of impossible) {
          const stream = await openStream(h, BOARD_1, { name, lastEventId: id });
          const got = await stream.next((x) => !isGreeting(x), {
            timeout: 1000,
            what: "an event: reset",
          });
          check(
            got.event === "reset",
            `Last-Event-ID: ${id} ${why}, but the server did not say reset.`,
            { expected, received: formatFrame(got) },
          );
          h.log.pass(`Last-Event-ID: ${id} → ${formatFrame(got)}`);
        }
      },
    },
    {
      slug: "eventsource-reconnect",
      title:
        "a real EventSource, cut off by the server, comes back with Last-Event-ID and catches up",
      nudge:
        "Look at the route behind `POST /admin/connections/close` in `src/routes/admin.ts` and whether it really ends the streams that are open.",
      concept:
        "Servers end streams on purpose, during deploys or because a platform caps how long a response may last, and an EventSource is built for that: it waits the retry delay, reconnects with the last id it saw, and the replay fills the gap. It can only do so if the server truly ends the response, so the browser notices.",
      hint: "POST /admin/connections/close (src/routes/admin.ts) must call controller.close() on every open stream (closeStreams() in src/sse.ts) and remove them. The browser then reconnects after the retry: delay, sending Last-Event-ID, and the replay from the replay step brings it up to date.",
      timeout: 8000,
      async run(h) {
        const log = h.actor("eventsource");
        const url = `${h.server.url}${BOARD_1}`;
        const requests: (string | undefined)[] = [];
        const received: { type: string; data: string; lastEventId: string }[] = [];
        let errors = 0;
        let awayTask: Promise<string> | undefined;

        const tracking: FetchLike = async (input, init) => {
          const lastId = init.headers["Last-Event-ID"];
          requests.push(lastId);
          log.send(`GET ${BOARD_1}${lastId ? ` with Last-Event-ID: ${lastId}` : ""}`);
          if (requests.length === 2) {
            // Something happens while the browser is away, before its reconnect reaches the server.
            awayTask = createTask(h, { listId: "list-todo", title: "While you were away" }).then(
              (task) => taskIdOf(task)!,
            );
            await awayTask.catch(() => {});
          }
          return fetch(input, init);
        };
        const es = new EventSource(url, { fetch: tracking });
        h.onTeardown(() => es.close());
        const record = (ev: MessageEvent) => {
          received.push({ type: ev.type, data: String(ev.data), lastEventId: ev.lastEventId });
          log.recv(
            `${ev.lastEventId ? `id: ${ev.lastEventId} ` : ""}event: ${ev.type} data: ${String(ev.data).slice(0, 120)}`,
          );
        };
        for (const type of ["message", "task_created", "task_moved", "task_deleted", "reset"]) {
          es.addEventListener(type, record);
        }
        es.addEventListener("error", () => {
          errors++;
          log.info(
            es.readyState === es.CLOSED
              ? "error: gave up"
              : "error: connection lost, will reconnect",
          );
        });
        const about = (type: string, id: string | undefined) =>
          received.filter((r) => {
            if (r.type !== type || id === undefined) return false;
            try {
              const data = JSON.parse(r.data);
              return isObject(data) && isObject(data.task) && data.task.id === id;
            } catch {
              return false;
            }
          });

        if (!(await waitUntil(() => received.some((r) => r.type === "message"), 1500))) {
          fail("The EventSource did not receive the connected greeting.", {
            expected: 'an open stream starting with data: {"type":"connected"}',
            received: `readyState ${es.readyState}, ${errors} error event(s)`,
          });
        }
        h.log.pass("the EventSource is open and greeted");

        const before = await created(h, "list-todo", "Seen before the cut");
        if (!(await waitUntil(() => about("task_created", before.id).length > 0, 1000))) {
          fail("The EventSource did not get task_created for the new task.", {
            expected: `event: task_created about ${before.id}`,
            received: received.map((r) => r.type).join(", ") || "nothing",
          });
        }
        const seenId = about("task_created", before.id)[0].lastEventId;
        h.log.pass(`it got task_created with id ${seenId || "(none)"}`);

        const res = await h.http.post("/admin/connections/close");
        checkStatus(res, 200, 204);
        if (!(await waitUntil(() => errors > 0, 1000))) {
          fail("After POST /admin/connections/close the EventSource's stream stayed open.", {
            expected: "the server to end every open stream (controller.close())",
            received: `no error event within 1000 ms; answer was ${res.status} ${res.text.slice(0, 100)}`,
          });
        }
        h.log.pass("the server ended the stream; the EventSource noticed");

        if (!(await waitUntil(() => requests.length >= 2, RETRY_MS + 2000))) {
          fail("The EventSource did not reconnect.", {
            expected: `a new request about ${RETRY_MS} ms later (retry: ${RETRY_MS} from SSE_RETRY_MS)`,
            received: `readyState ${es.readyState} (${es.readyState === es.CLOSED ? "it gave up" : "still waiting"})`,
          });
        }
        check(
          requests[1] === seenId && seenId !== "",
          "The EventSource reconnected without the id of the last event it saw.",
          {
            expected: `Last-Event-ID: ${seenId || "<the id of task_created>"}`,
            received: requests[1] ? `Last-Event-ID: ${requests[1]}` : "no Last-Event-ID header",
          },
        );
        h.log.pass(`it reconnected with Last-Event-ID: ${requests[1]}`);

        const awayId = await awayTask!;
        if (!(await waitUntil(() => about("task_created", awayId).length > 0, 1500))) {
          fail("After reconnecting, the EventSource did not get the event it missed.", {
            expected: `event: task_created about ${awayId}, replayed because its id is above ${seenId}`,
            received:
              received
                .slice(-5)
                .map((r) => `${r.type} ${r.data.slice(0, 80)}`)
                .join("\n") || "nothing",
          });
        }
        check(
          about("task_created", before.id).length === 1,
          "The EventSource got the event it had already seen a second time.",
          {
            expected: `task_created about ${before.id} once`,
            received: show(about("task_created", before.id)),
          },
        );
        h.log.pass(`the missed task_created (${awayId}) was replayed, and nothing twice`);

        const after = await created(h, "list-todo", "Live again");
        if (!(await waitUntil(() => about("task_created", after.id).length > 0, 1000))) {
          fail("After the replay, live events did not reach the EventSource.", {
            expected: `event: task_created about ${after.id}`,
            received: received
              .slice(-5)
              .map((r) => r.type)
              .join(", "),
          });
        }
        h.log.pass("and live events flow again");
        es.close();
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
