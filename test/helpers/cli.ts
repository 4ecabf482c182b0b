import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "labs.js");

/** Output and exit code of a finished CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `labs <args>` as a real process, without a TTY, and collects its output. */
export function runCli(
  args: string[],
  opts: {
    env?: Record<string, string>;
    input?: string;
    timeout?: number;
    /** Run the runner installed here instead of this repository's (a copy, for attacks on it). */
    root?: string;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const root = opts.root ?? ROOT;
    const child = spawn(process.execPath, [join(root, "bin", "labs.js"), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`labs ${args.join(" ")} did not finish in time.\n${stdout}\n${stderr}`));
    }, opts.timeout ?? 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Starts `labs <args>` and lets the test talk to it while it runs (watch mode). */
export function startCli(args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => {
    output += d;
  });
  child.stderr!.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    output: () => output,
    exited,
    send: (line: string) => child.stdin!.write(`${line}\n`),
    /** Resolves when the output matches `re` (searching from `from`), or rejects after `ms`. */
    waitFor: async (re: RegExp, ms = 20_000, from = 0): Promise<number> => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const m = re.exec(output.slice(from));
        if (m) return from + m.index + m[0].length;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`waited ${ms} ms for ${re}; output so far:\n${output}`);
    },
  };
}
