import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LearnerError } from "../errors.ts";
import { makeTempDir } from "../runner/teardown.ts";
import { git } from "./history/git.ts";
import type { Lesson } from "./manifest.ts";
import { copyTree } from "./workspace.ts";

/**
 * A broken learner server, stored as a patch on its lesson's solution:
 * `test/fixtures/NN-slug/<name>.patch`, a small header, a blank line, then a git diff.
 *
 *   fails-at: stream-headers
 *   about: The stream is sent as text/plain, which a browser's EventSource refuses.
 *
 *   diff --git a/src/routes/events.ts b/src/routes/events.ts
 *   …
 */
export interface Fixture {
  name: string;
  /** The step slug at which the checker must reject it (or `error:<CODE>`). */
  failsAt: string;
  /** What it breaks, in a sentence. */
  about: string;
  patchFile: string;
}

/** The header fields of a fixture patch, in the order they are written. */
const FIELDS = { "fails-at": "failsAt", about: "about" } as const;

/** Splits a fixture patch into its header and its diff. */
export function parseFixture(
  text: string,
  file: string,
): { failsAt: string; about: string; diff: string } {
  const at = text.search(/^diff --git /m);
  const head = at < 0 ? text : text.slice(0, at);
  const fields: Record<string, string> = {};
  for (const line of head.split("\n")) {
    const m = /^([a-z-]+):\s*(.*)$/.exec(line);
    if (m && m[1] in FIELDS) fields[FIELDS[m[1] as keyof typeof FIELDS]] = m[2].trim();
  }
  if (!fields.failsAt || !fields.about || at < 0) {
    throw new LearnerError("LESSON_MALFORMED", `The fixture ${file} is malformed.`, {
      details: [
        ...(fields.failsAt ? [] : ["no `fails-at:` line"]),
        ...(fields.about ? [] : ["no `about:` line"]),
        ...(at < 0 ? ["no diff (a `diff --git` line)"] : []),
      ],
      hint: "A fixture starts with `fails-at: <step slug>` and `about: <what it breaks>`, a blank line, then the output of `git diff` against the lesson's solution (AUTHORING.md, Fixtures).",
    });
  }
  return { failsAt: fields.failsAt, about: fields.about, diff: text.slice(at) };
}

/** Writes a fixture patch's text from its header and diff. */
export function formatFixture(f: { failsAt: string; about: string }, diff: string): string {
  return `fails-at: ${f.failsAt}\nabout: ${f.about.replace(/\s+/g, " ").trim()}\n\n${diff}`;
}

/** The fixtures of a lesson, by name. */
export function listFixtures(lesson: Lesson): Fixture[] {
  if (!existsSync(lesson.fixturesDir)) return [];
  return readdirSync(lesson.fixturesDir)
    .filter((f) => f.endsWith(".patch"))
    .sort()
    .map((f) => {
      const patchFile = join(lesson.fixturesDir, f);
      const { failsAt, about } = parseFixture(readFileSync(patchFile, "utf8"), patchFile);
      return { name: f.replace(/\.patch$/, ""), failsAt, about, patchFile };
    });
}

/**
 * Applies a patch to a folder strictly: every hunk's context must match exactly
 * (git apply never fuzzes). Throws a HISTORY error naming the patch and git's reason.
 */
export function applyPatch(dir: string, patchFile: string, diff?: string): void {
  const text = diff ?? readFileSync(patchFile, "utf8");
  if (!/^diff --git /m.test(text)) return;
  // The folder may sit inside a git checkout: stop git from finding it, so paths are the folder's own.
  const r = git(["apply", "--whitespace=nowarn", "-"], {
    cwd: dir,
    input: text,
    env: { GIT_CEILING_DIRECTORIES: dirname(dir) },
    allowFail: true,
  });
  if (r.status !== 0) {
    throw new LearnerError("HISTORY", `${patchFile} does not apply cleanly to ${dir}.`, {
      details: r.stderr.trim().split("\n").slice(0, 8),
      hint: "The tree it is based on has changed under it. Rebase it with `npm run labs -- dev edit` / `dev save` (AUTHORING.md, Changing the course).",
    });
  }
}

/** A private copy of the lesson's solution with the fixture applied, under `parent`. */
export async function materialiseFixture(
  lesson: Lesson,
  fixture: Fixture,
  parent = tmpdir(),
): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await makeTempDir(`labs-fixture-${fixture.name}-`, parent);
  await copyTree(lesson.solutionDir, dir);
  const { diff } = parseFixture(readFileSync(fixture.patchFile, "utf8"), fixture.patchFile);
  applyPatch(dir, fixture.patchFile, diff);
  return dir;
}
