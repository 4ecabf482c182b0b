import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCourse } from "../../../src/course/manifest.ts";
import { parseQuiz } from "../../../src/quiz/format.ts";
import { findQuiz } from "../../../src/quiz/lesson-quiz.ts";

const choice = (over: Record<string, unknown> = {}) => ({
  id: "q-one",
  title: "One",
  prompt: "Which?",
  kind: "choice",
  choices: [
    { id: "a", label: "A" },
    { id: "b", label: "B" },
  ],
  answer: "a",
  explanation: "Because.",
  ...over,
});

describe("the quiz format", () => {
  it("fills in defaults for number and text questions", () => {
    const quiz = parseQuiz({
      version: 1,
      questions: [
        {
          id: "n",
          title: "N",
          prompt: "?",
          kind: "number",
          answer: 3,
          wrong: "No.",
          explanation: "Yes.",
        },
        {
          id: "t",
          title: "T",
          prompt: "?",
          kind: "text",
          accept: ["x"],
          wrong: "No.",
          explanation: "Yes.",
        },
      ],
    });
    expect(quiz.questions[0]).toMatchObject({ tolerance: 0, mistakes: [] });
    expect(quiz.questions[1]).toMatchObject({ match: "exact" });
  });

  it("rejects an answer that is not one of the choices, naming where", () => {
    expect(() =>
      parseQuiz({ version: 1, questions: [choice({ answer: "z" })] }, "quiz.json"),
    ).toThrow(/questions\.0\.answer: "z" is not one of the choices/);
  });

  it("rejects duplicate ids, ids that are not kebab-case and unknown kinds", () => {
    expect(() => parseQuiz({ version: 1, questions: [choice(), choice()] })).toThrow(
      /duplicate id/,
    );
    expect(() => parseQuiz({ version: 1, questions: [choice({ id: "Not Kebab" })] })).toThrow(
      /kebab-case/,
    );
    expect(() => parseQuiz({ version: 1, questions: [choice({ kind: "essay" })] })).toThrow();
    expect(() => parseQuiz({ version: 1, questions: [] })).toThrow();
  });

  it("loads every lesson's quiz.json in the course without a problem", () => {
    const course = loadCourse();
    const withQuiz = course.lessons.filter((l) => {
      try {
        return readdirSync(l.dir).includes("quiz.json");
      } catch {
        return false;
      }
    });
    expect(withQuiz.length).toBeGreaterThan(0);
    for (const lesson of withQuiz) {
      const quiz = findQuiz(lesson.dir);
      expect(quiz, join(lesson.dir, "quiz.json")).toBeDefined();
      for (const q of quiz!.questions) expect(q.explanation.length).toBeGreaterThan(20);
    }
  });
});
