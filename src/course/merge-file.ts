import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "./history/git.ts";

/** The outcome of a three-way merge of one file. */
export interface MergedText {
  text: string;
  /** Conflicting hunks, left in `text` as standard conflict markers. */
  conflicts: number;
}

/**
 * Three-way merges one file with `git merge-file`: the changes from `base` to
 * `theirs` are applied to `ours`; where both changed the same lines, standard
 * conflict markers carrying `labels` (ours, base, theirs) are left in the text.
 */
export function mergeText(
  ours: string,
  base: string,
  theirs: string,
  labels: [string, string, string],
): MergedText {
  if (ours === base) return { text: theirs, conflicts: 0 };
  if (theirs === base || theirs === ours) return { text: ours, conflicts: 0 };
  const dir = mkdtempSync(join(tmpdir(), "labs-merge-"));
  try {
    const files = ["ours", "base", "theirs"].map((n) => join(dir, n));
    for (const [i, text] of [ours, base, theirs].entries()) writeFileSync(files[i], text);
    const r = git(
      ["merge-file", "-p", "-L", labels[0], "-L", labels[1], "-L", labels[2], ...files],
      { cwd: dir, allowFail: true },
    );
    if (r.status < 0 || r.status > 127) throw new Error(`git merge-file failed: ${r.stderr}`);
    return { text: r.stdout, conflicts: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The conflicting hunks of a merged text: first line number and the lines of each. */
export function conflictHunks(text: string): { line: number; lines: string[] }[] {
  const hunks: { line: number; lines: string[] }[] = [];
  const lines = text.split("\n");
  let open: { line: number; lines: string[] } | undefined;
  lines.forEach((l, i) => {
    if (l.startsWith("<<<<<<< ")) open = { line: i + 1, lines: [] };
    if (open) open.lines.push(l);
    if (open && l.startsWith(">>>>>>> ")) {
      hunks.push(open);
      open = undefined;
    }
  });
  return hunks;
}
