import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { START_STEP } from "../checks/harness.ts";
import type { LessonChecker } from "../checks/types.ts";
import { LearnerError } from "../errors.ts";
import { type Course, importCheckFile, type Lesson, validateChecker } from "./manifest.ts";

// ─── paths ────────────────────────────────────────────────────────────────────

/** The course root of a lesson (`<root>/lessons/NN-slug`). */
const rootOf = (lesson: Lesson) => dirname(dirname(lesson.dir));

/** `path` relative to `root`, with forward slashes (as problems and tsc print it). */
function rel(root: string, path: string): string {
  const r = relative(root, path);
  return (r === "" ? "." : r).split(sep).join("/");
}

/** `path` relative to the course root of `lesson`, with forward slashes (as problems name files). */
export function courseRelative(lesson: Lesson, path: string): string {
  return rel(rootOf(lesson), path);
}

// ─── 1. the step list in lesson.md ────────────────────────────────────────────

/** The first line of the generated step list. */
export const STEPS_START = "<!-- steps: generated from check.ts; labs dev save rewrites it -->";
/** The last line of the generated step list. */
export const STEPS_END = "<!-- /steps -->";
/** The heading of the generated step list. */
export const STEPS_HEADING = "## What the check does";

// Markers are recognised loosely (any `<!-- steps: … -->` comment), written exactly.
const START_RE = /^\s*<!--\s*steps:.*-->\s*$/;
const END_RE = /^\s*<!--\s*\/steps\s*-->\s*$/;
const FENCE_RE = /^\s{0,3}(`{3,}|~{3,})/;
const LISTED_RE = /^\d+\.\s/;

/**
 * Imports a lesson's checker as written: titles keep their `{{lesson:slug}}`
 * references (`loadChecker` returns copies with them rendered as "lesson N",
 * which would go stale when lessons are renumbered). Use this for the step list.
 */
export async function importChecker(lesson: Lesson): Promise<LessonChecker> {
  const mod = await importCheckFile(lesson);
  const problems = validateChecker(mod.default);
  if (problems.length) {
    throw new LearnerError("LESSON_MALFORMED", `Lesson ${lesson.number}'s checker is malformed.`, {
      details: problems,
      hint: "See AUTHORING.md for the checker format.",
    });
  }
  return mod.default!;
}

/** One step as the generated list shows it: its title (as written), then its slug. */
const stepLine = (i: number, s: { slug: string; title: string }) =>
  `${i + 1}. ${s.title.replace(/\s+/g, " ").trim()} (\`${s.slug}\`)`;

/**
 * The lesson's step list, generated from its checker: the two marker comments
 * around a `## What the check does` section with the steps in order (title and
 * slug). Titles are kept as written, `{{lesson:slug}}` references included: the
 * terminal renderer renders them. No trailing newline.
 */
export function stepsSection(checker: LessonChecker): string {
  const intro =
    checker.server === false
      ? "The checker runs these steps in order and stops at the first one that fails:"
      : `The checker starts your server (\`${START_STEP.slug}\`), then runs these steps in order and stops at the first one that fails:`;
  return [
    STEPS_START,
    STEPS_HEADING,
    "",
    intro,
    "",
    ...checker.steps.map((s, i) => stepLine(i, s)),
    "",
    STEPS_END,
  ].join("\n");
}

interface Scanned {
  lines: string[];
  eol: string;
  /** Line indexes (outside code fences) of start and end markers. */
  starts: number[];
  ends: number[];
  /** Line indexes and levels of ATX headings outside code fences. */
  headings: { line: number; level: number; text: string }[];
  /** Line indexes inside code fences (the fence lines included). */
  fenced: Set<number>;
}

function scan(markdown: string): Scanned {
  const eol = markdown.includes("\r\n") ? "\r\n" : "\n";
  const lines = markdown.split(/\r?\n/);
  const out: Scanned = { lines, eol, starts: [], ends: [], headings: [], fenced: new Set() };
  let fence: string | undefined;
  lines.forEach((line, i) => {
    const f = FENCE_RE.exec(line);
    if (fence || f) out.fenced.add(i);
    if (fence) {
      if (
        f &&
        f[1][0] === fence[0] &&
        f[1].length >= fence.length &&
        !line.trim().slice(f[1].length)
      )
        fence = undefined;
      return;
    }
    if (f) {
      fence = f[1];
      return;
    }
    if (START_RE.test(line)) out.starts.push(i);
    else if (END_RE.test(line)) out.ends.push(i);
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) out.headings.push({ line: i, level: h[1].length, text: h[2] });
  });
  return out;
}

