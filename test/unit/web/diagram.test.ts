import { describe, expect, it } from "vitest";
import {
  conciseLines,
  linesAsText,
  locateFailure,
  type ShownLine,
  Transcript,
  type TranscriptLine,
} from "../../../src/checks/transcript.ts";
import { laneOrder, sequenceDiagram } from "../../../src/web/diagram.ts";

const at = (n: number) => n;
function line(
  l: Partial<TranscriptLine> & Pick<TranscriptLine, "actor" | "kind" | "text">,
): TranscriptLine {
  return { at: at(0), ...l };
}

/** Lesson 16's story in small: a create on A, Redis, a client on B that never hears of it. */
const story: ShownLine[] = [
  line({ actor: "tester", kind: "info", text: "two instances up", at: 100 }),
  line({
    actor: "ws-bob@B",
    kind: "send",
    text: "GET /ws (WebSocket upgrade)",
    peer: "server B",
    message: "request",
    replay: "npx -y wscat -c 'ws://localhost:3001/ws'",
    at: 101,
  }),
  line({
    actor: "ws-bob@B",
    kind: "recv",
    text: "101 Switching Protocols: connected",
    peer: "server B",
    message: "open",
    at: 103,
  }),
  line({
    actor: "http",
    kind: "send",
    text: "POST /tasks {}",
    peer: "your server",
    message: "request",
    replay: "curl -i -X POST 'http://localhost:3000/tasks'",
    at: 110,
  }),
  line({
    actor: "your server",
    kind: "send",
    text: "PUBLISH board:board-1 {}",
    peer: "redis",
    message: "publish",
    at: 111,
  }),
  line({
    actor: "http",
    kind: "recv",
    text: "201 Created",
    peer: "your server",
    message: "response",
    at: 112,
  }),
  line({ actor: "server B", kind: "server", text: "listening on 3001", at: 113 }),
  { note: "(3 ping/pong lines left out)" },
];

