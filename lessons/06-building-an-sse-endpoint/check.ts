import { check, checkStatus, show } from "../../src/checks/assert.ts";
import {
  aboutTask,
  checkConnectedFrame,
  checkStreamHeaders,
  expectNothingAbout,
  expectPrompt,
  firstEvent,
  formatFrame,
  openQuietStreams,
  openStream,
  taskChangeOf,
} from "../../src/checks/sse-steps.ts";
import {
  createTask,
  deleteTask,
  firstListOf,
  moveTask,
  taskIdOf,
} from "../../src/checks/taskboard.ts";
import type { SseClient, StepContext } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

const BOARD_1 = "/boards/board-1/events";
const BOARD_2 = "/boards/board-2/events";

/** Opens a stream and waits for its connected greeting. */
async function greeted(h: StepContext, path: string, name?: string): Promise<SseClient> {
  const stream = await openStream(h, path, { name });
  checkConnectedFrame(await firstEvent(stream, path), path);
  return stream;
}

/**
 * Waits for the event about `taskId` on `stream` (within the promptness limit of `since`)
 * and checks that it says `type`. Returns the delay in ms.
 */
async function expectChange(
  stream: SseClient,
  type: string,
  taskId: string,
  since: number,
  cause: string,
): Promise<number> {
  const { event, delay } = await expectPrompt(
    stream,
    aboutTask(taskId),
    since,
    `a ${type} event about ${taskId}`,
  );
  const change = taskChangeOf(event);
  check(
    change?.type === type,
    `[${stream.name}] The event about ${taskId} after ${cause} does not say ${type}.`,
    {
      expected: `data: {"type":"${type}", …} (or, from {{lesson:event-types-and-ids}} on, event: ${type})`,
      received: formatFrame(event),
    },
  );
  return delay;
}

/** Creates a task on `listId` and returns its id and when the response arrived. */
async function created(
  h: StepContext,
  listId: string,
  title: string,
): Promise<{ id: string; at: number }> {
  const task = await createTask(h, { listId, title });
  return { id: taskIdOf(task)!, at: performance.now() };
}

