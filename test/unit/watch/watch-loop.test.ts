import { describe, expect, it } from "vitest";
import { isIgnored } from "../../../src/watch/watch-loop.ts";

describe("what a save is", () => {
  it("counts source, public and answers files", () => {
    for (const f of ["src/server.ts", "public/board.js", "answers/long-polling.json"])
      expect(isIgnored(f)).toBe(false);
  });

  it("ignores databases, build output and half-written files", () => {
    for (const f of [
      "node_modules/ws/index.js",
      ".labs/build/tree/src/server.js",
      "taskboard.db-wal",
      "answers/long-polling.json.11998.tmp",
      "src/.server.ts.swp",
      "src/server.ts~",
    ])
      expect(isIgnored(f)).toBe(true);
  });
});
