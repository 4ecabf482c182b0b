import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readProgress } from "../../../src/course/progress.ts";
import {
  adoptLegacyAnswers,
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

const SLUG = "why-real-time-matters";
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
  it("lives at answers/<slug>.json", () => {
    expect(answersPath("/ws", "why-real-time-matters")).toBe(
      join("/ws", "answers", "why-real-time-matters.json"),
    );
    expect(answersPath("/ws", "choosing-the-right-approach")).toBe(
      join("/ws", "answers", "choosing-the-right-approach.json"),
    );
  });

  it("says when it is missing or not JSON, without throwing", async () => {
    const ws = await workspace();
    expect(readAnswers(ws, SLUG)).toMatchObject({ ok: false, problem: "missing" });
    await mkdir(join(ws, "answers"));
    await writeFile(answersPath(ws, SLUG), '{ "answers": { "pick": "b" ');
    expect(readAnswers(ws, SLUG)).toMatchObject({ ok: false, problem: "invalid" });
    await writeFile(answersPath(ws, SLUG), "[1, 2]");
    expect(readAnswers(ws, SLUG)).toMatchObject({ ok: false, problem: "invalid" });
  });

  it("accepts a bare object of answers as well as { answers }", async () => {
    const ws = await workspace();
    await mkdir(join(ws, "answers"));
    await writeFile(answersPath(ws, SLUG), '{ "pick": "b", "count": 5 }');
    expect(readAnswers(ws, SLUG)).toMatchObject({ ok: true, answers: { pick: "b", count: 5 } });
  });

  it("starts blank with TODO for every question, names the lesson by slug, and scores nothing right", () => {
    const blank = JSON.parse(blankAnswers(quiz, SLUG));
    expect(blank.lesson).toBe(SLUG);
    expect(blank.answers).toEqual({ pick: "TODO", count: "TODO" });
    expect(blank.how).toMatch(/npm run lesson why-real-time-matters`/);
    expect(blankAnswers(quiz, SLUG)).not.toMatch(/\d/);
    expect(score(quiz, blank.answers)).toEqual({ right: 0, total: 2, open: ["pick", "count"] });
  });

  it("is written in question order and read back the same", async () => {
    const ws = await workspace();
    await writeAnswers(ws, SLUG, quiz, { count: 5, extra: "kept" });
    const read = readAnswers(ws, SLUG);
    expect(read.ok && Object.keys(read.answers)).toEqual(["pick", "count", "extra"]);
    expect(read.ok && read.answers).toEqual({ pick: "TODO", count: 5, extra: "kept" });
  });

  it("is copied into progress.json, with passedAt once every answer is right", async () => {
    const ws = await workspace();
    await writeAnswers(ws, SLUG, quiz, { pick: "a", count: 5 });
    await recordQuiz(ws, SLUG, quiz);
    expect(readProgress(ws).quiz?.[SLUG]).toEqual({ answers: { pick: "a", count: "5" } });
    await writeAnswers(ws, SLUG, quiz, { pick: "b", count: 5 });
    await recordQuiz(ws, SLUG, quiz);
    const entry = readProgress(ws).quiz?.[SLUG];
    expect(entry?.answers).toEqual({ pick: "b", count: "5" });
    expect(entry?.passedAt).toMatch(/^\d{4}-/);
    const stored = JSON.parse(await readFile(join(ws, ".labs", "progress.json"), "utf8"));
    expect(stored.version).toBe(2);
    expect(Object.keys(stored.quiz)).toEqual([SLUG]);
  });
});

describe("an answers file of an older runner (answers/lesson-NN.json)", () => {
  const lessons = [
    { number: 1, slug: SLUG },
    { number: 17, slug: "choosing-the-right-approach" },
  ];
  const legacy = '{ "lesson": 1, "answers": { "pick": "b", "count": 5 } }';

  it("is renamed to answers/<slug>.json, byte for byte, by the lesson's number in the manifest", async () => {
    const ws = await workspace();
    await mkdir(join(ws, "answers"));
    await writeFile(join(ws, "answers", "lesson-01.json"), legacy);
    const adopted = await adoptLegacyAnswers(ws, lessons);
    expect(adopted).toEqual([
      { from: join("answers", "lesson-01.json"), to: join("answers", `${SLUG}.json`) },
    ]);
    expect(existsSync(join(ws, "answers", "lesson-01.json"))).toBe(false);
    expect(await readFile(answersPath(ws, SLUG), "utf8")).toBe(legacy);
    expect(await adoptLegacyAnswers(ws, lessons)).toEqual([]);
  });

  it("replaces a blank new file a starter laid beside it, but never a new file with answers", async () => {
    const ws = await workspace();
    await mkdir(join(ws, "answers"));
    await writeFile(join(ws, "answers", "lesson-01.json"), legacy);
    await writeFile(answersPath(ws, SLUG), blankAnswers(quiz, SLUG));
    expect(await adoptLegacyAnswers(ws, lessons)).toHaveLength(1);
    expect(await readFile(answersPath(ws, SLUG), "utf8")).toBe(legacy);

    const mine = '{ "answers": { "pick": "a" } }';
    await writeFile(join(ws, "answers", "lesson-01.json"), legacy);
    await writeFile(answersPath(ws, SLUG), mine);
    expect(await adoptLegacyAnswers(ws, lessons)).toEqual([]);
    expect(await readFile(answersPath(ws, SLUG), "utf8")).toBe(mine);
    expect(await readFile(join(ws, "answers", "lesson-01.json"), "utf8")).toBe(legacy);
  });
});