describe("the sequence diagram", () => {
  it("puts the tester and the clients left, the servers in the middle and Redis right", () => {
    expect(laneOrder(story)).toEqual([
      { name: "tester", role: "tester" },
      { name: "ws-bob@B", role: "client" },
      { name: "http", role: "client" },
      { name: "server B", role: "server" },
      { name: "your server", role: "server" },
      { name: "redis", role: "redis" },
    ]);
  });

  it("draws each message from its sender to its receiver, with its kind and replay line", () => {
    const html = sequenceDiagram(story);
    const arrows = [
      ...html.matchAll(
        /class="seq-row seq-arrow ([^"]+)" data-from="([^"]+)" data-to="([^"]+)" data-kind="([^"]+)"/g,
      ),
    ].map((m) => `${m[2]} → ${m[3]} (${m[4]}, ${m[1].split(" ")[0]})`);
    expect(arrows).toEqual([
      "ws-bob@B → server B (request, seq-right)",
      "server B → ws-bob@B (open, seq-left)",
      "http → your server (request, seq-right)",
      "your server → redis (publish, seq-right)",
      "your server → http (response, seq-left)",
    ]);
    // lanes: ws-bob@B is lane 2 (column 3), server B lane 4 (column 5): a span of 3 lanes from column 3
    expect(html).toContain('style="grid-column: 3 / span 3; --span: 3"');
    expect(html).toContain(`data-copy="npx -y wscat -c &#39;ws://localhost:3001/ws&#39;"`);
    expect(html).toContain("+11 ms"); // times are counted from the step's first line
    expect(html).toContain('<span class="seq-gap">(3 ping/pong lines left out)</span>');
    expect(html).toMatch(/seq-note seq-server" data-actor="server B">.*listening on 3001/);
    expect(html).not.toContain("seq-failed");
  });

  it("marks the failing message and says the failure on the lane of whoever expected it", () => {
    const failedAt = locateFailure(
      story,
      "[ws-bob@B] never got the task created through server A.",
    );
    expect(failedAt).toEqual({ actor: "ws-bob@B", line: 2 });
    const html = sequenceDiagram(story, { failedAt, failure: "[ws-bob@B] never got it" });
    expect(html.match(/seq-failed/g)).toHaveLength(1);
    expect(html).toMatch(/seq-left seq-open seq-failed" data-from="server B" data-to="ws-bob@B"/);
    // ws-bob@B is the second lane: the mark is in grid column 3
    expect(html).toMatch(/seq-fail-mark" data-actor="ws-bob@B">.*grid-column: 3 \/ span 1/);
    expect(html).toContain('<div class="seq-row seq-fail-text">[ws-bob@B] never got it</div>');
  });

  it("escapes whatever the learner's server sent", () => {
    const evil: ShownLine[] = [
      line({
        actor: "sse-1",
        kind: "recv",
        text: `data: <img src=x onerror="alert(1)"></script>`,
        message: "event",
      }),
      line({ actor: "your server", kind: "server", text: "<script>alert(2)</script>" }),
    ];
    const html = sequenceDiagram(evil);
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/script&gt;");
    // a message without a peer goes to the first server
    expect(html).toContain('data-from="your server" data-to="sse-1"');
  });

  it("says so when a step sent nothing", () => {
    expect(sequenceDiagram([])).toContain("Nothing was sent or received");
  });
});

describe("where a failure is", () => {
  it("takes the actor the check named, then a bracketed one, then one the message names", () => {
    expect(locateFailure(story, "the poll was still open", { actor: "http" })).toEqual({
      actor: "http",
      line: 5,
    });
    expect(locateFailure(story, "server B never answered")).toEqual({ actor: "server B", line: 2 });
  });

  it("marks the actor's message that carries what the failure received, not just its last one", () => {
    const twice: ShownLine[] = [
      line({
        actor: "ws-alice@A",
        kind: "recv",
        text: '{"type":"task_created","id":"task-9d87"}',
        message: "frame",
      }),
      line({ actor: "your server", kind: "send", text: "PUBLISH board:board-1 {}", peer: "redis" }),
      line({
        actor: "ws-alice@A",
        kind: "recv",
        text: '{"type":"task_created","id":"task-9d87"}',
        message: "frame",
      }),
      line({
        actor: "ws-alice@A",
        kind: "recv",
        text: '{"type":"presence","users":[]}',
        message: "frame",
      }),
    ];
    const message = "[ws-alice@A] got one POST /tasks on A 2 times.";
    const details = [
      "Expected: exactly one task_created:task-9d87",
      "Received: task_created:task-9d87, task_created:task-9d87",
    ];
    expect(locateFailure(twice, message, { details })).toEqual({ actor: "ws-alice@A", line: 2 });
    // with nothing received to go by, the actor's last message
    expect(locateFailure(twice, message, { details: ["Received: none"] })).toEqual({
      actor: "ws-alice@A",
      line: 3,
    });
  });

  it("marks no message when it cannot tell whose expectation failed", () => {
    expect(locateFailure(story, "Something was off.")).toEqual({ actor: "tester" });
  });
});

describe("the transcript model", () => {
  it("keeps a line's peer, kind of message and replay line, and shows the replay under it as text", () => {
    const t = new Transcript();
    t.logger("sse-1", { peer: "server B" }).send("GET /events", {
      message: "request",
      replay: "curl -N 'http://localhost:3001/events'",
    });
    t.logger("sse-1").recv("retry: 1000");
    expect(t.lines[0]).toMatchObject({ actor: "sse-1", peer: "server B", message: "request" });
    expect("peer" in t.lines[1]!).toBe(false);
    expect(linesAsText(conciseLines(t.lines))).toBe(
      "[sse-1] GET /events\n[sse-1] curl -N 'http://localhost:3001/events'\n[sse-1] retry: 1000",
    );
  });

  it("places a line reported after the fact at its time, but never before the current step", async () => {
    const t = new Transcript();
    const log = t.logger("tester");
    log.info("step 1");
    const before = performance.timeOrigin + performance.now();
    await new Promise((r) => setTimeout(r, 5));
    const from = t.section();
    log.info("step 2 begins");
    await new Promise((r) => setTimeout(r, 5));
    const published = performance.timeOrigin + performance.now();
    await new Promise((r) => setTimeout(r, 5));
    t.logger("ws-bob").recv("the event", { message: "frame" });
    // MONITOR's line for the PUBLISH comes after the delivery it caused
    t.add("your server", "send", "PUBLISH board:board-1 {}", { peer: "redis" }, published);
    // and one from before this step stays in this step, first
    t.add("server B", "send", "SET k v", { peer: "redis" }, before);
    expect(from).toBe(1);
    expect(t.lines.map((l) => l.text)).toEqual([
      "step 1",
      "SET k v",
      "step 2 begins",
      "PUBLISH board:board-1 {}",
      "the event",
    ]);
    const ats = t.lines.map((l) => l.at);
    expect(ats[3]).toBeLessThanOrEqual(ats[4]!);
  });

  it("collapses repeats only when the peer is the same too", () => {
    const t = new Transcript();
    for (const peer of ["your server", "your server", "your server", "server B"])
      t.logger("http", { peer }).send("GET /health");
    const shown = conciseLines(t.lines);
    expect(shown.map((l) => ("note" in l ? l.note : l.peer))).toEqual([
      "your server",
      "… the line above 2 more times",
      "server B",
    ]);
  });
});
