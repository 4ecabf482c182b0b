import { confirm, input, select } from "@inquirer/prompts";
import { renderMarkdown } from "../report/markdown.ts";
import type { Style } from "../report/style.ts";
import {
  type Answers,
  answersRelPath,
  type QuizLesson,
  readAnswers,
  score,
  writeAnswers,
} from "./answers-file.ts";
import type { Question, Quiz } from "./format.ts";
import { grade, isBlank, parseNumber } from "./grade.ts";

/** Where and how the questions are asked. */
export interface AskOptions {
  quiz: Quiz;
  /** The lesson (a `Lesson` will do): its slug names the answers file. */
  lesson: QuizLesson;
  workspace: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { columns?: number };
  style: Style;
  /** `open` (default) asks only what is not yet answered right; `all` asks everything again. */
  which?: "open" | "all";
}

/** What an interactive round left behind. */
export interface AskOutcome {
  answers: Answers;
  right: number;
  total: number;
  /** True when the learner stopped early with Ctrl+C. */
  interrupted: boolean;
}

/**
 * Asks a lesson's questions in the terminal, one at a time: a choice list for
 * multiple choice, a line of input for numbers and words. After each answer it
 * explains it; a wrong one may be tried again. Every answer is written to
 * `answers/<slug>.json` at once, so the lesson's check grades exactly what was
 * answered here, and Ctrl+C keeps what was answered so far.
 */
export async function askQuiz(opts: AskOptions): Promise<AskOutcome> {
  const { quiz, workspace, style: s } = opts;
  const slug = opts.lesson.slug;
  const out = (text: string) => opts.output.write(text);
  // A pseudo-terminal may report 0 columns; wrap at 80 then.
  const width = Math.max(40, Math.min(opts.output.columns || 80, 100) - 2);
  const md = (text: string) => renderMarkdown(text, s, width);
  const read = readAnswers(workspace, slug);
  const answers: Answers = read.ok ? { ...read.answers } : {};
  const before = score(quiz, answers);
  const todo =
    opts.which === "all"
      ? quiz.questions
      : quiz.questions.filter((q) => before.open.includes(q.id));

  if (todo.length === 0) {
    out(
      `\n${s.green(s.ok)} Knowledge check: all ${before.total} answers in ${answersRelPath(slug)} are right.\n`,
    );
    return { answers, right: before.right, total: before.total, interrupted: false };
  }
  out(`\n${s.bold(`Knowledge check: ${todo.length} question${todo.length > 1 ? "s" : ""}`)}`);
  out(s.dim(` (Ctrl+C stops; your answers so far are kept in ${answersRelPath(slug)})\n`));
  if (quiz.intro) out(`\n${md(quiz.intro)}`);

  const context = { input: opts.input, output: opts.output };
  let interrupted = false;
  try {
    for (const q of todo) {
      const n = quiz.questions.indexOf(q) + 1;
      out(
        `\n${s.cyan(`Question ${n} of ${quiz.questions.length}`)} · ${s.bold(q.title)}\n\n${md(q.prompt)}`,
      );
      for (;;) {
        const value = await askOne(q, answers[q.id], context);
        answers[q.id] = value;
        await writeAnswers(workspace, slug, quiz, answers);
        const verdict = grade(q, value);
        if (verdict.status === "right") {
          out(`${s.green(`${s.ok} Right.`)}\n${md(verdict.feedback)}\n`);
          break;
        }
        out(`${s.red(`${s.bad} Not quite.`)}\n${md(verdict.feedback)}\n`);
        const again = await confirm(
          { message: "Try this question again?", default: true },
          context,
        );
        if (!again) break;
      }
    }
  } catch (error) {
    if ((error as Error)?.name !== "ExitPromptError") throw error;
    interrupted = true;
    out(`\n${s.dim("Stopped. Your answers so far are saved; run the lesson again to go on.")}\n`);
  }
  const after = score(quiz, answers);
  const file = answersRelPath(slug);
  out(
    `\n${after.right === after.total ? s.green(s.ok) : s.yellow("!")} ${after.right} of ${after.total} right, saved in ${file}.\n`,
  );
  return { answers, right: after.right, total: after.total, interrupted };
}

async function askOne(
  q: Question,
  previous: unknown,
  context: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<string | number> {
  switch (q.kind) {
    case "choice": {
      const choices = q.choices.map((c) => ({
        name: `${c.id}) ${c.label}`,
        value: c.id,
        short: c.id,
      }));
      return select({ message: "Your answer:", choices }, context);
    }
    case "number": {
      const text = await input(
        {
          message: `Your answer${q.unit ? ` (${q.unit})` : ""}:`,
          default: typeof previous === "number" ? String(previous) : undefined,
          validate: (v) => parseNumber(v) !== undefined || "Type a number, e.g. 1200.",
        },
        context,
      );
      return parseNumber(text)!;
    }
    case "text":
      return (
        await input(
          {
            message: "Your answer:",
            default: typeof previous === "string" && !isBlank(previous) ? previous : undefined,
            validate: (v) => v.trim().length > 0 || "Type a word or a few words.",
          },
          context,
        )
      ).trim();
  }
}
