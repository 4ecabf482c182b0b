import { existsSync } from "node:fs";
import { cp, mkdir, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { LearnerError } from "../errors.ts";
import { RUNNER_ROOT } from "../runner/build.ts";
import { makeTempDir } from "../runner/teardown.ts";
import type { Lesson } from "./manifest.ts";

/** Folders the runner never copies, backs up or watches. */
export const IGNORED_DIRS = new Set(["node_modules", ".labs", ".git", "dist"]);

/** The learner's workspace: `--workspace`, then `LABS_WORKSPACE`, then `workspace/` in the runner. */
export function resolveWorkspace(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = flag ?? env.LABS_WORKSPACE;
  return dir ? resolve(dir) : join(RUNNER_ROOT, "workspace");
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (IGNORED_DIRS.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, base)));
    else if (!/\.db(-wal|-shm)?$/.test(entry.name)) out.push(relative(base, full));
  }
  return out.sort();
}

function requireStarter(lesson: Lesson): void {
  if (!existsSync(lesson.starterDir)) {
    throw new LearnerError(
      "LESSON_MALFORMED",
      `Lesson ${lesson.number} has no starter folder (${lesson.starterDir}).`,
      {
        hint: `Restore it from git: git checkout -- ${lesson.starterDir}`,
      },
    );
  }
}

/** What `prepareWorkspace` did. */
export interface PrepareResult {
  seeded: boolean;
  added: string[];
}

/**
 * Makes the workspace ready for `lesson`: an empty one is seeded from the
 * lesson's starter; one that holds earlier work is kept, and only files the
 * starter has and the workspace lacks are added (never overwritten).
 */
export async function prepareWorkspace(workspace: string, lesson: Lesson): Promise<PrepareResult> {
  requireStarter(lesson);
  const starterFiles = await listFiles(lesson.starterDir);
  if (!existsSync(join(workspace, "src", "server.ts"))) {
    const existing = await listFiles(workspace);
    if (existing.length > 0) {
      await backupWorkspace(workspace, `before-seed-${lesson.slug}`);
    }
    await mkdir(workspace, { recursive: true });
    for (const f of starterFiles) {
      if (existsSync(join(workspace, f))) continue;
      await cp(join(lesson.starterDir, f), join(workspace, f), { recursive: true });
    }
    return { seeded: true, added: starterFiles };
  }
  const added: string[] = [];
  for (const f of starterFiles) {
    if (existsSync(join(workspace, f))) continue;
    await cp(join(lesson.starterDir, f), join(workspace, f));
    added.push(f);
  }
  return { seeded: false, added };
}

/** Copies the workspace (without node_modules and runner state) to `.labs/backups/<stamp>-<label>/`. */
export async function backupWorkspace(
  workspace: string,
  label: string,
): Promise<string | undefined> {
  const files = await listFiles(workspace);
  if (files.length === 0) return undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dest = join(workspace, ".labs", "backups", `${stamp}-${label}`);
  for (const f of files) await cp(join(workspace, f), join(dest, f));
  return dest;
}

/** Replaces the workspace's files with the lesson's starter, after a backup. */
export async function resetWorkspace(
  workspace: string,
  lesson: Lesson,
): Promise<string | undefined> {
  requireStarter(lesson);
  const backup = await backupWorkspace(workspace, `before-reset-${lesson.slug}`);
  if (existsSync(workspace)) {
    for (const entry of await readdir(workspace)) {
      if (IGNORED_DIRS.has(entry)) continue;
      await rm(join(workspace, entry), { recursive: true, force: true });
    }
  }
  await mkdir(workspace, { recursive: true });
  for (const f of await listFiles(lesson.starterDir)) {
    await cp(join(lesson.starterDir, f), join(workspace, f));
  }
  return backup;
}

/** Files of a folder, relative, skipping ignored folders and databases. */
export async function filesOf(dir: string): Promise<string[]> {
  return listFiles(dir);
}

/** Copies a tree's files (skipping ignored folders and databases) into `to`. */
export async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const f of await filesOf(from)) await cp(join(from, f), join(to, f));
}

/** True when `dir` exists and is a folder. */
export async function isDir(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Copies `base` into a fresh temporary folder (under `parent`, default the OS's), then `overlay` on top (minus fixture.json). */
export async function materialise(
  base: string,
  overlay?: string,
  parent = tmpdir(),
): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await makeTempDir("labs-scenario-", parent);
  for (const f of await filesOf(base)) await cp(join(base, f), join(dir, f));
  if (overlay) {
    for (const f of await filesOf(overlay)) {
      if (f !== "fixture.json") await cp(join(overlay, f), join(dir, f));
    }
  }
  return dir;
}
