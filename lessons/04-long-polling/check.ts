import { check, checkStatus, fail, show } from "../../src/checks/assert.ts";
import { exportedFunction, kit } from "../../src/checks/learner-module.ts";
import {
  changeList,
  checkIsoTimestamp,
  checkStillOpen,
  createTask,
  describeOutcome,
  describesTask,
  firstListOf,
  jsonObject,
  type Poll,
  pollResponse,
  settlesWithin,
  startPoll,
  taskIdOf,
} from "../../src/checks/taskboard.ts";
import { defineChecker, type StepContext } from "../../src/checks/types.ts";
import { waitUntil } from "../../src/checks/wait.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

/** The long-poll timeout the server gets in this lab (ms). */
const TIMEOUT = 1500;
/** How soon after the mutation's response a held poll must answer (ms). */
const RELEASE_WITHIN = 200;
const POLL = "/boards/board-1/poll";
const LONG_POLL_MODULE = "src/long-poll.ts";
const KIT = new URL("./kit.ts", import.meta.url);
/** How many abandoned waits the timer step starts, and when their clients leave (ms). */
const ABANDONED = 20;
const LEAVE_AFTER = 600;
/** How long after the abort every timer must be gone (ms). */
const CLEARED_WITHIN = 50;

/**
 * Waits until `poll` answers, at most RELEASE_WITHIN ms after `changedAt`, then checks it
 * answered 200 `{ data, timestamp }` with `data` about `taskId`. Returns the delay in ms.
 */
async function checkReleased(
  poll: Poll,
  changedAt: number,
  taskId: string,
  change: string,
  label = "The poll",
): Promise<number> {
  const left = Math.max(0, RELEASE_WITHIN - (performance.now() - changedAt));
  if (!(await settlesWithin(poll, left))) {
    fail(`${label} was still open ${RELEASE_WITHIN} ms after ${change} answered.`, {
      expected: `GET ${poll.path} to answer right after the change`,
      received: "no answer yet",
      actor: poll.name,
    });
  }
  const res = await pollResponse(poll);
  // The server may answer the poll a moment before the mutation's own response arrives.
  const delay = Math.max(0, Math.round(poll.settledAt! - changedAt));
  checkStatus(res, 200);
  const body = jsonObject(res);
  check(body.timeout !== true, `The poll timed out instead of reporting ${change}.`, {
    expected: "{ data: [ …the change ], timestamp }",
    received: describeOutcome(poll, await poll.done),
  });
  const items = changeList(body.data);
  check(
    items.some((item) => describesTask(item, taskId)),
    `The poll's data does not mention ${taskId}.`,
    {
      expected: `data describing the change, e.g. [{ "type": "task_created", "task": { "id": "${taskId}", … } }] or [{ "id": "${taskId}", … }]`,
      received: show(body.data),
    },
  );
  checkIsoTimestamp(body.timestamp, "`timestamp` of the poll's answer");
  return delay;
}

/** `POST /tasks` on `listId`, returning the new task's id and when the response arrived. */
async function timedCreate(
  h: StepContext,
  listId: string,
  title: string,
): Promise<{ id: string; at: number }> {
  const task = await createTask(h, { listId, title });
  return { id: taskIdOf(task)!, at: performance.now() };
}

