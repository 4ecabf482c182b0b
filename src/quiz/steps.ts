import type { Step, StepContext } from "../checks/types.ts";
import { CheckFailure } from "../errors.ts";
import {
  type Answers,
  adoptedMessage,
  adoptLegacyAnswers,
  answersRelPath,
  howToAnswer,
  readAnswers,
} from "./answers-file.ts";
import { loadQuiz, type Question, type Quiz } from "./format.ts";
import { choiceOf, grade } from "./grade.ts";

const STATE_KEY = "quiz:answers";

/** The slug of the step that reads the answers file. */
export const ANSWERS_STEP = "answers-file";

/** The answers file as named before the lesson is known (titles and hints are fixed when the checker loads). */
const ANY_FILE = "answers/<this lesson's slug>.json";

/** How to answer, naming the lesson's command and file. */
function howToFill(run: string | number, rel: string): string {
  return `Run \`npm run lesson ${run}\` and answer the questions in the terminal (it writes ${rel} for you), or edit ${rel} in your workspace by hand.`;
}

/**
 * The checker steps of a knowledge check: one that reads the answers file, then
 * one per question (its id is the step slug). A wrong answer fails with the
 * explanation of that answer as the hint; the right answer is never printed.
 * The lesson (its slug names the file, its number is shown) comes from the step
 * context at run time, so a checker names no number.
 */
export function quizSteps(quiz: Quiz, slug?: string): Step[] {
  const named = slug ? answersRelPath(slug) : ANY_FILE;
  const fileStep: Step = {
    slug: ANSWERS_STEP,
    title: `Your answers are in ${named}`,
    hint: howToFill(slug ?? "<this lesson>", named),
    timeout: 2000,
    async run(h) {
      const { slug, number } = h.lesson;
      const rel = answersRelPath(slug);
      const how = howToFill(number, rel);
      for (const a of await adoptLegacyAnswers(h.workspace, [h.lesson])) {
        h.log.info(adoptedMessage(a));
      }
      const read = readAnswers(h.workspace, slug);
      if (!read.ok) {
        throw new CheckFailure(read.message, {
          expected: `${rel} holding { "answers": { "<question id>": <your answer>, … } }`,
          received:
            read.problem === "missing" ? "no such file" : "a file that cannot be read as JSON",
          hint:
            read.problem === "missing"
              ? how
              : `Fix the JSON syntax of ${rel} (a missing comma or quote is the usual cause), or delete it and run \`npm run lesson ${number}\` to answer again.`,
        });
      }
      h.state.set(STATE_KEY, read.answers);
      const given = quiz.questions.filter((q) => q.id in read.answers).length;
      h.log.pass(`read ${rel}: ${given} of ${quiz.questions.length} questions have an entry`);
    },
  };
  return [
    fileStep,
    ...quiz.questions.map((q, i) => questionStep(q, i + 1, quiz.questions.length, named)),
  ];
}

/**
 * The knowledge-check steps of the lesson whose checker is at `checkerUrl`
 * (`import.meta.url` of a check.ts): its `quiz.json`, asked after the lesson's own steps.
 */
export function lessonQuizSteps(checkerUrl: string | URL): Step[] {
  // the lesson folder is NN-slug; the slug names the answers file
  const folder = new URL(".", checkerUrl).pathname.split("/").filter(Boolean).at(-1) ?? "";
  const slug = /^\d+-(.+)$/.exec(folder)?.[1];
  return quizSteps(loadQuiz(new URL("./quiz.json", checkerUrl)), slug);
}

function questionStep(q: Question, n: number, total: number, file: string): Step {
  return {
    slug: q.id,
    title: `Question ${n} of ${total}: ${q.title}`,
    hint: `Read the question again in the lesson text or with \`npm run lesson\` for this lesson, then put your answer under "${q.id}" in ${file}.`,
    timeout: 2000,
    async run(h: StepContext) {
      const answers = (h.state.get(STATE_KEY) as Answers | undefined) ?? {};
      const value = answers[q.id];
      const verdict = grade(q, value);
      const received = describeAnswer(q, value);
      switch (verdict.status) {
        case "right":
          h.log.pass(`${received} is right. ${verdict.feedback}`);
          return;
        case "unanswered":
          throw new CheckFailure(`Question "${q.title}" has no answer yet.`, {
            expected: expectedForm(q),
            received,
            hint: `${stripMarkdown(q.prompt)}${choicesLine(q)} ${howToAnswer(h.lesson.number)}`,
          });
        case "invalid":
          throw new CheckFailure(`The answer to "${q.title}" cannot be read.`, {
            expected: expectedForm(q),
            received,
            hint: verdict.feedback,
          });
        case "wrong":
          throw new CheckFailure(`The answer to "${q.title}" is not right.`, {
            expected: `the right ${q.kind === "choice" ? "choice" : "answer"} (${expectedForm(q)})`,
            received,
            hint: verdict.feedback,
          });
      }
    },
  };
}

/** The choices in one line (` Choices: a) … · b) …`), empty for other kinds. */
function choicesLine(q: Question): string {
  return q.kind === "choice"
    ? ` Choices: ${q.choices.map((c) => `${c.id}) ${c.label}`).join(" · ")}.`
    : "";
}

function stripMarkdown(text: string): string {
  return text.replace(/\*\*|`/g, "");
}

/** The form an answer must take, without giving the answer away. */
function expectedForm(q: Question): string {
  switch (q.kind) {
    case "choice":
      return `one of ${q.choices.map((c) => `"${c.id}"`).join(", ")}`;
    case "number":
      return `a number${q.unit ? ` of ${q.unit}` : ""}`;
    case "text":
      return "a word or a few words";
  }
}

/** The learner's answer as the report shows it. */
function describeAnswer(q: Question, value: unknown): string {
  if (value === undefined) return "(no entry)";
  const text = JSON.stringify(value);
  if (q.kind === "choice") {
    const choice = choiceOf(q, value);
    if (choice) return `${text} (${choice.label})`;
  }
  return text;
}
