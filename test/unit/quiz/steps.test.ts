import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runChecker } from "../../../src/checks/harness.ts";
import { Transcript } from "../../../src/checks/transcript.ts";
import { defineChecker } from "../../../src/checks/types.ts";
import { writeAnswers } from "../../../src/quiz/answers-file.ts";
import { parseQuiz } from "../../../src/quiz/format.ts";
import { quizSteps } from "../../../src/quiz/steps.ts";
import { CHECK_TIMERS } from "../../../src/runner/environment.ts";

const quiz = parseQuiz({
  version: 1,
  questions: [
    {
      id: "pick",
      title: "Pick one",
      prompt: "Which one pushes?",
      kind: "choice",
      choices: [
        { id: "a", label: "Short polling", why: "Polling asks; it does not push." },
        { id: "b", label: "Server-Sent Events" },
      ],
      answer: "b",
      explanation: "SSE keeps a response open and writes to it.",
    },
    {
      id: "count",
      title: "Count them",
      prompt: "How many?",
      kind: "number",
      answer: 2000,
      unit: "requests per minute",
      wrong: "Per browser first, then multiply.",
      explanation: "20 a minute times 100.",
    },
  ],
});
const checker = defineChecker({ server: false, steps: quizSteps(quiz, 7) });

const dirs: string[] = [];
async function workspace(answers?: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-quiz-"));
  dirs.push(dir);
  if (answers) await writeAnswers(dir, 7, quiz, answers);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function check(ws: string) {
  const transcript = new Transcript();
  const result = await runChecker({
    lesson: { number: 7, slug: "quiz", title: "Quiz" },
    checker,
    transcript,
    timers: CHECK_TIMERS,
    workspace: ws,
  });
  return { result, transcript };
}

describe("a knowledge check's steps", () => {
  it("are one step for the file, then one per question, named after the question ids", () => {
    expect(checker.steps.map((s) => s.slug)).toEqual(["answers-file", "pick", "count"]);
    expect(checker.steps[1].title).toBe("Question 1 of 2: Pick one");
  });

  it("fail at the file step with how to answer when there is no answers file", async () => {
    const { result } = await check(await workspace());
    const failed = result.steps.find((s) => s.status === "fail")!;
    expect(failed.slug).toBe("answers-file");
    expect(failed.message).toMatch(/no answers\/lesson-07\.json/);
    expect(failed.hint).toMatch(/npm run lesson 7/);
    expect(failed.hint).toMatch(/by hand/);
  });

  it("fail at an unanswered question, showing its prompt and choices as the hint", async () => {
    const { result } = await check(await workspace({}));
    const failed = result.steps.find((s) => s.status === "fail")!;
    expect(failed.slug).toBe("pick");
    expect(failed.message).toMatch(/has no answer yet/);
    expect(failed.hint).toMatch(
      /Which one pushes\? Choices: a\) Short polling · b\) Server-Sent Events/,
    );
  });

  it("fail at a wrong answer with that answer's explanation as the hint, and never print the answer", async () => {
    const { result, transcript } = await check(await workspace({ pick: "a", count: 2000 }));
    const failed = result.steps.find((s) => s.status === "fail")!;
    expect(failed.slug).toBe("pick");
    expect(failed.hint).toBe("Polling asks; it does not push.");
    expect(failed.details).toContain('Received: "a" (Short polling)');
    const everything = [
      failed.message,
      failed.hint,
      ...(failed.details ?? []),
      ...transcript.lines.map((l) => l.text),
    ].join("\n");
    expect(everything).not.toMatch(/Server-Sent Events/);
  });

  it("fail on an answer in the wrong form, saying what form it takes", async () => {
    const { result } = await check(await workspace({ pick: "b", count: "many" }));
    const failed = result.steps.find((s) => s.status === "fail")!;
    expect(failed.slug).toBe("count");
    expect(failed.details).toContain("Expected: a number of requests per minute");
  });

  it("pass when every answer is right, logging each explanation", async () => {
    const { result, transcript } = await check(await workspace({ pick: "B", count: "2,000" }));
    expect(result.status).toBe("pass");
    expect(transcript.lines.map((l) => l.text).join("\n")).toMatch(
      /"2,000" is right\. 20 a minute times 100\./,
    );
  });
});
