import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readProgress } from "../../../src/course/progress.ts";
import {
  answersPath,
  blankAnswers,
  readAnswers,
  score,
  writeAnswers,
} from "../../../src/quiz/answers-file.ts";
import { parseQuiz } from "../../../src/quiz/format.ts";
import { recordQuiz } from "../../../src/quiz/lesson-quiz.ts";

const quiz = parseQuiz({
  version: 1,
  questions: [
    {
      id: "pick",
      title: "Pick",
      prompt: "?",
      kind: "choice",
      choices: [
        { id: "a", label: "A" },
        { id: "b", label: "B" },
      ],
      answer: "b",
      explanation: "Because.",
    },
    {
      id: "count",
      title: "Count",
      prompt: "?",
      kind: "number",
      answer: 5,
      wrong: "No.",
      explanation: "Yes.",
    },
  ],
});

const dirs: string[] = [];
async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-quiz-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("the answers file", () => {
  it("lives at answers/lesson-NN.json", () => {
    expect(answersPath("/ws", 1)).toBe(join("/ws", "answers", "lesson-01.json"));
    expect(answersPath("/ws", 17)).toBe(join("/ws", "answers", "lesson-17.json"));
  });

  it("says when it is missing or not JSON, without throwing", async () => {
    const ws = await workspace();
    expect(readAnswers(ws, 1)).toMatchObject({ ok: false, problem: "missing" });
    await mkdir(join(ws, "answers"));
    await writeFile(answersPath(ws, 1), '{ "answers": { "pick": "b" ');
    expect(readAnswers(ws, 1)).toMatchObject({ ok: false, problem: "invalid" });
    await writeFile(answersPath(ws, 1), "[1, 2]");
    expect(readAnswers(ws, 1)).toMatchObject({ ok: false, problem: "invalid" });
  });

  it("accepts a bare object of answers as well as { answers }", async () => {
    const ws = await workspace();
    await mkdir(join(ws, "answers"));
    await writeFile(answersPath(ws, 1), '{ "pick": "b", "count": 5 }');
    expect(readAnswers(ws, 1)).toMatchObject({ ok: true, answers: { pick: "b", count: 5 } });
  });

  it("starts blank with TODO for every question, and scores nothing right", () => {
    const blank = JSON.parse(blankAnswers(quiz, 1));
    expect(blank.answers).toEqual({ pick: "TODO", count: "TODO" });
    expect(blank.how).toMatch(/npm run lesson 1/);
    expect(score(quiz, blank.answers)).toEqual({ right: 0, total: 2, open: ["pick", "count"] });
  });

  it("is written in question order and read back the same", async () => {
    const ws = await workspace();
    await writeAnswers(ws, 1, quiz, { count: 5, extra: "kept" });
    const read = readAnswers(ws, 1);
    expect(read.ok && Object.keys(read.answers)).toEqual(["pick", "count", "extra"]);
    expect(read.ok && read.answers).toEqual({ pick: "TODO", count: 5, extra: "kept" });
  });

  it("is copied into progress.json, with passedAt once every answer is right", async () => {
    const ws = await workspace();
    await writeAnswers(ws, 1, quiz, { pick: "a", count: 5 });
    await recordQuiz(ws, 1, quiz);
    expect(readProgress(ws).quiz?.["1"]).toEqual({ answers: { pick: "a", count: "5" } });
    await writeAnswers(ws, 1, quiz, { pick: "b", count: 5 });
    await recordQuiz(ws, 1, quiz);
    const entry = readProgress(ws).quiz?.["1"];
    expect(entry?.answers).toEqual({ pick: "b", count: "5" });
    expect(entry?.passedAt).toMatch(/^\d{4}-/);
    expect(JSON.parse(await readFile(join(ws, ".labs", "progress.json"), "utf8")).version).toBe(1);
  });
});
