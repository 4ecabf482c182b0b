import { check, checkStatus, fail, show } from "../../src/checks/assert.ts";
import {
  type Connections,
  checkConnectedFrame,
  countOf,
  firstEvent,
  formatFrame,
  openQuietStreams,
  openStream,
  pollConnections,
  readConnections,
} from "../../src/checks/sse-steps.ts";
import type { SseClient, StepContext } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

const BOARD_1 = "/boards/board-1/events";
const BOARD_2 = "/boards/board-2/events";
/** Extra time allowed on top of SSE_HEARTBEAT_MS for timers and a loaded machine (ms). */
const SLACK_MS = 400;

/** Opens a stream and waits for its connected greeting. */
async function greeted(h: StepContext, path: string, name?: string): Promise<SseClient> {
  const stream = await openStream(h, path, { name });
  checkConnectedFrame(await firstEvent(stream, path), path);
  return stream;
}

/** `{ total, boards }` as a short text for messages. */
function describe(c: Connections): string {
  return show(c);
}

/** Fails unless the report counts `total` streams, `b1` on board-1 and `b2` on board-2. */
function checkCounts(c: Connections, total: number, b1: number, b2: number, when: string): void {
  check(
    c.total === total && countOf(c, "board-1") === b1 && countOf(c, "board-2") === b2,
    `GET /admin/connections does not match the open streams ${when}.`,
    {
      expected: `total ${total}, board-1 ${b1}, board-2 ${b2}: { "total": ${total}, "boards": { "board-1": ${b1}, "board-2": ${b2} } }`,
      received: describe(c),
    },
  );
}

