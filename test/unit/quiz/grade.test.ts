import { describe, expect, it } from "vitest";
import { parseQuiz, type Question } from "../../../src/quiz/format.ts";
import { choiceOf, grade, isBlank, normalizeText, parseNumber } from "../../../src/quiz/grade.ts";

const quiz = parseQuiz({
  version: 1,
  questions: [
    {
      id: "pick",
      title: "Pick",
      prompt: "Which?",
      kind: "choice",
      choices: [
        { id: "a", label: "Short polling", why: "Too slow here." },
        { id: "b", label: "Server-Sent Events" },
      ],
      answer: "b",
      explanation: "SSE pushes.",
    },
    {
      id: "count",
      title: "Count",
      prompt: "How many?",
      kind: "number",
      answer: 2000,
      mistakes: [{ value: 33.3, why: "Per second." }],
      wrong: "Multiply.",
      explanation: "20 × 100.",
    },
    {
      id: "near",
      title: "Near",
      prompt: "About?",
      kind: "number",
      answer: 1.5,
      tolerance: 0.1,
      wrong: "No.",
      explanation: "Yes.",
    },
    {
      id: "name",
      title: "Name",
      prompt: "Called?",
      kind: "text",
      accept: ["EventSource"],
      match: "word",
      wrong: "A constructor.",
      explanation: "Right.",
    },
    {
      id: "exact",
      title: "Exact",
      prompt: "Header?",
      kind: "text",
      accept: ["Last-Event-ID"],
      wrong: "A header.",
      explanation: "Right.",
    },
  ],
});
const q = (id: string): Question => quiz.questions.find((x) => x.id === id)!;

describe("grading an answer", () => {
  it("treats missing, empty and TODO answers as unanswered", () => {
    for (const v of [undefined, null, "", "  ", "TODO", "todo: later", "?"]) {
      expect(isBlank(v), String(v)).toBe(true);
      expect(grade(q("pick"), v).status).toBe("unanswered");
    }
    expect(isBlank(0)).toBe(false);
  });

  it("reads a choice by letter in any case and punctuation, or by its label", () => {
    const pick = q("pick");
    if (pick.kind !== "choice") throw new Error("not a choice");
    for (const v of ["b", "B", " (b) ", "b)", "b.", "server-sent events"]) {
      expect(choiceOf(pick, v)?.id, v).toBe("b");
      expect(grade(pick, v).status).toBe("right");
    }
    expect(grade(pick, "e").status).toBe("invalid");
  });

  it("explains a wrong choice with that choice's own words, never the answer", () => {
    const verdict = grade(q("pick"), "a");
    expect(verdict).toEqual({ status: "wrong", feedback: "Too slow here." });
  });

  it("reads numbers written with separators and units", () => {
    expect(parseNumber("2,000")).toBe(2000);
    expect(parseNumber("2 000 requests")).toBe(2000);
    expect(parseNumber("2_000")).toBe(2000);
    expect(parseNumber("33.3")).toBe(33.3);
    expect(parseNumber("about 5 s")).toBe(5);
    expect(parseNumber("lots")).toBeUndefined();
    expect(parseNumber(Number.NaN)).toBeUndefined();
    expect(grade(q("count"), "2,000").status).toBe("right");
    expect(grade(q("count"), 2000).status).toBe("right");
  });

  it("names a known mistake, and falls back to the general explanation", () => {
    expect(grade(q("count"), 33.33)).toEqual({ status: "wrong", feedback: "Per second." });
    expect(grade(q("count"), 1999)).toEqual({ status: "wrong", feedback: "Multiply." });
    expect(grade(q("count"), "many").status).toBe("invalid");
  });

  it("accepts a number within the tolerance", () => {
    expect(grade(q("near"), 1.6).status).toBe("right");
    expect(grade(q("near"), 1.4).status).toBe("right");
    expect(grade(q("near"), 1.7).status).toBe("wrong");
  });

  it("compares text without case or punctuation, as whole words when asked", () => {
    expect(normalizeText("  New  EventSource()! ")).toBe("new eventsource");
    expect(grade(q("name"), "new EventSource()").status).toBe("right");
    expect(grade(q("name"), "EventSourcery").status).toBe("wrong");
    expect(grade(q("exact"), "last event id").status).toBe("right");
    expect(grade(q("exact"), "the Last-Event-ID header").status).toBe("wrong");
  });
});
