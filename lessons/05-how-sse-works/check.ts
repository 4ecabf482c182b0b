import { check, checkStatus, fail } from "../../src/checks/assert.ts";
import { describeBytes } from "../../src/checks/raw-http.ts";
import {
  checkConnectedFrame,
  checkStreamHeaders,
  diagnoseFrames,
  firstEvent,
  formatFrame,
  openStream,
  waitUntil,
} from "../../src/checks/sse-steps.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

/** The reconnection delay the server is given in this lab; `retry:` must repeat it. */
const RETRY_MS = 2500;
const PATH = "/boards/board-1/events";

export default defineChecker({
  env: { SSE_RETRY_MS: String(RETRY_MS) },
  steps: [
    {
      slug: "stream-headers",
      title: "GET /boards/board-1/events answers 200 as an event stream",
      nudge:
        "Look at the status and headers of the response the events route in `src/routes/events.ts` sends.",
      concept:
        "The headers are what make a response an event stream: a browser's EventSource accepts only text/event-stream, caches must not store or hold it back, and it has no length because it never ends.",
      hint: 'In src/routes/events.ts, return new Response(stream, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" } }), where stream is a ReadableStream; no Content-Length, no compression.',
      timeout: 5000,
      async run(h) {
        const stream = await openStream(h, PATH);
        checkStreamHeaders(h, stream, PATH);
      },
    },
    {
      slug: "retry-field",
      title: "the stream sends a retry: field with SSE_RETRY_MS",
      nudge:
        "Look at the very first bytes the stream writes, and at how `src/config.ts` reads SSE_RETRY_MS.",
      concept:
        "The retry field tells the browser how many milliseconds to wait before it reconnects after a drop; it fires no event, and taking it from the environment lets the runner choose its own value.",
      hint: 'Read SSE_RETRY_MS in src/config.ts (numberFromEnv, default 5000) and, in start() of the stream in src/routes/events.ts, enqueue "retry: " + config.sseRetryMs followed by an empty line ("\\n\\n").',
      timeout: 5000,
      async run(h) {
        const stream = await openStream(h, PATH);
        if (!(await waitUntil(() => stream.retry !== undefined, 500))) {
          fail(
            `GET ${PATH} sent no retry: field within 500 ms. ${diagnoseFrames(stream.raw) ?? ""}`,
            {
              expected: `a line "retry: ${RETRY_MS}" (SSE_RETRY_MS=${RETRY_MS}) followed by an empty line`,
              received: `the body so far:\n${describeBytes(Buffer.from(stream.raw), 600) || "(nothing)"}`,
            },
          );
        }
        check(
          stream.retry === RETRY_MS,
          `The retry: field says ${stream.retry} ms, but the server was started with SSE_RETRY_MS=${RETRY_MS}.`,
          {
            expected: `retry: ${RETRY_MS}`,
            received: `retry: ${stream.retry}`,
          },
        );
        h.log.pass(`retry: ${stream.retry} (from SSE_RETRY_MS)`);
      },
    },
    {
      slug: "first-frame",
      title: 'a data: frame ended by an empty line arrives at once: {"type":"connected"}',
      nudge:
        "Look at the greeting that `start()` writes in `src/routes/events.ts`, and especially at how that frame ends.",
      concept:
        "An SSE frame is a few field lines, and only an empty line ends it and makes the browser fire the event; greeting at once also matters because Node sends the headers only together with the first bytes of the body.",
      hint: 'In start() of the stream (src/routes/events.ts), enqueue "data: " + JSON.stringify({ type: "connected" }) followed by TWO line breaks ("\\n\\n"): the empty line is what ends a frame.',
      timeout: 5000,
      async run(h) {
        const stream = await openStream(h, PATH);
        const e = await firstEvent(stream, PATH, 500);
        h.log.pass(`an event arrived ${e.at} ms after the headers`);
        checkConnectedFrame(e, PATH);
        h.log.pass(`it is the greeting: ${formatFrame(e)}`);
      },
    },
    {
      slug: "stays-open",
      title: "streams stay open while the server keeps answering other requests",
      nudge:
        "Look at whether anything in `src/routes/events.ts` ends the stream, or makes the route wait before it returns.",
      concept:
        "An event stream is one response that stays open for as long as the client listens, and the server writes into it whenever it has news; meanwhile the server must keep answering everyone else, so the route hands the response back without waiting.",
      hint: "Do not call controller.close() in src/routes/events.ts: an event stream is one response that never ends by itself. The route must return at once (no await on anything that waits for the stream).",
      timeout: 6000,
      async run(h) {
        const one = await openStream(h, PATH, { name: "sse-board-1" });
        const two = await openStream(h, "/boards/board-2/events", { name: "sse-board-2" });
        checkConnectedFrame(await firstEvent(one, PATH), PATH);
        checkConnectedFrame(
          await firstEvent(two, "/boards/board-2/events"),
          "/boards/board-2/events",
        );
        h.log.pass("a board-1 and a board-2 stream are open, each greeted");

        const t0 = performance.now();
        const health = await h.http.get("/health");
        const healthMs = Math.round(performance.now() - t0);
        checkStatus(health, 200);
        check(healthMs < 500, "GET /health was slow while two streams were open.", {
          expected: "an answer within 500 ms",
          received: `${healthMs} ms`,
        });
        h.log.pass(`GET /health answered in ${healthMs} ms beside the open streams`);

        await h.sleep(1000);
        for (const [stream, path] of [
          [one, PATH],
          [two, "/boards/board-2/events"],
        ] as const) {
          check(
            !stream.closed,
            `The server ended GET ${path} although the client kept listening.`,
            {
              expected: "the response to stay open for as long as the client listens",
              received: `the stream ended after these bytes:\n${describeBytes(Buffer.from(stream.raw), 400)}`,
            },
          );
        }
        h.log.pass("both streams are still open after 1 s");

        one.close();
        two.close();
        await h.sleep(100);
        checkStatus(await h.http.get("/health"), 200);
        const again = await openStream(h, PATH, { name: "sse-again" });
        checkConnectedFrame(await firstEvent(again, PATH), PATH);
        h.log.pass("after the clients left, the server still answers and greets a new stream");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