export default defineChecker({
  timers: { LONG_POLL_TIMEOUT_MS: TIMEOUT },
  steps: [
    {
      slug: "poll-held",
      title: "GET /boards/board-1/poll stays open while nothing changes",
      nudge:
        "Look at what the poll route in `src/routes/boards.ts` returns, and at when the promise from `waitForUpdate()` in `src/long-poll.ts` settles.",
      concept:
        "A long poll is a request the server deliberately leaves unanswered until something changes; the framework sends nothing until the handler's promise resolves, and answering at once turns it back into short polling.",
      hint: "The route in src/routes/boards.ts must return the promise from waitForUpdate(boardId, c.request.signal) (src/long-poll.ts), which only resolves when notifyWaiters() runs for that board or the timeout passes.",
      async run(h) {
        const poll = startPoll(h, POLL, "poller");
        await h.sleep(300);
        await checkStillOpen(poll, "nothing changed on board-1");
        h.log.pass("still open after 300 ms");
      },
    },
    {
      slug: "poll-released",
      title: "a new task on board-1 releases the poll at once with { data, timestamp }",
      nudge:
        "Look at what the POST /tasks route does after a task is saved, and at `notifyWaiters()` in `src/long-poll.ts`.",
      concept:
        "A held request is only useful if a change wakes it: the write that changes a board must tell that board's waiters, and each one answers at once with what happened and a timestamp.",
      hint: 'After createTask() in the POST /tasks route (src/routes/tasks.ts), call notifyWaiters(task.boardId, [{ type: "task_created", task }]); notifyWaiters() in src/long-poll.ts must resolve each waiter of that board with Response.json({ data, timestamp }).',
      async run(h) {
        const poll = startPoll(h, POLL, "poller");
        await h.sleep(150);
        await checkStillOpen(poll, "nothing changed on board-1 yet");
        const created = await timedCreate(h, "list-todo", "Released by a long poll");
        h.state.set("taskId", created.id);
        const delay = await checkReleased(poll, created.at, created.id, "POST /tasks");
        h.log.pass(`answered within ${delay} ms of POST /tasks, with data about ${created.id}`);
      },
    },
    {
      slug: "other-board",
      title: "a change on board-2 does not release a board-1 poll",
      nudge: "Look at how `notifyWaiters()` chooses which waiters to answer.",
      concept:
        "Each waiter waits on one board, so a change should wake only the people watching that board; waking everyone costs a round of requests for nothing and hands clients news about boards they are not looking at.",
      hint: "notifyWaiters(boardId, data) in src/long-poll.ts must answer only the waiters whose boardId matches; keep each waiter's boardId (or a Map from board id to its waiters).",
      async run(h) {
        const poll = startPoll(h, POLL, "poller");
        await h.sleep(150);
        await createTask(h, { listId: firstListOf(h, "board-2"), title: "Only board-2 changes" });
        await h.sleep(300);
        await checkStillOpen(poll, "only board-2 changed");
        h.log.pass("the board-1 poll stayed open while board-2 changed");

        const created = await timedCreate(h, "list-todo", "Now board-1 changes");
        const delay = await checkReleased(poll, created.at, created.id, "POST /tasks");
        h.log.pass(`a board-1 change then released it (${delay} ms)`);
      },
    },
    {
      slug: "all-pollers",
      title: "one change releases all 5 waiting polls",
      nudge:
        "Look at the loop in `notifyWaiters()` and at what happens to the collection of waiters while it runs.",
      concept:
        "Many people can watch the same board, and one change must answer every one of them; removing waiters from the very collection you are walking can quietly skip some of them.",
      hint: "notifyWaiters() in src/long-poll.ts must answer every waiter of the board, not only the first. If settling a waiter removes it from the array you are looping over, loop over a copy ([...waiters]).",
      async run(h) {
        const polls = Array.from({ length: 5 }, (_, i) => startPoll(h, POLL, `poller-${i + 1}`));
        await h.sleep(250);
        for (const poll of polls) await checkStillOpen(poll, "nothing changed on board-1 yet");
        h.log.pass("5 polls are open");

        const id = h.state.get("taskId") as string;
        const res = await h.http.patch(`/tasks/${id}/move`, { listId: "list-doing" });
        const changedAt = performance.now();
        checkStatus(res, 200);
        const left = Math.max(0, RELEASE_WITHIN - (performance.now() - changedAt));
        await Promise.all(polls.map((poll) => settlesWithin(poll, left)));
        const open = polls.filter((p) => p.settledAt === undefined);
        check(open.length === 0, `Only ${5 - open.length} of the 5 polls answered the move.`, {
          expected: `all 5 within ${RELEASE_WITHIN} ms of PATCH /tasks/${id}/move`,
          received: `${open.length} still open`,
        });
        for (const poll of polls) await checkReleased(poll, changedAt, id, "PATCH /tasks/:id/move");
        h.log.pass("all 5 polls answered with data about the moved task");
      },
    },
    {
      slug: "poll-timeout",
      title: `an idle poll ends with { data: [], timeout: true } after LONG_POLL_TIMEOUT_MS`,
      nudge:
        "Look at what `waitForUpdate()` does when no change ever comes, and at where `src/config.ts` reads the timeout.",
      concept:
        "Proxies, load balancers and browsers drop connections that stay silent too long, so every held request must end by itself after a set time, with an empty answer that tells the client to simply ask again.",
      hint: "In waitForUpdate() (src/long-poll.ts), start a setTimeout of config.longPollTimeoutMs (read from LONG_POLL_TIMEOUT_MS in src/config.ts) that removes the waiter and resolves Response.json({ data: [], timeout: true }).",
      timeout: TIMEOUT * 3 + 3000,
      async run(h) {
        const timeout = h.timers.LONG_POLL_TIMEOUT_MS;
        const poll = startPoll(h, POLL, "idle-poller");
        if (!(await settlesWithin(poll, timeout * 3))) {
          fail(`The idle poll was still open after ${timeout * 3} ms.`, {
            expected: `an answer about ${timeout} ms after it started (LONG_POLL_TIMEOUT_MS=${timeout})`,
            received: "no answer",
          });
        }
        const outcome = await poll.done;
        const elapsed = Math.round(outcome.at - poll.startedAt);
        check(elapsed >= timeout * 0.8, `The idle poll answered after only ${elapsed} ms.`, {
          expected: `about ${timeout} ms (LONG_POLL_TIMEOUT_MS)`,
          received: describeOutcome(poll, outcome),
        });
        const res = await pollResponse(poll);
        checkStatus(res, 200);
        const body = jsonObject(res);
        check(
          Array.isArray(body.data) && body.data.length === 0 && body.timeout === true,
          "The timeout answer is not { data: [], timeout: true }.",
          { expected: '{ "data": [], "timeout": true }', received: show(body) },
        );
        h.log.pass(`answered { data: [], timeout: true } after ${elapsed} ms`);
      },
    },
    {
      slug: "aborted-polls",
      title: "50 polls that clients abandon leave the server healthy",
      nudge:
        "Look at what `waitForUpdate()` does when a client gives up on its request before any answer comes.",
      concept:
        "A waiter can leave in three ways (notified, timed out or abandoned), and each must clean up only itself; forget the abandoned case and dead waiters with their timers pile up, remove too much and other people's requests are dropped.",
      hint: 'In waitForUpdate() (src/long-poll.ts), listen for "abort" on the signal passed from c.request.signal and then remove only that waiter and clear its timer; other clients\' waiters must stay.',
      timeout: 8000,
      async run(h) {
        const live = startPoll(h, POLL, "poller-live");
        await h.sleep(50);
        const gone = Array.from({ length: 50 }, () => startPoll(h, POLL, "poller-gone"));
        await h.sleep(250);
        for (const poll of gone) poll.request.abort();
        h.log.info("started 50 more polls and aborted them");
        await h.sleep(250);
        await checkStillOpen(live, "a poll that nobody aborted must wait for a change");
        h.log.pass("the poll started before them is still open");

        const started = performance.now();
        const health = await h.http.get("/health");
        const healthMs = Math.round(performance.now() - started);
        checkStatus(health, 200);
        check(healthMs < 500, "GET /health was slow after the aborted polls.", {
          expected: "an answer within 500 ms",
          received: `${healthMs} ms`,
        });
        h.log.pass(`GET /health answered in ${healthMs} ms`);

        const created = await timedCreate(h, "list-todo", "After the aborted polls");
        const delay = await checkReleased(
          live,
          created.at,
          created.id,
          "POST /tasks",
          "The poll opened before the 50 aborted ones",
        );
        h.log.pass(`a change released the waiting poll (${delay} ms)`);

        const fresh = startPoll(h, POLL, "poller-new");
        await h.sleep(150);
        const res = await h.http.delete(`/tasks/${created.id}`);
        const deletedAt = performance.now();
        checkStatus(res, 200, 204);
        const delay2 = await checkReleased(fresh, deletedAt, created.id, "DELETE /tasks/:id");
        h.log.pass(`a new poll was released by the delete (${delay2} ms)`);
      },
    },
    {
      slug: "abandoned-timers-cleared",
      title: "an abandoned poll clears its timer at once instead of leaving it to run out",
      nudge:
        "Look at what `waitForUpdate()` in src/long-poll.ts does with the waiter's timer when the signal fires `abort`.",
      concept:
        "A request whose client has gone can never be answered, so what it holds should go the moment the client leaves. Otherwise dead waiters pile up, each holding a timer and a closure, until their timeouts run out: on a busy board that is thousands of timers for nobody.",
      hint: 'The lesson says of an abandoned poll: "Clear the timer and remove this waiter, and only this one." In waitForUpdate(), listen for "abort" on the signal and call the same settle() as the two other ways out: clearTimeout(timer), remove the waiter, remove the abort listener.',
      timeout: 8000,
      async run(h) {
        const mod = await h.loadModule(LONG_POLL_MODULE, {
          name: "your long-poll module",
          kit: KIT,
        });
        const wait = exportedFunction(
          mod,
          "waitForUpdate",
          "export function waitForUpdate(boardId, signal) { … }",
        );
        const made: number[] = [];
        let after: number | undefined;
        const timersOf = (data: unknown) => {
          const timers = (data as { timers?: unknown } | undefined)?.timers;
          return typeof timers === "number" ? timers : undefined;
        };
        mod.host.on("made", (data) => {
          const n = timersOf(data);
          if (n !== undefined) made.push(n);
        });
        mod.host.on("aborted", (data) => {
          after = timersOf(data) ?? after;
        });
        const signal = () => kit("signal", { afterMs: LEAVE_AFTER, settleMs: CLEARED_WITHIN });
        for (let i = 0; i < ABANDONED; i++) await wait.start("board-1", signal());
        h.log.info(
          `called waitForUpdate("board-1", signal) ${ABANDONED} times in your module's own process; every signal fires "abort" ${LEAVE_AFTER} ms after the first call, as clients closing their tabs`,
        );
        const reported = await waitUntil(
          () => after !== undefined && made.length === ABANDONED,
          LEAVE_AFTER + 2000,
        );
        check(reported, "The module's process did not report its timers after the abort.", {
          expected: `a report ${CLEARED_WITHIN} ms after the signals fired`,
          received: `no report within ${LEAVE_AFTER + 2000} ms: something keeps the module's process busy (a loop in your abort handling?)`,
        });
        const before = made[0]!;
        const started = made.at(-1)! - before;
        check(
          after! <= before,
          `${after! - before} timers were still running ${CLEARED_WITHIN} ms after the clients of ${ABANDONED} abandoned polls went away.`,
          {
            expected: `each abandoned waiter's timer cleared on "abort" (${before} timers running before the polls, no more after)`,
            received: `${after} timers running (the first ${ABANDONED - 1} waits had started ${started})`,
          },
        );
        h.log.pass(
          `the waits started ${started}+ timers; ${CLEARED_WITHIN} ms after the abort none was left`,
        );
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
