import { request } from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterEach, describe, expect, it } from "vitest";
import { LiveServer } from "../../../src/web/live-server.ts";

const regions = {
  status: "waiting",
  steps: "<ol></ol>",
  progress: "0 of 18",
  lesson: "<h1>L</h1>",
};
const servers: LiveServer[] = [];

async function start(opts: { port?: number; heartbeatMs?: number } = {}): Promise<LiveServer> {
  const s = await LiveServer.start({
    title: "t",
    heading: "h",
    regions,
    heartbeatMs: 200,
    ...opts,
  });
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Follows /events like a browser would, collecting what came (retry and comments included). */
async function follow(server: LiveServer, headers: Record<string, string> = {}, query = "") {
  const ac = new AbortController();
  const events: EventSourceMessage[] = [];
  let retry: number | undefined;
  const res = await fetch(`${server.url}events${query}`, { headers, signal: ac.signal });
  const parser = createParser({
    onEvent: (e) => events.push(e),
    onRetry: (ms) => {
      retry = ms;
    },
  });
  const decoder = new TextDecoder();
  void (async () => {
    try {
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // aborted
    }
  })();
  const until = async (pred: (e: EventSourceMessage[]) => boolean, ms = 2000) => {
    const deadline = Date.now() + ms;
    while (!pred(events)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { res, events, retry: () => retry, until, close: () => ac.abort() };
}

describe("the web view's server", () => {
  it("serves the page with its regions, locked down, and only to 127.0.0.1 and localhost", async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(s.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<div data-region="steps"><ol></ol></div>');
    expect((await fetch(`${s.url}assets/live.js`)).headers.get("content-type")).toMatch(
      /javascript/,
    );
    expect((await fetch(`${s.url}nope`)).status).toBe(404);
    // A page on another site that rebinds its name to 127.0.0.1 sends its own Host: refused.
    const status = await new Promise<number>((resolve, reject) => {
      request(s.url, { headers: { Host: `evil.example:${s.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(421);
  });

  it("streams a snapshot, then updates with growing ids, and a heartbeat", async () => {
    const s = await start();
    const page = await follow(s);
    expect(page.res.headers.get("content-type")).toBe("text/event-stream");
    await page.until((e) => e.some((x) => x.event === "snapshot"));
    expect(page.retry()).toBe(1000);
    expect(JSON.parse(page.events[0]!.data)).toEqual({ heartbeatMs: 200, resume: "none" });
    const snapshot = page.events.find((x) => x.event === "snapshot")!;
    expect(JSON.parse(snapshot.data).regions).toEqual(regions);

    s.update({ status: "running" }, { newRun: true });
    s.update(
      { status: "passed" },
      { patches: { "step:a": "<li>a</li>" }, quietly: { steps: "<ol>a</ol>" } },
    );
    await page.until((e) => e.filter((x) => x.event === "update").length === 2);
    const updates = page.events.filter((x) => x.event === "update");
    expect(updates.map((u) => JSON.parse(u.data))).toEqual([
      { regions: { status: "running" }, newRun: true },
      { regions: { status: "passed" }, newRun: false, patches: { "step:a": "<li>a</li>" } },
    ]);
    // what the patches add up to is kept for a page that comes later
    const later = await follow(s);
    await later.until((e) => e.some((x) => x.event === "snapshot"));
    expect(
      JSON.parse(later.events.find((x) => x.event === "snapshot")!.data).regions,
    ).toMatchObject({
      status: "passed",
      steps: "<ol>a</ol>",
    });
    later.close();
    expect(Number(updates[0]!.id)).toBeGreaterThan(Number(snapshot.id));
    expect(Number(updates[1]!.id)).toBe(Number(updates[0]!.id) + 1);
    await page.until((e) => e.some((x) => x.event === "heartbeat"), 1000);
    // heartbeats carry no id, so they never move a page's Last-Event-ID
    expect(page.events.filter((x) => x.event === "heartbeat").every((x) => !x.id)).toBe(true);
    page.close();
  });

  it("gives a page that comes back what it missed, from Last-Event-ID or ?lastEventId=", async () => {
    const s = await start();
    const first = await follow(s);
    await first.until((e) => e.some((x) => x.event === "snapshot"));
    s.update({ status: "one" });
    await first.until((e) => e.some((x) => x.event === "update"));
    const seen = first.events.find((x) => x.event === "update")!.id!;
    first.close();
    s.update({ status: "two" });
    s.update({ steps: "three" });

    for (const [headers, query] of [
      [{ "Last-Event-ID": seen }, ""],
      [{}, `?lastEventId=${seen}`],
    ] as const) {
      const back = await follow(s, headers, query);
      await back.until((e) => e.filter((x) => x.event === "update").length === 2);
      expect(JSON.parse(back.events[0]!.data).resume).toBe("replayed");
      expect(back.events.some((x) => x.event === "snapshot")).toBe(false);
      expect(
        back.events.filter((x) => x.event === "update").map((x) => JSON.parse(x.data).regions),
      ).toEqual([{ status: "two" }, { steps: "three" }]);
      back.close();
    }
  });

  it("gives a page a snapshot when the runner was restarted under it, with ids that still grow", async () => {
    const old = await start();
    const page = await follow(old);
    await page.until((e) => e.some((x) => x.event === "snapshot"));
    old.update({ status: "old run" });
    await page.until((e) => e.some((x) => x.event === "update"));
    const seen = page.events.find((x) => x.event === "update")!.id!;
    const port = old.port;
    page.close();
    await old.close();
    servers.splice(servers.indexOf(old), 1);

    await new Promise((r) => setTimeout(r, 5));
    const restarted = await start({ port });
    restarted.update({ status: "new run" });
    const back = await follow(restarted, { "Last-Event-ID": seen });
    await back.until((e) => e.some((x) => x.event === "snapshot"));
    expect(JSON.parse(back.events[0]!.data).resume).toBe("snapshot");
    const snapshot = back.events.find((x) => x.event === "snapshot")!;
    expect(JSON.parse(snapshot.data).regions.status).toBe("new run");
    expect(Number(snapshot.id)).toBeGreaterThan(Number(seen));
    back.close();
  });

  it("says when its port is taken", async () => {
    const s = await start();
    await expect(start({ port: s.port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
