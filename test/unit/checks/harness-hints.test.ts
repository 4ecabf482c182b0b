import { describe, expect, it } from "vitest";
import { fail } from "../../../src/checks/assert.ts";
import { runChecker } from "../../../src/checks/harness.ts";
import { Transcript } from "../../../src/checks/transcript.ts";
import { defineChecker } from "../../../src/checks/types.ts";
import { CheckFailure } from "../../../src/errors.ts";
import { CHECK_TIMERS } from "../../../src/runner/environment.ts";

const levels = { nudge: "Look at the route.", concept: "A held request answers later." };

async function failingStep(fails: () => void) {
  const checker = defineChecker({
    server: false,
    steps: [
      {
        slug: "held",
        title: "held",
        hint: "Return waitForUpdate().",
        ...levels,
        run: async () => fails(),
      },
    ],
  });
  const result = await runChecker({
    lesson: { number: 4, slug: "long-polling", title: "Long Polling" },
    checker,
    transcript: new Transcript(),
    timers: CHECK_TIMERS,
    workspace: "/nonexistent",
  });
  return result.steps[0]!;
}

describe("a failing step's result carries its hint levels", () => {
  it("with the step's own hint: the nudge and the concept as well", async () => {
    const step = await failingStep(() => fail("answered at once", { expected: "open" }));
    expect(step.status).toBe("fail");
    expect(step).toMatchObject({ hint: "Return waitForUpdate().", ...levels });
  });

  it("with a failure's own advice: that advice alone", async () => {
    const step = await failingStep(() => {
      throw new CheckFailure("no module", { hint: "Create src/long-poll.ts." });
    });
    expect(step.hint).toBe("Create src/long-poll.ts.");
    expect(step.nudge).toBeUndefined();
    expect(step.concept).toBeUndefined();
  });
});
