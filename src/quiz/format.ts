/**
 * The knowledge-check format: `lessons/NN-slug/quiz.json`.
 *
 *   { "version": 1,
 *     "intro": "one paragraph shown before the first question",
 *     "questions": [
 *       { "id": "chat-transport", "title": "…", "prompt": "…", "kind": "choice",
 *         "choices": [{ "id": "a", "label": "…", "why": "shown when this wrong choice is picked" }],
 *         "answer": "c", "explanation": "shown once the answer is right" },
 *       { "id": "poll-load", "kind": "number", "answer": 2000, "tolerance": 0,
 *         "unit": "requests per minute", "mistakes": [{ "value": 33.3, "why": "…" }],
 *         "wrong": "shown for any other wrong number", … },
 *       { "id": "bus-name", "kind": "text", "accept": ["redis"], "match": "word", "wrong": "…", … } ] }
 *
 * Every question has an `id` (kebab-case, it becomes the checker's step slug and
 * the key in the answers file), a short `title` (the step title), the `prompt`,
 * and an `explanation`. Wrong answers are explained without giving the answer away.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

const Id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be kebab-case");

const Base = z.object({
  id: Id,
  title: z.string().min(1),
  prompt: z.string().min(1),
  explanation: z.string().min(1),
});

const ChoiceQuestion = Base.extend({
  kind: z.literal("choice"),
  choices: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9]+$/),
        label: z.string().min(1),
        why: z.string().optional(),
      }),
    )
    .min(2),
  answer: z.string(),
});

const NumberQuestion = Base.extend({
  kind: z.literal("number"),
  answer: z.number(),
  /** Accepted distance from `answer` (absolute; default 0). */
  tolerance: z.number().min(0).default(0),
  unit: z.string().optional(),
  /** Wrong values a learner is likely to give, each with its own explanation. */
  mistakes: z.array(z.object({ value: z.number(), why: z.string().min(1) })).default([]),
  wrong: z.string().min(1),
});

const TextQuestion = Base.extend({
  kind: z.literal("text"),
  /** Accepted answers, compared without case, punctuation or extra spaces. */
  accept: z.array(z.string().min(1)).min(1),
  /** `exact`: the whole answer must be an accepted one; `word`: it must contain one as whole words. */
  match: z.enum(["exact", "word"]).default("exact"),
  wrong: z.string().min(1),
});

const QuestionSchema = z.discriminatedUnion("kind", [ChoiceQuestion, NumberQuestion, TextQuestion]);

const QuizSchema = z
  .object({
    version: z.literal(1),
    intro: z.string().optional(),
    questions: z.array(QuestionSchema).min(1),
  })
  .superRefine((quiz, ctx) => {
    const seen = new Set<string>();
    quiz.questions.forEach((q, i) => {
      if (seen.has(q.id))
        ctx.addIssue({
          code: "custom",
          path: ["questions", i, "id"],
          message: `duplicate id "${q.id}"`,
        });
      seen.add(q.id);
      if (q.kind === "choice") {
        const ids = q.choices.map((c) => c.id);
        if (!ids.includes(q.answer)) {
          ctx.addIssue({
            code: "custom",
            path: ["questions", i, "answer"],
            message: `"${q.answer}" is not one of the choices`,
          });
        }
        if (new Set(ids).size !== ids.length) {
          ctx.addIssue({
            code: "custom",
            path: ["questions", i, "choices"],
            message: "choice ids repeat",
          });
        }
      }
    });
  });

/** A knowledge check, as loaded and validated. */
export type Quiz = z.infer<typeof QuizSchema>;
/** One question of a knowledge check. */
export type Question = z.infer<typeof QuestionSchema>;
/** A multiple-choice question. */
export type ChoiceQuestion = z.infer<typeof ChoiceQuestion>;
/** A question answered with a number. */
export type NumberQuestion = z.infer<typeof NumberQuestion>;
/** A question answered with a word or a few words. */
export type TextQuestion = z.infer<typeof TextQuestion>;

/** Validates parsed quiz JSON; throws an Error listing every problem with its path. */
export function parseQuiz(data: unknown, source = "quiz.json"): Quiz {
  const result = QuizSchema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
  throw new Error(`${source} is not a valid knowledge check: ${problems.join("; ")}`);
}

/** Reads and validates a quiz file (synchronously, so a checker can build its steps at import). */
export function loadQuiz(file: string | URL): Quiz {
  const source = typeof file === "string" ? file : file.pathname;
  return parseQuiz(JSON.parse(readFileSync(file, "utf8")), source);
}
