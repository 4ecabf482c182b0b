import { spawnSync } from "node:child_process";
import { LearnerError } from "../../errors.ts";

/** What one git command printed. */
export interface GitResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Options of one git command. */
export interface GitOptions {
  cwd: string;
  input?: string;
  /** Extra environment (e.g. GIT_INDEX_FILE for a private index). */
  env?: Record<string, string>;
  /** Return a non-zero exit instead of throwing. */
  allowFail?: boolean;
}

/**
 * The environment of the runner's own git calls: the caller's, less every GIT_*
 * variable, with the user's and the system's config ignored, so that settings such
 * as diff.noprefix or core.autocrlf can never change a patch the course stores.
 */
function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_")) env[k] = v;
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "labs",
    GIT_AUTHOR_EMAIL: "labs@localhost",
    GIT_COMMITTER_NAME: "labs",
    GIT_COMMITTER_EMAIL: "labs@localhost",
    GIT_TERMINAL_PROMPT: "0",
    ...extra,
  };
}

/** Runs git; throws a runner bug on failure unless `allowFail`, a clear error when git is missing. */
export function git(args: string[], opts: GitOptions): GitResult {
  const r = spawnSync("git", ["-c", "core.autocrlf=false", "-c", "core.quotepath=false", ...args], {
    cwd: opts.cwd,
    input: opts.input,
    env: gitEnv(opts.env),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") throw gitMissing();
    throw r.error;
  }
  const result = { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  if (result.status !== 0 && !opts.allowFail) {
    throw new Error(`git ${args.join(" ")} failed in ${opts.cwd} (${result.status}):\n${r.stderr}`);
  }
  return result;
}

/** The error for a machine without git. */
export function gitMissing(): LearnerError {
  return new LearnerError("NO_GIT", "This needs git, and git is not installed here.", {
    hint: "Install git (https://git-scm.com, or your package manager: apt-get install git), then run the command again.",
  });
}

/** The id of git's empty tree. */
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
