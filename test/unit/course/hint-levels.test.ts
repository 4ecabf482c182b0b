import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StepResult } from "../../../src/checks/results.ts";
import { hintLevelProblems } from "../../../src/course/course-lint.ts";
import { hintLevels, nextHintLevel } from "../../../src/course/hint-levels.ts";

const step = {
  slug: "poll-held",
  title: "a poll stays open",
  nudge: "Look at what your poll route does when nothing changed.",
  concept: "A long poll is answered only when something changes.",
  hint: "Await waitForUpdate() before answering.",
  run: async () => {},
};
const failed: StepResult = {
  slug: "poll-held",
  title: step.title,
  hint: step.hint,
  status: "fail",
  durationMs: 1,
};

describe("hint levels", () => {
  it("go from where to look, to the idea, to what to do", () => {
    const levels = hintLevels({ ...failed, nudge: step.nudge, concept: step.concept });
    expect(levels.map((l) => l.text)).toEqual([step.nudge, step.concept, step.hint]);
  });

  it("are the hint alone for a result without levels (a failure's own advice; see harness-hints)", () => {
    const crashed = { ...failed, hint: "Your server exited: read its last lines." };
    expect(hintLevels(crashed)).toEqual([{ label: "What to do", text: crashed.hint }]);
  });

  it("count one more level each time they are asked, per step, up to the last", async () => {
    const ws = await mkdtemp(join(tmpdir(), "labs-hints-"));
    try {
      const asked = [];
      for (let i = 0; i < 4; i++)
        asked.push(await nextHintLevel(ws, "long-polling", "poll-held", 3));
      expect(asked).toEqual([1, 2, 3, 3]);
      expect(await nextHintLevel(ws, "long-polling", "poll-timeout", 3)).toBe(1);
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  });

  it("are required of every step but a knowledge check's", () => {
    const bare = { ...step, slug: "bare", nudge: undefined, concept: undefined };
    const quiz = { ...bare, slug: "q1" };
    expect(hintLevelProblems({ steps: [step, bare, quiz] }, new Set(["q1"]))).toEqual([
      "step bare has no nudge (hint levels: nudge, concept, hint; see AUTHORING.md)",
    ]);
  });
});