export default defineChecker({
  steps: [
    {
      slug: "connected-frame",
      title: 'GET /boards/board-1/events opens with data: {"type":"connected"}',
      nudge:
        "Look at how the events route builds its stream now, and at what `addClient()` in `src/sse.ts` writes first.",
      concept:
        "Each stream is now created and registered by `src/sse.ts` so that later changes can find it; a new client still gets the retry line and the connected greeting straight away, as in the previous lesson.",
      hint: 'The route in src/routes/events.ts must return new Response(addClient(c.params.boardId), { headers }); addClient() in src/sse.ts enqueues formatSSE({ type: "connected" }) in start(), after the retry: line.',
      timeout: 5000,
      async run(h) {
        const stream = await openStream(h, BOARD_1);
        checkStreamHeaders(h, stream, BOARD_1);
        const first = await firstEvent(stream, BOARD_1);
        checkConnectedFrame(first, BOARD_1);
        h.log.pass(`the first event, ${first.at} ms after the headers: ${formatFrame(first)}`);
      },
    },
    {
      slug: "task-pushed",
      title: "a created, moved and deleted task reach a board-1 stream within 200 ms",
      nudge:
        "Look at what the three task routes in `src/routes/tasks.ts` do after a write, and at `broadcast()` in `src/sse.ts`.",
      concept:
        "The route that opened a stream returned long ago, so a change can only reach the browser through the registry of open streams; every create, move and delete must be pushed there at once, and a stream that has gone must never get in the way.",
      hint: 'In src/routes/tasks.ts, after each change call broadcast(task.boardId, { type: "task_created", task }) (task_moved with the task, task_deleted with taskId). broadcast() in src/sse.ts must enqueue formatSSE(data) to every stream of that board, and the stream the previous step closed must not get in the way: cancel() forgets it, and an enqueue that throws is caught without skipping the next client.',
      timeout: 8000,
      async run(h) {
        const stream = await greeted(h, BOARD_1);
        const made = await created(h, "list-todo", "Pushed over SSE");
        let delay = await expectChange(stream, "task_created", made.id, made.at, "POST /tasks");
        h.log.pass(`task_created about ${made.id} arrived ${delay} ms after POST /tasks answered`);

        await moveTask(h, made.id, "list-doing");
        delay = await expectChange(
          stream,
          "task_moved",
          made.id,
          performance.now(),
          "PATCH /tasks/:id/move",
        );
        h.log.pass(`task_moved arrived ${delay} ms after PATCH /tasks/${made.id}/move answered`);

        await deleteTask(h, made.id);
        delay = await expectChange(
          stream,
          "task_deleted",
          made.id,
          performance.now(),
          "DELETE /tasks/:id",
        );
        h.log.pass(`task_deleted arrived ${delay} ms after DELETE /tasks/${made.id} answered`);
      },
    },
    {
      slug: "every-stream",
      title: "one change reaches all 3 open streams of the board",
      nudge:
        "Look at how `broadcast()` walks the registry in `src/sse.ts`, and at whether every open stream is kept in it.",
      concept:
        "A board can be open in many tabs at once, each with its own stream, and a change is news for all of them, not only for the first one found.",
      hint: "broadcast() in src/sse.ts must write to every client whose boardId matches, not only the first one it finds; keep every stream addClient() registered (an array or a Set).",
      timeout: 6000,
      async run(h) {
        const streams = [
          await greeted(h, BOARD_1, "sse-tab-1"),
          await greeted(h, BOARD_1, "sse-tab-2"),
          await greeted(h, BOARD_1, "sse-tab-3"),
        ];
        h.log.pass("3 streams of board-1 are open");
        const made = await created(h, "list-todo", "Seen by every tab");
        for (const stream of streams) {
          const delay = await expectChange(stream, "task_created", made.id, made.at, "POST /tasks");
          h.log.pass(`${stream.name} got task_created after ${delay} ms`);
        }
      },
    },
    {
      slug: "board-isolation",
      title: "board-2 changes never reach a board-1 stream, and the other way round",
      nudge:
        "Look at how `broadcast()` decides which streams get a frame, and at which board the task routes pass to it.",
      concept:
        "Every stream watches one board, so a change goes only to that board's streams; it is the same rule as for long polls, and it matters even more here because streams stay open for hours.",
      hint: "Each client in src/sse.ts keeps the boardId it was opened for; broadcast(boardId, data) must skip every client of another board, and the task routes must pass the task's own board (task.boardId).",
      timeout: 8000,
      async run(h) {
        const one = await greeted(h, BOARD_1, "sse-board-1");
        const two = await greeted(h, BOARD_2, "sse-board-2");
        const other = await created(h, firstListOf(h, "board-2"), "Only on board-2");
        const delay = await expectChange(two, "task_created", other.id, other.at, "POST /tasks");
        h.log.pass(`the board-2 stream got the board-2 task after ${delay} ms`);
        await expectNothingAbout(one, other.id, 300, "it belongs to board-2");
        h.log.pass("the board-1 stream got nothing about it in 300 ms");

        const mine = await created(h, "list-todo", "Only on board-1");
        const delay1 = await expectChange(one, "task_created", mine.id, mine.at, "POST /tasks");
        h.log.pass(`the board-1 stream got the board-1 task after ${delay1} ms`);
        await expectNothingAbout(two, mine.id, 200, "it belongs to board-1");
        h.log.pass("the board-2 stream got nothing about it");
      },
    },
    {
      slug: "gone-clients",
      title: "streams that close are forgotten, and the one left keeps receiving",
      nudge:
        "Look at what `src/sse.ts` does when a browser closes its stream, and at what happens when `broadcast()` writes to one that has already closed.",
      concept:
        "When a tab goes away its stream is cancelled and writing to it throws; the registry must forget exactly that client, and one dead stream must neither stop the others from receiving nor fail the request that made the change.",
      hint: "Give the ReadableStream in addClient() (src/sse.ts) a cancel() that removes exactly that client (not every client of its board), and wrap each enqueue in broadcast() in try/catch so one dead stream cannot stop the loop or the request.",
      timeout: 8000,
      async run(h) {
        const leavers: SseClient[] = [];
        for (let i = 1; i <= 5; i++) leavers.push(await greeted(h, BOARD_1, `sse-leaver-${i}`));
        const stayer = await greeted(h, BOARD_1, "sse-stayer");
        h.log.pass("6 streams of board-1 are open");
        for (const leaver of leavers) leaver.close();
        await h.sleep(150);
        h.log.info("5 of them closed; the last one opened stays");

        for (const [round, title] of [
          [1, "After five tabs closed"],
          [2, "And once more"],
        ] as const) {
          const t0 = performance.now();
          const res = await h.http.post("/tasks", { listId: "list-todo", title });
          const answered = performance.now();
          checkStatus(res, 201, 200);
          check(answered - t0 < 1000, "POST /tasks was slow after clients left.", {
            expected: "an answer within 1000 ms",
            received: `${Math.round(answered - t0)} ms`,
          });
          const id = taskIdOf(res.json().task ?? res.json());
          check(id, "POST /tasks did not answer with the created task.", {
            expected: '{ "task": { "id": … } }',
            received: show(res.json()),
          });
          const delay = await expectChange(stayer, "task_created", id, answered, "POST /tasks");
          h.log.pass(
            `change ${round}: POST answered ${res.status} and the open stream got it (${delay} ms)`,
          );
        }
      },
    },
    {
      slug: "many-streams",
      title: "100 streams that open and close leave the server healthy",
      nudge:
        "Look at the registry in `src/sse.ts` after many streams have come and gone, and at the server's output for errors.",
      concept:
        "A long-running server sees visitors come and go all day, and each one that leaves must leave no trace; a registry that only grows keeps writing into dead streams and slowly wears the server down.",
      hint: "Every stream that closes must leave the registry in src/sse.ts (cancel() deletes exactly that client) and nothing may keep writing to it; check the server's output for errors thrown while the streams closed.",
      timeout: 8000,
      async run(h) {
        const streams = await openQuietStreams(h, [BOARD_1, BOARD_2], 100);
        for (const s of streams) s.close();
        h.log.info("closed all 100");
        await h.sleep(200);

        const t0 = performance.now();
        const health = await h.http.get("/health");
        const healthMs = Math.round(performance.now() - t0);
        checkStatus(health, 200);
        check(healthMs < 500, "GET /health was slow after 100 streams closed.", {
          expected: "an answer within 500 ms",
          received: `${healthMs} ms`,
        });
        h.log.pass(`GET /health answered in ${healthMs} ms`);

        const fresh = await greeted(h, BOARD_1, "sse-fresh");
        const made = await created(h, "list-todo", "After a hundred visitors");
        const delay = await expectChange(fresh, "task_created", made.id, made.at, "POST /tasks");
        h.log.pass(`a new stream is greeted and gets a change after ${delay} ms`);
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