export default defineChecker({
  steps: [
    {
      slug: "admin-connections",
      title: "GET /admin/connections counts open streams, in total and per board",
      nudge:
        "Look at whether `src/sse.ts` can tell how many streams are open, and whether a route in `src/routes/admin.ts` reports it.",
      concept:
        "A registry of open streams you cannot see is one you cannot trust. A monitoring route that counts them, in total and per board, shows that every stream is tracked from the moment it opens.",
      hint: 'Add getConnectionCount() and getConnectionCountByBoard(boardId) to src/sse.ts and a route GET /admin/connections in src/routes/admin.ts answering { total, boards: { "board-1": 2, … } }; addClient() registers each stream in start(), so the count is right as soon as the stream opens.',
      timeout: 5000,
      async run(h) {
        const before = await readConnections(h);
        checkCounts(before, 0, 0, 0, "before any stream was opened");
        h.log.pass(`no stream yet: ${describe(before)}`);

        const plan = [
          [BOARD_1, 1, 1, 0],
          [BOARD_1, 2, 2, 0],
          [BOARD_2, 3, 2, 1],
        ] as const;
        for (const [path, total, b1, b2] of plan) {
          await greeted(h, path);
          const now = await readConnections(h);
          checkCounts(now, total, b1, b2, `after opening ${path}`);
          h.log.pass(`after opening ${path}: ${describe(now)}`);
        }
      },
    },
    {
      slug: "connections-fall",
      title: "the counts fall back within one heartbeat after clients disconnect",
      nudge:
        "Look at what happens in `src/sse.ts` when a client goes away: in `cancel()` and in the heartbeat loop.",
      concept:
        "A stream whose client has left must be forgotten, or the registry only grows and every broadcast writes into dead connections. There are two chances to notice, the stream being cancelled and a later write that fails, and a failure inside a timer must be caught, because an uncaught error there stops the whole server.",
      hint: "A stream that closes must leave the registry in src/sse.ts: cancel() removes exactly that client, and the heartbeat removes any client whose enqueue throws (catch it: an exception thrown in a timer stops the whole server). Use one heartbeat timer for all streams, or clear a per-stream timer in cancel().",
      timeout: 6000,
      async run(h) {
        const within = h.timers.SSE_HEARTBEAT_MS + SLACK_MS;
        // The three streams of the previous step were closed when that step ended.
        let result = await pollConnections(h, (r) => r.total === 0, within);
        if (!result.ok) {
          fail(
            `The 3 streams of the previous step closed, but after ${result.after} ms they are still counted.`,
            {
              expected: `within ${within} ms: { "total": 0, "boards": {} } (or boards at 0)`,
              received: describe(result.report),
            },
          );
        }
        h.log.pass(
          `the 3 earlier streams are gone: ${describe(result.report)} after ${result.after} ms`,
        );

        const a = await greeted(h, BOARD_1, "sse-stays");
        const b = await greeted(h, BOARD_1, "sse-leaves");
        const c = await greeted(h, BOARD_2, "sse-board-2");
        checkCounts(await readConnections(h), 3, 2, 1, "with 3 new streams open");
        b.close();
        result = await pollConnections(
          h,
          (r) => r.total === 2 && countOf(r, "board-1") === 1 && countOf(r, "board-2") === 1,
          within,
        );
        if (!result.ok) {
          fail(
            `One board-1 stream closed, but after ${result.after} ms the counts have not followed.`,
            {
              expected: `within ${within} ms: { "total": 2, "boards": { "board-1": 1, "board-2": 1 } }`,
              received: describe(result.report),
            },
          );
        }
        h.log.pass(`one closed: ${describe(result.report)} after ${result.after} ms`);

        a.close();
        c.close();
        result = await pollConnections(
          h,
          (r) => r.total === 0 && countOf(r, "board-1") === 0 && countOf(r, "board-2") === 0,
          within,
        );
        if (!result.ok) {
          fail(`Every stream closed, but after ${result.after} ms some are still counted.`, {
            expected: `within ${within} ms: { "total": 0, "boards": {} } (or boards at 0)`,
            received: describe(result.report),
          });
        }
        h.log.pass(`all closed: ${describe(result.report)} after ${result.after} ms`);

        // The next heartbeat must pass over the closed streams without harm.
        await h.sleep(within);
        checkCounts(await readConnections(h), 0, 0, 0, "one heartbeat after every stream closed");
        h.log.pass("one heartbeat later the server still answers, with nothing counted");
      },
    },
    {
      slug: "heartbeat",
      title: "an idle stream gets a `: heartbeat` comment every SSE_HEARTBEAT_MS",
      nudge:
        "Look at what an idle stream from `src/sse.ts` receives while no task changes, and how often.",
      concept:
        "Proxies and load balancers often cut connections that carry no bytes for a minute or two, so the server writes something small on a timer. It has to be an SSE comment, which browsers skip, so the line stays alive without firing any event in the page.",
      hint: 'In src/sse.ts, read HEARTBEAT_INTERVAL from config.sseHeartbeatMs (SSE_HEARTBEAT_MS in src/config.ts, default 15000) and start ONE setInterval that enqueues ": heartbeat\\n\\n" (a comment, not a data: line) to every open stream.',
      timeout: 6000,
      async run(h) {
        const interval = h.timers.SSE_HEARTBEAT_MS;
        const within = interval + SLACK_MS;
        const stream = await greeted(h, BOARD_1, "sse-idle");
        let comment: string;
        try {
          comment = await stream.nextComment({ timeout: within, what: "a `: heartbeat` comment" });
        } catch (error) {
          const extra = stream.events.slice(1);
          if (extra.length > 0) {
            fail(
              `The idle stream got an event instead of a comment. A heartbeat must be a line starting with ":", which browsers skip; a data: line fires onmessage in every open tab.`,
              {
                expected: ": heartbeat, then an empty line",
                received: extra.map(formatFrame).join("\n"),
              },
            );
          }
          throw error;
        }
        const first = performance.now();
        h.log.pass(`a comment arrived on the idle stream: ":${comment}"`);

        await stream.nextComment({ timeout: within, what: "the next heartbeat" });
        const gap = Math.round(performance.now() - first);
        check(
          gap >= interval / 2,
          `Heartbeats come every ${gap} ms, far more often than SSE_HEARTBEAT_MS.`,
          {
            expected: `about one every ${interval} ms (SSE_HEARTBEAT_MS=${interval})`,
            received: `two ${gap} ms apart`,
          },
        );
        h.log.pass(`the next one came ${gap} ms later (SSE_HEARTBEAT_MS=${interval})`);
        check(
          stream.events.length === 1,
          "Something besides the heartbeats reached the idle stream.",
          {
            expected: "only the connected greeting as an event; heartbeats are comments",
            received: stream.events.map(formatFrame).join("\n"),
          },
        );
        h.log.pass("no event was fired by the heartbeats");
        stream.close();
      },
    },
    {
      slug: "many-streams",
      title: "100 streams that open and close are all counted, then all forgotten",
      nudge:
        "Look at how the registry in `src/sse.ts` tells one stream from another, and what each stream removes when it closes.",
      concept:
        "Every open stream is its own entry, even when many watch the same board; if two streams can share a key, one overwrites the other or a close removes the wrong one, and the counts drift. A hundred streams opening and closing must leave the server exactly as it was.",
      hint: "Keep every stream in the registry of src/sse.ts as its own entry (a Set of clients, or an array): no key that two streams could share. Each one's cancel() removes exactly it; the count must return to 0 once they all close.",
      timeout: 10_000,
      async run(h) {
        const within = h.timers.SSE_HEARTBEAT_MS + SLACK_MS;
        const settled = await pollConnections(h, (r) => r.total === 0, within);
        check(settled.ok, "Streams of the earlier steps are still counted.", {
          expected: '{ "total": 0 } once every stream is closed',
          received: describe(settled.report),
        });

        const streams = await openQuietStreams(h, [BOARD_1, BOARD_2], 100);
        const open = await readConnections(h);
        checkCounts(open, 100, 50, 50, "with 100 streams open (50 per board)");
        h.log.pass(`with 100 open: ${describe(open)}`);

        for (const s of streams) s.close();
        const after = await pollConnections(h, (r) => r.total === 0, within);
        if (!after.ok) {
          fail(`All 100 streams closed, but after ${after.after} ms some are still counted.`, {
            expected: `within ${within} ms: { "total": 0, "boards": {} }`,
            received: describe(after.report),
          });
        }
        h.log.pass(`all 100 closed: ${describe(after.report)} after ${after.after} ms`);

        const t0 = performance.now();
        checkStatus(await h.http.get("/health"), 200);
        const ms = Math.round(performance.now() - t0);
        check(ms < 500, "GET /health was slow after 100 streams came and went.", {
          expected: "an answer within 500 ms",
          received: `${ms} ms`,
        });
        const fresh = await greeted(h, BOARD_1, "sse-fresh");
        checkCounts(await readConnections(h), 1, 1, 0, "with one new stream open");
        fresh.close();
        h.log.pass(`the server answers in ${ms} ms and counts a new stream as 1`);
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
