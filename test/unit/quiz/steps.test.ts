import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runChecker } from "../../../src/checks/harness.ts";
import { Transcript } from "../../../src/checks/transcript.ts";
import { defineChecker, type LessonInfo } from "../../../src/checks/types.ts";
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
const checker = defineChecker({ server: false, steps: quizSteps(quiz) });
const LESSON: LessonInfo = { number: 7, slug: "quiz", title: "Quiz" };

const dirs: string[] = [];
async function workspace(answers?: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-quiz-"));
  dirs.push(dir);
  if (answers) await writeAnswers(dir, LESSON.slug, quiz, answers);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function check(ws: string, lesson: LessonInfo = LESSON) {
  const transcript = new Transcript();
  const result = await runChecker({
    lesson,
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
    expect(failed.message).toMatch(/no answers\/quiz\.json/);
    expect(failed.hint).toMatch(/npm run lesson 7/);
    expect(failed.hint).toMatch(/by hand/);
  });

  it("name no lesson number: the slug and number come from the lesson being checked", async () => {
    const texts = checker.steps.flatMap((st) => [st.title, st.hint]).join("\n");
    expect(texts).not.toMatch(/\d+\.json|lesson \d/);
    const moved: LessonInfo = { number: 3, slug: "moved-quiz", title: "Moved" };
    const ws = await workspace();
    const { result } = await check(ws, moved);
    const failed = result.steps.find((st) => st.status === "fail")!;
    expect(failed.message).toMatch(/no answers\/moved-quiz\.json/);
    expect(failed.hint).toMatch(/npm run lesson 3`/);
    await writeAnswers(ws, moved.slug, quiz, { pick: "b", count: 2000 });
    expect((await check(ws, moved)).result.status).toBe("pass");
  });

  it("rename an older runner's answers/lesson-NN.json to answers/<slug>.json, and say so once", async () => {
    const ws = await workspace();
    await mkdir(join(ws, "answers"));
    const legacy = join(ws, "answers", "lesson-07.json");
    const text = JSON.stringify({ lesson: 7, answers: { pick: "b", count: 2000 } });
    await writeFile(legacy, text);
    const first = await check(ws);
    expect(first.result.status).toBe("pass");
    expect(existsSync(legacy)).toBe(false);
    expect(await readFile(join(ws, "answers", "quiz.json"), "utf8")).toBe(text);
    const said = (t: Transcript) =>
      t.lines.filter((l) => /Renamed answers\/lesson-07\.json/.test(l.text));
    expect(said(first.transcript)).toHaveLength(1);
    const second = await check(ws);
    expect(second.result.status).toBe("pass");
    expect(said(second.transcript)).toHaveLength(0);
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