/** What is wrong with the markers themselves, if anything (so the block cannot be found). */
function markerTrouble(s: Scanned): string | undefined {
  if (s.starts.length > 1)
    return `has ${s.starts.length} generated step lists (\`${STEPS_START}\`); delete all of them and run \`npm run labs -- dev save\``;
  if (s.starts.length === 0 && s.ends.length > 0)
    return `has a \`${STEPS_END}\` marker (line ${s.ends[0] + 1}) without the \`${STEPS_START}\` line before it; delete it and run \`npm run labs -- dev save\``;
  if (s.starts.length === 1) {
    const after = s.ends.filter((e) => e > s.starts[0]);
    if (after.length === 0)
      return `opens the generated step list on line ${s.starts[0] + 1} but never closes it with \`${STEPS_END}\`; add that line after the list (or delete the block) and run \`npm run labs -- dev save\``;
    if (s.ends.length > 1)
      return `has ${s.ends.length} \`${STEPS_END}\` markers; keep only the one that closes the generated step list`;
  }
  return undefined;
}

/**
 * `markdown` with its generated step list replaced by `section`, or with
 * `section` inserted when there is none: after the `## Your task` section
 * (before the next heading of level 1 or 2 that follows it), or at the end when
 * there is no such heading. Returns `markdown` itself when nothing changes.
 * Throws when the markers are broken (unclosed, doubled), since the old block
 * cannot be told from the prose around it.
 */
export function syncStepsSection(markdown: string, section: string): string {
  const s = scan(markdown);
  const trouble = markerTrouble(s);
  if (trouble) throw new Error(`The lesson text ${trouble}.`);
  const block = section.split(/\r?\n/);
  const { lines, eol } = s;
  let next: string[];
  if (s.starts.length === 1) {
    next = [...lines.slice(0, s.starts[0]), ...block, ...lines.slice(s.ends[0] + 1)];
  } else {
    const task = s.headings.find((h) => h.level === 2 && /^your task$/i.test(h.text));
    const end = task && s.headings.find((h) => h.line > task.line && h.level <= 2);
    if (end) {
      const before = lines.slice(0, end.line);
      while (before.length && before.at(-1)!.trim() === "") before.pop();
      next = [...before, "", ...block, "", ...lines.slice(end.line)];
    } else {
      const before = [...lines];
      while (before.length && before.at(-1)!.trim() === "") before.pop();
      next = [...before, ...(before.length ? [""] : []), ...block, ""];
    }
  }
  const text = next.join(eol);
  return text === markdown ? markdown : text;
}

/** The generated block of `markdown` (marker lines included), if it has exactly one. */
function currentBlock(s: Scanned): string[] | undefined {
  if (s.starts.length !== 1 || markerTrouble(s)) return undefined;
  return s.lines.slice(s.starts[0], s.ends[0] + 1);
}

const norm = (lines: string[]) => lines.map((l) => l.trimEnd());

/**
 * Steps whose hint has no levels: every step but a knowledge check's gives a
 * `nudge` (where to look) and a `concept` (the idea) before its `hint`, so that
 * `labs hint` can tell a little more each time it is asked.
 */
export function hintLevelProblems(
  checker: LessonChecker,
  quizSlugs: ReadonlySet<string>,
): string[] {
  return checker.steps
    .filter((step) => !quizSlugs.has(step.slug))
    .filter((step) => !step.nudge?.trim() || !step.concept?.trim())
    .map(
      (step) =>
        `step ${step.slug} has no ${!step.nudge?.trim() ? "nudge" : "concept"} (hint levels: nudge, concept, hint; see AUTHORING.md)`,
    );
}

/**
 * Problems with the step list of `lesson.md`: missing, broken markers, or out of
 * date with `checker`. Pass the checker as written (`importChecker`), not the
 * copy `loadChecker` returns with its `{{lesson:…}}` references rendered.
 */
