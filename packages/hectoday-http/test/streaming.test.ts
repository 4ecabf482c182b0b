import { route, setup } from "@hectoday/http";
import { serve } from "srvx";
import { describe, expect, it } from "vitest";
import { req } from "./helpers.ts";

const encoder = new TextEncoder();

/** An SSE stream that sends one event now and only closes when `finish()` is called. */
function openSse() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode("data: first\n\n"));
    },
  });
  return {
    stream,
    send: (data: string) => controller.enqueue(encoder.encode(`data: ${data}\n\n`)),
    finish: () => controller.close(),
  };
}

const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache" };

describe("streaming responses", () => {
  it("returns a streaming Response from resolve untouched", async () => {
    const sse = openSse();
    const original = new Response(sse.stream, { headers: sseHeaders });
    const app = setup([route.get("/events", { resolve: () => original })]);
    const res = await app.fetch(req("/events"));
    expect(res).toBe(original);
    expect(res.body).toBe(sse.stream);
    sse.finish();
  });

  it("delivers SSE chunks to a real HTTP client through srvx before the stream ends", {
    timeout: 10_000,
  }, async () => {
    const sse = openSse();
    const app = setup([
      route.get("/events", { resolve: () => new Response(sse.stream, { headers: sseHeaders }) }),
    ]);
    const server = serve({
      fetch: app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      silent: true,
      gracefulShutdown: false,
    });
    try {
      await server.ready();
      const res = await fetch(new URL("/events", server.url));
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();

      const first = await reader.read();
      expect(first.value).toBe("data: first\n\n");

      sse.send("second");
      const second = await reader.read();
      expect(second.value).toBe("data: second\n\n");

      sse.finish();
      let rest = "";
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        rest += next.value;
      }
      expect(rest).toBe("");
    } finally {
      await server.close(true);
    }
  });
});
