import type { ChoiceQuestion, NumberQuestion, Question, TextQuestion } from "./format.ts";

/** How one answer fared. */
export type Verdict =
  | { status: "right"; feedback: string }
  | { status: "wrong"; feedback: string }
  /** Nothing given yet (missing, empty, or the starter's "TODO"). */
  | { status: "unanswered"; feedback: string }
  /** Given, but not in a form the question can take (a word for a number question). */
  | { status: "invalid"; feedback: string };

/** True for a value that means "not answered yet". */
export function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== "string") return false;
  const v = value.trim();
  return v === "" || /^todo\b/i.test(v) || v === "?";
}

/** Lowercase words and digits only, single spaces: how text answers are compared. */
export function normalizeText(value: string): string {
  return value
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/**
 * Reads a number from an answer: `2000`, `"2,000"`, `"2 000 requests"`, `"33.3"`.
 * Returns undefined when there is no number in it.
 */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const compact = value.trim().replace(/(\d)[,_\s](?=\d{3}\b)/g, "$1");
  const m = /^[^\d-]*(-?\d+(?:\.\d+)?)/.exec(compact);
  return m ? Number(m[1]) : undefined;
}

/** The choice an answer names: its id (`b`, `B`, `(b)`, `b)`) or its full label. */
export function choiceOf(
  question: ChoiceQuestion,
  value: unknown,
): ChoiceQuestion["choices"][number] | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const raw = String(value).trim();
  const id = raw.replace(/^\(?\s*([a-z0-9]+)\s*[).:]?$/i, "$1").toLowerCase();
  const byId = question.choices.find((c) => c.id === id);
  if (byId) return byId;
  const text = normalizeText(raw);
  return question.choices.find((c) => normalizeText(c.label) === text);
}

/** Grades one answer against its question. */
export function grade(question: Question, value: unknown): Verdict {
  if (isBlank(value)) {
    return { status: "unanswered", feedback: "This question has no answer yet." };
  }
  switch (question.kind) {
    case "choice":
      return gradeChoice(question, value);
    case "number":
      return gradeNumber(question, value);
    case "text":
      return gradeText(question, value);
  }
}

function gradeChoice(q: ChoiceQuestion, value: unknown): Verdict {
  const choice = choiceOf(q, value);
  if (!choice) {
    return {
      status: "invalid",
      feedback: `Answer with the letter of one choice (${q.choices.map((c) => c.id).join(", ")}).`,
    };
  }
  if (choice.id === q.answer) return { status: "right", feedback: q.explanation };
  return {
    status: "wrong",
    feedback:
      choice.why ?? "That is not the best fit. Read the prompt again and compare the choices.",
  };
}

function gradeNumber(q: NumberQuestion, value: unknown): Verdict {
  const n = parseNumber(value);
  if (n === undefined) {
    return { status: "invalid", feedback: `Answer with a number${q.unit ? ` (${q.unit})` : ""}.` };
  }
  if (Math.abs(n - q.answer) <= q.tolerance + 1e-9)
    return { status: "right", feedback: q.explanation };
  const known = q.mistakes.find(
    (m) => Math.abs(m.value - n) <= Math.max(q.tolerance, Math.abs(m.value) * 0.01),
  );
  return { status: "wrong", feedback: known?.why ?? q.wrong };
}

function gradeText(q: TextQuestion, value: unknown): Verdict {
  if (typeof value !== "string" && typeof value !== "number") {
    return { status: "invalid", feedback: "Answer with a word or a few words, as a string." };
  }
  const answer = normalizeText(String(value));
  const ok = q.accept.some((a) => {
    const want = normalizeText(a);
    return q.match === "exact" ? answer === want : ` ${answer} `.includes(` ${want} `);
  });
  return ok ? { status: "right", feedback: q.explanation } : { status: "wrong", feedback: q.wrong };
}

/** The right answer in words, for the solution and for tests (never shown before a right answer). */
export function rightAnswer(question: Question): string | number {
  switch (question.kind) {
    case "choice":
      return question.answer;
    case "number":
      return question.answer;
    case "text":
      return question.accept[0]!;
  }
}