export function stepsSectionProblems(lesson: Lesson, checker: LessonChecker): string[] {
  // a missing lesson.md is staticProblems' to report
  if (!existsSync(lesson.lessonFile)) return [];
  const where = rel(rootOf(lesson), lesson.lessonFile);
  const s = scan(readFileSync(lesson.lessonFile, "utf8"));
  const trouble = markerTrouble(s);
  if (trouble) return [`${where}: ${trouble}.`];
  const block = currentBlock(s);
  const heading = STEPS_HEADING.replace(/^#+\s*/, "").toLowerCase();
  const byHand = s.headings.find(
    (h) =>
      h.text.toLowerCase() === heading && (!block || h.line < s.starts[0] || h.line > s.ends[0]),
  );
  const problems: string[] = [];
  if (byHand)
    problems.push(
      `${where}:${byHand.line + 1}: has a hand-written "${"#".repeat(byHand.level)} ${byHand.text}" section outside the generated step list; delete it (\`npm run labs -- dev save\` writes that section from check.ts)`,
    );
  if (!block)
    return [
      ...problems,
      `${where}: has no step list generated from check.ts (the \`${STEPS_START}\` block); run \`npm run labs -- dev save\` to add it after "## Your task"`,
    ];
  const want = norm(stepsSection(checker).split("\n"));
  const have = norm(block);
  if (want.join("\n") === have.join("\n")) return problems;
  const listed = have.filter((l) => LISTED_RE.test(l));
  const wanted = want.filter((l) => LISTED_RE.test(l));
  let why: string;
  if (listed.length !== wanted.length)
    why = `${listed.length} step${listed.length === 1 ? "" : "s"} listed, ${wanted.length} in the checker`;
  else {
    const i = listed.findIndex((l, k) => l !== wanted[k]);
    why =
      i >= 0
        ? `step ${i + 1} is listed as "${listed[i].replace(LISTED_RE, "")}", the checker has "${wanted[i].replace(LISTED_RE, "")}"`
        : "the text around the list is not what check.ts generates";
  }
  return [
    ...problems,
    `${where}: the step list is out of date with check.ts (${why}); run \`npm run labs -- dev save\``,
  ];
}

/**
 * Rewrites the step list of every lesson whose lesson.md has none or a stale one
 * (lessons without lesson.md or check.ts are skipped). Returns the files it
 * changed, relative to the course root (`lessons/05-how-sse-works/lesson.md`).
 */
export async function writeStepsSections(course: Course): Promise<string[]> {
  const changed: string[] = [];
  for (const lesson of course.lessons) {
    if (!existsSync(lesson.lessonFile) || !existsSync(lesson.checkFile)) continue;
    const checker = await importChecker(lesson);
    const where = rel(course.root, lesson.lessonFile);
    const text = await readFile(lesson.lessonFile, "utf8");
    let next: string;
    try {
      next = syncStepsSection(text, stepsSection(checker));
    } catch (error) {
      throw new LearnerError("LESSON_MALFORMED", `${where}: ${(error as Error).message}`);
    }
    if (next === text) continue;
    await writeFile(lesson.lessonFile, next);
    changed.push(where);
  }
  return changed;
}

// ─── 2. leftovers of the `labs new` skeleton ─────────────────────────────────

/**
 * Placeholder lines of the skeleton lesson.md that `labs new` writes
 * (scaffold.ts's LESSON_TEMPLATE). A line is flagged when it contains one of the
 * `text`s (apostrophes compared straight) or matches one of the `line`s.
 */
export const SKELETON_PLACEHOLDERS: readonly { text?: string; line?: RegExp; what: string }[] = [
  {
    text: "One sentence: what the learner's server can do after this lesson.",
    what: "the Goal placeholder",
  },
  { text: "The concept, in your own words.", what: "the idea placeholder" },
  { text: "One sentence on what this lesson is about", what: "the subtitle placeholder" },
  { text: "In `src/…`, write …", what: "the task placeholder" },
  {
    text: "(matches the TODO markers in the starter and the checker's steps)",
    what: "the task placeholder",
  },
  { line: /^\s*\d+\.\s*(…|\.\.\.)\s*$/, what: "an empty numbered item (`1. …`)" },
  { line: /^\s*Next:\s*(…|\.\.\.)\s*$/, what: "the `Next: …` placeholder" },
];

/** Every file below `dir`, absolute, skipping node_modules and .git. */
export function walkFiles(dir: string, found: string[] = []): string[] {
  if (!existsSync(dir)) return found;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name === "node_modules" || d.name === ".git") continue;
    const path = join(dir, d.name);
    if (d.isDirectory()) walkFiles(path, found);
    else found.push(path);
  }
  return found;
}

