/**
 * Static course checks: what `labs dev check` and `npm test` verify without running
 * a server. Each check returns a list of problems (empty when all is well); every
 * problem says what is wrong, where, and what to do.
 *
 * - `stepsSectionProblems`: lesson.md carries the checker's step list, generated
 *   from check.ts between two marker comments (`writeStepsSections` rewrites it);
 * - `skeletonProblems`: nothing is left of the skeleton `labs new` writes;
 * - `failsAtProblems`: every broken fixture names a step the checker has;
 * - `typecheckTrees`: starters and solutions type-check with the learner's own
 *   tsconfig.json, in one compiler program for all trees that share it.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type * as TS from "typescript";
import { START_STEP } from "../checks/harness.ts";
import type { LessonChecker } from "../checks/types.ts";
import { LearnerError } from "../errors.ts";
import { type Course, type Lesson, validateChecker } from "./manifest.ts";

// ─── paths ────────────────────────────────────────────────────────────────────

/** The course root of a lesson (`<root>/lessons/NN-slug`). */
const rootOf = (lesson: Lesson) => dirname(dirname(lesson.dir));

/** `path` relative to `root`, with forward slashes (as problems and tsc print it). */
function rel(root: string, path: string): string {
  const r = relative(root, path);
  return (r === "" ? "." : r).split(sep).join("/");
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
  const mod = (await import(pathToFileURL(lesson.checkFile).href)) as {
    default?: LessonChecker;
  };
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
  { text: "In `src/…`, write …", what: "the task placeholder" },
  {
    text: "(matches the TODO markers in the starter and the checker's steps)",
    what: "the task placeholder",
  },
  { line: /^\s*\d+\.\s*(…|\.\.\.)\s*$/, what: "an empty numbered item (`1. …`)" },
  { line: /^\s*Next:\s*(…|\.\.\.)\s*$/, what: "the `Next: …` placeholder" },
];

function walkFiles(dir: string, found: string[] = []): string[] {
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

// ─── 4. starters and solutions type-check with the learner's tsconfig ────────

/** Every starter and solution folder of the course that exists, in lesson order. */
export function courseTrees(course: Course): string[] {
  return course.lessons
    .flatMap((l) => [l.starterDir, l.solutionDir])
    .filter((dir) => existsSync(dir));
}

/** Options whose value depends on where the tsconfig sits: trees with them are checked one by one. */
const PLACE_BOUND = [
  "baseUrl",
  "paths",
  "rootDirs",
  "typeRoots",
  "outFile",
  "declarationDir",
  "tsBuildInfoFile",
  "plugins",
  "composite",
];

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

interface Tree {
  dir: string;
  /** `lessons/05-how-sse-works/starter` */
  name: string;
  configFile: string;
  raw: Record<string, unknown>;
  parsed: TS.ParsedCommandLine;
  /** May share a program with other trees whose compilerOptions are the same. */
  mergeable: boolean;
}

function under(dir: string, file: string): boolean {
  const r = relative(dir, file);
  return r !== "" && !r.startsWith("..") && !r.startsWith(sep) && !/^[a-zA-Z]:/.test(r);
}

/** Keys of `a` and `b` (shallow) whose values differ, as `key: a here, b there`. */
function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => stable(a[k]) !== stable(b[k]))
    .map(
      (k) =>
        `${k}: ${a[k] === undefined ? "unset" : stable(a[k])} here, ${b[k] === undefined ? "unset" : stable(b[k])} there`,
    );
}

/**
 * Type-checks project trees (starter and solution folders, absolute or relative
 * to `root`) with each tree's own tsconfig.json, as `npm run typecheck` inside
 * the tree would. Trees whose tsconfig.json has the same compilerOptions are
 * checked in one compiler program (one `tsc -p` per tree is far slower); a tree
 * whose tsconfig.json differs from the others' is reported and checked on its own,
 * and so is a tree that declares globals (a script file, `declare global`,
 * `declare module "…"`), which would leak into the others in a shared program.
 * Packages resolve from the repository's node_modules, above the trees.
 * Problems read like tsc's: `solutions/07-event-types-and-ids/src/sse.ts(12,3): error TS2322: …`.
 * A tree without tsconfig.json and without .ts files (a knowledge-check lesson) is skipped.
 */
