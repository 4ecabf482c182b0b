import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { readAnswers } from "../../../src/quiz/answers-file.ts";
import { askQuiz } from "../../../src/quiz/ask.ts";
import { parseQuiz } from "../../../src/quiz/format.ts";
import { createStyle } from "../../../src/report/style.ts";

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
      explanation: "SSE keeps a response open.",
    },
    {
      id: "count",
      title: "Count them",
      prompt: "How many?",
      kind: "number",
      answer: 2000,
      mistakes: [{ value: 33.3, why: "That is per second." }],
      wrong: "Multiply.",
      explanation: "20 a minute times 100.",
    },
  ],
});

const DOWN = "\x1b[B";
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Runs askQuiz on in-memory streams, typing each key once `output` shows its cue. */
async function session(script: [RegExp, string][], which?: "open" | "all", ws?: string) {
  const workspace = ws ?? (await mkdtemp(join(tmpdir(), "labs-ask-")));
  if (!ws) dirs.push(workspace);
  const input = new PassThrough();
  let text = "";
  // Like a terminal, the output outlives each prompt (inquirer ends the streams it pipes into).
  const output = new Writable({
    write(chunk, _enc, cb) {
      text += chunk;
      cb();
    },
  });
  output.end = () => output;
  const done = askQuiz({
    quiz,
    lesson: { number: 3, slug: "ask-quiz" },
    workspace,
    input,
    output,
    style: createStyle(false),
    which,
  });
  let from = 0;
  for (const [cue, keys] of script) {
    const deadline = Date.now() + 5000;
    for (;;) {
      const at = text.slice(from).search(cue);
      if (at >= 0) {
        from += at + 1;
        break;
      }
      if (Date.now() > deadline) throw new Error(`no ${cue} in:\n${text}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    input.write(keys);
  }
  const outcome = await done;
  return { outcome, text, workspace };
}

describe("asking a knowledge check in the terminal", () => {
  it("explains a wrong answer, lets it be tried again, and writes every answer to the file", async () => {
    const { outcome, text, workspace } = await session([
      [/Which one pushes/, "\r"],
      [/Try this question again/, "y\r"],
      [/Your answer:/, `${DOWN}\r`],
      [/How many\?/, "33.3\r"],
      [/Try this question again/, "y\r"],
      [/Your answer/, "\x15" + "2,000\r"],
    ]);
    expect(text).toMatch(/Not quite\.\nPolling asks; it does not push\./);
    expect(text).toMatch(/That is per second\./);
    expect(text).toMatch(/Right\.\n20 a minute times 100\./);
    expect(outcome).toMatchObject({ right: 2, total: 2, interrupted: false });
    const read = readAnswers(workspace, "ask-quiz");
    expect(read.ok && read.answers).toEqual({ pick: "b", count: 2000 });
  });

  it("keeps a wrong answer when the learner moves on, and asks only the open questions next time", async () => {
    const first = await session([
      [/Which one pushes/, `${DOWN}\r`],
      [/How many\?/, "7\r"],
      [/Try this question again/, "n\r"],
    ]);
    expect(first.outcome).toMatchObject({ right: 1, total: 2 });
    const second = await session([[/How many\?/, "2000\r"]], "open", first.workspace);
    expect(second.text).not.toMatch(/Which one pushes/);
    expect(second.outcome.right).toBe(2);
    const third = await session([], "open", first.workspace);
    expect(third.text).toMatch(/all 2 answers in answers\/ask-quiz\.json are right/);
  });
});