/** Text of the `labs new` skeleton still in lesson.md, and a leftover `TODO.md` in the starter or solution. */
export function skeletonProblems(lesson: Lesson): string[] {
  const root = rootOf(lesson);
  const problems: string[] = [];
  if (existsSync(lesson.lessonFile)) {
    const where = rel(root, lesson.lessonFile);
    const s = scan(readFileSync(lesson.lessonFile, "utf8"));
    s.lines.forEach((line, i) => {
      // lines inside code fences are examples, not placeholders
      if (s.fenced.has(i)) return;
      const plain = line.replace(/[\u2018\u2019]/g, "'");
      const hit = SKELETON_PLACEHOLDERS.find((p) =>
        p.text ? plain.includes(p.text) : p.line!.test(plain),
      );
      if (!hit) return;
      const under = [...s.headings].reverse().find((h) => h.line < i);
      problems.push(
        `${where}:${i + 1}: still holds ${hit.what} of the \`labs new\` skeleton ("${line.trim()}"${under ? ` under "${"#".repeat(under.level)} ${under.text}"` : ""}); replace it with the lesson's own text`,
      );
    });
  }
  const quiz = join(lesson.dir, "quiz.json");
  if (existsSync(quiz) && readFileSync(quiz, "utf8").includes('"Replace:'))
    problems.push(
      `${rel(root, quiz)}: still holds the \`labs new\` skeleton's placeholder question; write the lesson's own questions (and their answers in the solution's answers/${lesson.slug}.json)`,
    );
  for (const dir of [lesson.starterDir, lesson.solutionDir]) {
    for (const file of walkFiles(dir)) {
      if (file.split(sep).at(-1)!.toLowerCase() !== "todo.md") continue;
      problems.push(
        `${rel(root, file)}: left over from \`labs new\` (a learner would get it in their workspace); do what it says (stub the lesson's code with TODO markers in src/), then delete it`,
      );
    }
  }
  return problems;
}

// ─── 3. fixtures name real steps ─────────────────────────────────────────────

/** An error code as `firstFailure` reports a run that could not start: `error:SERVER_BUILD_FAILED`. */
const ERROR_AT = /^error:[A-Z][A-Z0-9_]*$/;

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/**
 * Fixtures whose `failsAt` names no step of `checker`. Allowed: a step slug, the
 * implicit `server-starts` step (for a lesson with a server), or `error:<CODE>`
 * with an upper-case error code (a run that could not start).
 */
export function failsAtProblems(
  lesson: Lesson,
  checker: LessonChecker,
  fixtures: readonly { name: string; failsAt: string; about: string }[],
): string[] {
  const steps = [
    ...(checker.server === false ? [] : [START_STEP.slug]),
    ...checker.steps.map((s) => s.slug),
  ];
  const problems: string[] = [];
  for (const fx of fixtures) {
    const at = fx.failsAt ?? "";
    const who = `fixture ${fx.name} of ${lesson.id}`;
    if (!at.trim()) {
      problems.push(
        `${who} does not say where it fails; give it the slug of the step that must catch it (steps: ${steps.join(", ")})`,
      );
      continue;
    }
    if (steps.includes(at)) continue;
    if (at.startsWith("error:")) {
      if (ERROR_AT.test(at)) continue;
      problems.push(
        `${who} says it fails at \`${at}\`, which is not an error code; write \`error:\` and the code in upper case, as the run reports it (e.g. \`error:SERVER_BUILD_FAILED\`)`,
      );
      continue;
    }
    const near = steps
      .map((s) => ({ s, d: distance(s, at) }))
      .filter((x) => x.d <= Math.max(2, Math.floor(at.length / 4)))
      .sort((a, b) => a.d - b.d)[0];
    problems.push(
      `${who} says it fails at \`${at}\`, but the checker has no step \`${at}\`; steps: ${steps.join(", ")}${near ? ` (did you mean \`${near.s}\`?)` : ""}`,
    );
  }
  return problems;
}

/**
 * Every file the lesson's starter changes that a continuing learner already has is
 * named in lesson.md, because the runner merges those edits into the learner's own
 * files and quotes the lesson's words about each one when they conflict.
 */
export function starterEditProblems(lesson: Lesson): string[] {
  const patch = join(lesson.dir, "starter.patch");
  if (!existsSync(patch) || !existsSync(lesson.lessonFile)) return [];
  const text = readFileSync(lesson.lessonFile, "utf8");
  const edited = readFileSync(patch, "utf8")
    .split(/^(?=diff --git )/m)
    .filter((d) => d.startsWith("diff --git ") && !/^(new|deleted) file mode/m.test(d))
    .map((d) => /^diff --git a\/(\S+) /.exec(d)?.[1])
    .filter((f): f is string => Boolean(f));
  return edited
    .filter((f) => !text.includes(f))
    .map(
      (f) =>
        `${rel(rootOf(lesson), lesson.lessonFile)}: the starter changes ${f}, which a continuing learner already has, but the lesson text never names it; say in "## Your task" what the edit to ${f} is for (the runner merges it into the learner's file and quotes that sentence on a conflict)`,
    );
}
