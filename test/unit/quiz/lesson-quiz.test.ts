import { describe, expect, it } from "vitest";
import { parseQuiz } from "../../../src/quiz/format.ts";
import { quizWiringProblems } from "../../../src/quiz/lesson-quiz.ts";
import { lessonQuizSteps } from "../../../src/quiz/steps.ts";

const quiz = parseQuiz({
  version: 1,
  questions: [
    {
      id: "why-bus",
      title: "Why a bus",
      prompt: "Why?",
      kind: "text",
      accept: ["redis"],
      wrong: "No.",
      explanation: "Yes.",
    },
  ],
});
const dir = "/course/lessons/16-scaling-real-time";

describe("every lesson asks its knowledge check", () => {
  it("flags a lesson without quiz.json", () => {
    expect(quizWiringProblems(dir, { steps: [{ slug: "a" }] }, undefined)).toEqual([
      expect.stringMatching(/16-scaling-real-time has no knowledge check: add quiz\.json/),
    ]);
  });

  it("flags questions the checker never asks, and passes once it asks them", () => {
    expect(quizWiringProblems(dir, { steps: [{ slug: "a" }] }, quiz)).toEqual([
      expect.stringMatching(/quiz\.json: the checker never asks why-bus/),
    ]);
    expect(quizWiringProblems(dir, { steps: [{ slug: "a" }, { slug: "why-bus" }] }, quiz)).toEqual(
      [],
    );
  });

  it("names the lesson's own answers file in the steps of a lesson's quiz", () => {
    const steps = lessonQuizSteps(
      new URL("../../../lessons/04-long-polling/check.ts", import.meta.url),
    );
    expect(steps[0]?.title).toBe("Your answers are in answers/long-polling.json");
    expect(steps.slice(1).every((s) => s.title.startsWith("Question "))).toBe(true);
  });
});
