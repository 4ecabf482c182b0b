import { describe, expect, it } from "vitest";
import { curlFor, devCommandFor, wscatFor } from "../../../src/checks/curl.ts";
import { collapseRepeats, Transcript } from "../../../src/checks/transcript.ts";

describe("a failing step's transcript", () => {
  it("shows a block repeated three times or more once, with a count", () => {
    const t = new Transcript();
    const http = t.logger("http");
    http.info("start");
    for (let i = 0; i < 4; i++) {
      http.send("GET /presence");
      http.recv("200 []");
    }
    http.info("end");
    expect(t.excerpt(0).split("\n")).toEqual([
      "[http] start",
      "[http] GET /presence",
      "[http] 200 []",
      "… the 2 lines above 3 more times",
      "[http] end",
    ]);
    expect(collapseRepeats(["a", "a", "b", "b", "b"])).toEqual([
      0,
      1,
      2,
      "… the line above 2 more times",
    ]);
  });

  it("leaves ping/pong out unless the step is about heartbeats", () => {
    const t = new Transcript();
    const ws = t.logger("ws-alice");
    ws.recv("ping");
    ws.send("pong");
    ws.send('{"type":"join","boardId":"board-1"}');
    expect(t.excerpt(0)).toBe(
      '[ws-alice] {"type":"join","boardId":"board-1"}\n(2 ping/pong lines left out)',
    );
    expect(t.excerpt(0, 60, { heartbeats: true }).split("\n")).toHaveLength(3);
  });
});

describe("replay lines", () => {
  it("open the same WebSocket with the headers sent, against the instance's dev port", () => {
    expect(
      wscatFor("/ws", {
        headers: { Cookie: "session=abc" },
        origin: "http://localhost:3000",
        base: "http://localhost:3001",
      }),
    ).toBe(
      "npx -y wscat -c 'ws://localhost:3001/ws' -H 'Cookie: session=abc' -o 'http://localhost:3000'",
    );
    expect(curlFor("GET", "/health", { base: "http://localhost:3001" })).toBe(
      "curl -i 'http://localhost:3001/health'",
    );
  });

  it("start a second instance by hand with what the check gave it, quoted where the shell needs it", () => {
    expect(
      devCommandFor({
        PORT: "3001",
        DATABASE_PATH: "server-B.db",
        REDIS_URL: "redis://localhost:6379",
        ALLOWED_ORIGINS: "http://a.test, it's",
      }),
    ).toBe(
      "PORT=3001 DATABASE_PATH=server-B.db REDIS_URL=redis://localhost:6379 ALLOWED_ORIGINS='http://a.test, it'\\''s' npm run dev",
    );
    expect(devCommandFor({})).toBe("npm run dev");
  });
});