export async function typecheckTrees(root: string, trees: readonly string[]): Promise<string[]> {
  const ts = (await import("typescript")).default;
  const problems: string[] = [];
  const loaded: Tree[] = [];

  for (const t of trees) {
    const dir = resolve(root, t);
    const name = rel(root, dir);
    const configFile = join(dir, "tsconfig.json");
    if (!existsSync(configFile)) {
      const tsFiles = walkFiles(dir).filter((f) => /\.[cm]?tsx?$/.test(f));
      if (tsFiles.length)
        problems.push(
          `${name}: has TypeScript files (${rel(root, tsFiles[0])}) but no tsconfig.json; copy the one every other starter and solution has (lessons/PROJECT.md)`,
        );
      continue;
    }
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error) {
      problems.push(
        `${rel(root, configFile)}: cannot be read: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`,
      );
      continue;
    }
    const raw = (read.config ?? {}) as Record<string, unknown>;
    const parsed = ts.parseJsonConfigFileContent(raw, ts.sys, dir, undefined, configFile);
    const compilerOptions = (raw.compilerOptions ?? {}) as Record<string, unknown>;
    const mergeable =
      raw.extends === undefined &&
      raw.references === undefined &&
      !PLACE_BOUND.some((k) => k in compilerOptions) &&
      !existsSync(join(dir, "node_modules"));
    loaded.push({ dir, name, configFile, raw, parsed, mergeable });
  }

  // Group by compilerOptions; the largest group is the course's tsconfig.
  const groups = new Map<string, Tree[]>();
  for (const tree of loaded) {
    const key = stable(tree.raw.compilerOptions ?? {});
    groups.set(key, [...(groups.get(key) ?? []), tree]);
  }
  const main = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const reference = main[0];
  if (reference) {
    for (const tree of loaded) {
      if (tree === reference) continue;
      const rest = { ...tree.raw, compilerOptions: undefined };
      const refRest = { ...reference.raw, compilerOptions: undefined };
      const diffs = [
        ...differences(
          (tree.raw.compilerOptions ?? {}) as Record<string, unknown>,
          (reference.raw.compilerOptions ?? {}) as Record<string, unknown>,
        ).map((d) => `compilerOptions.${d}`),
        ...differences(rest, refRest),
      ];
      if (diffs.length)
        problems.push(
          `${rel(root, tree.configFile)}: differs from the tsconfig.json that ${main.length - (main.includes(tree) ? 1 : 0)} other tree(s) share, as in ${rel(root, reference.configFile)} (${diffs.join("; ")}); use the same tsconfig.json as every starter and solution (lessons/PROJECT.md)${main.includes(tree) ? "" : ". It was type-checked on its own, with its own options"}`,
        );
    }
  }

  for (const tree of loaded) {
    for (const e of tree.parsed.errors) {
      problems.push(
        `${rel(root, tree.configFile)}: ${ts.flattenDiagnosticMessageText(e.messageText, "\n")}`,
      );
    }
  }

  const seen = new Set<string>();
  const say = (text: string) => {
    if (seen.has(text)) return;
    seen.add(text);
    problems.push(text);
  };
  const format = (d: TS.Diagnostic, file: TS.SourceFile | undefined, swap?: [string, string]) => {
    const category = ts.DiagnosticCategory[d.category].toLowerCase();
    let message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (swap) message = message.split(swap[0]).join(swap[1]);
    if (!file || d.start === undefined) return `tsc: ${category} TS${d.code}: ${message}`;
    const { line, character } = file.getLineAndCharacterOfPosition(d.start);
    return `${rel(root, realpath(file.fileName))}(${line + 1},${character + 1}): ${category} TS${d.code}: ${message}`;
  };
  /** What an import resolved to: a file (real path) or nothing, and whether through node_modules. */
  type Edge = { spec: string; file?: string; external: boolean; from: string; start: number };

  /** One program over `group`'s files, recording which file each import resolved to. */
  const build = (
    group: Tree[],
    old?: { program: TS.Program; imports: Map<string, Map<string, Edge>> },
  ) => {
    const files = group.flatMap((t) => t.parsed.fileNames);
    if (files.length === 0) return undefined;
    const options: TS.CompilerOptions = {
      ...group[0].parsed.options,
      noEmit: true,
      // rootDir is enforced per tree in `collect`; outDir only matters when emitting
      rootDir: undefined,
      outDir: undefined,
      declarationDir: undefined,
      composite: undefined,
      incremental: undefined,
      tsBuildInfoFile: undefined,
    };
    const host = ts.createCompilerHost(options);
    host.getCurrentDirectory = () => root;
    const cache = ts.createModuleResolutionCache(root, (f) => f, options);
    // shared with `old`, whose files' resolutions the new program may reuse without asking
    const imports = old?.imports ?? new Map<string, Map<string, Edge>>();
    host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts, sf) =>
      literals.map((lit) => {
        const mode = ts.getModeForUsageLocation(sf, lit, opts);
        const r = ts.resolveModuleName(
          lit.text,
          containingFile,
          opts,
          host,
          cache,
          redirected,
          mode,
        );
        const from = realpath(containingFile);
        const edges = imports.get(from) ?? new Map<string, Edge>();
        edges.set(`${lit.text}\0${mode}`, {
          spec: lit.text,
          file: r.resolvedModule && realpath(r.resolvedModule.resolvedFileName),
          external: Boolean(r.resolvedModule?.isExternalLibraryImport),
          from,
          start: lit.getStart(sf),
        });
        imports.set(from, edges);
        return r;
      });
    const program = ts.createProgram({
      rootNames: files,
      options,
      host,
      oldProgram: old?.program,
    });
    const byPath = new Map(program.getSourceFiles().map((sf) => [realpath(sf.fileName), sf]));
    return { program, imports, byPath };
  };
  type Built = NonNullable<ReturnType<typeof build>>;

  const hashes = new Map<string, string>();
  const hashOf = (file: string, text: string) => {
    let h = hashes.get(file);
    if (h === undefined) {
      h = createHash("sha1").update(text).digest("hex");
      hashes.set(file, h);
    }
    return h;
  };

  /**
   * Files reachable from `from` through imports, not through node_modules
   * (`from` included), each with the import that first reached it.
   */
  const reach = (built: Built, from: string[], follow: (file: string) => boolean) => {
    const done = new Map<string, Edge | undefined>();
    const todo: [string, Edge | undefined][] = from.map((f) => [f, undefined]);
    while (todo.length) {
      const [f, via] = todo.shift()!;
      if (done.has(f)) continue;
      done.set(f, via);
      for (const e of built.imports.get(f)?.values() ?? [])
        if (e.file && !e.external && follow(e.file)) todo.push([e.file, e]);
    }
    return done;
  };

  /**
   * What a tree file's diagnostics depend on: its place in the tree, its text and
   * the text and place of every tree file it imports, directly or not (packages
   * and files outside the tree by their path). Starters and solutions share most
   * files, so most keys repeat, and each distinct one is checked once per program.
   * (Globals cannot differ: trees that declare any are checked apart.)
   */
  const keyOf = (built: Built, file: string, tree: Tree): string => {
    const local = (f: string) => under(tree.dir, f);
    const entries = [...reach(built, [file], local).keys()].map((f) => {
      const text = built.byPath.get(f)?.text ?? "";
      const targets = [...(built.imports.get(f)?.entries() ?? [])]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([how, e]) =>
          !e.file
            ? `?${how}`
            : local(e.file)
              ? `${how}=${rel(tree.dir, e.file)}`
              : `${how}=${e.file}`,
        );
      // a triple-slash reference pulls in files the import graph does not show
      const refs = /\/\/\/\s*<reference/.test(text) ? `\0${f}` : "";
      return `${rel(tree.dir, f)}\0${hashOf(f, text)}\0${targets.join("|")}${refs}`;
    });
    return createHash("sha1").update(entries.sort().join("\n")).digest("hex");
  };

  const collect = (built: Built, group: Tree[]) => {
    const { program } = built;
    for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()])
      say(format(d, d.file));
    const byKey = new Map<string, { diagnostics: readonly TS.Diagnostic[]; dir?: string }>();
    for (const [file, sf] of built.byPath) {
      const tree = group.find((t) => under(t.dir, file));
      const key = tree ? `tree:${keyOf(built, file, tree)}` : `file:${file}`;
      let known = byKey.get(key);
      if (!known) {
        known = {
          diagnostics: [
            ...program.getSyntacticDiagnostics(sf),
            ...program.getSemanticDiagnostics(sf),
          ],
          dir: tree?.dir,
        };
        byKey.set(key, known);
      }
      const swap: [string, string] | undefined =
        tree && known.dir && known.dir !== tree.dir ? [known.dir, tree.dir] : undefined;
      for (const d of known.diagnostics) say(format(d, sf, swap));
    }
    // rootDir, as tsc enforces it in each tree's own program
    for (const tree of group) {
      const rootDir = tree.parsed.options.rootDir;
      if (!rootDir) continue;
      const real = realpath(rootDir);
      const files = reach(
        built,
        tree.parsed.fileNames.map((f) => realpath(f)),
        () => true,
      );
      for (const [file, via] of files) {
        const sf = built.byPath.get(file);
        if (!sf || sf.isDeclarationFile || program.isSourceFileFromExternalLibrary(sf)) continue;
        if (under(real, file)) continue;
        const importer = via && built.byPath.get(via.from);
        const at = importer ? importer.getLineAndCharacterOfPosition(via.start) : undefined;
        say(
          `${importer && at ? `${rel(root, via.from)}(${at.line + 1},${at.character + 1}): ` : ""}error TS6059: File '${file}' is not under 'rootDir' '${real}'. 'rootDir' is expected to contain all source files.`,
        );
      }
    }
  };

  /** Trees one of whose files declares globals (a script, `declare global`, `declare module "x"`). */
  const leaky = (program: TS.Program, group: Tree[]): Set<Tree> => {
    const out = new Set<Tree>();
    for (const sf of program.getSourceFiles()) {
      if (program.isSourceFileFromExternalLibrary(sf)) continue;
      const tree = group.find((t) => under(t.dir, realpath(sf.fileName)));
      if (!tree) continue;
      const global =
        !ts.isExternalModule(sf) ||
        sf.statements.some(
          (st) =>
            ts.isModuleDeclaration(st) &&
            (ts.isStringLiteral(st.name) || (st.flags & ts.NodeFlags.GlobalAugmentation) !== 0),
        );
      if (global) out.add(tree);
    }
    return out;
  };

  for (const group of groups.values()) {
    const shared = group.filter((t) => t.mergeable);
    const alone = group.filter((t) => !t.mergeable);
    if (shared.length) {
      let built = build(shared);
      const apart = built && shared.length > 1 ? leaky(built.program, shared) : new Set<Tree>();
      if (built && apart.size) {
        const rest = shared.filter((t) => !apart.has(t));
        alone.push(...apart);
        built = rest.length ? build(rest, built) : undefined;
        if (built) collect(built, rest);
      } else if (built) collect(built, shared);
    }
    for (const tree of alone) {
      const built = build([tree]);
      if (built) collect(built, [tree]);
    }
  }
  return problems;
}

const realpaths = new Map<string, string>();
function realpath(file: string): string {
  let real = realpaths.get(file);
  if (real === undefined) {
    try {
      real = realpathSync(file);
    } catch {
      real = resolve(file);
    }
    realpaths.set(file, real);
  }
  return real;
}
