import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { killLearnerNow, type LearnerChild, spawnLearner } from "./spawn-learner.ts";

/**
 * The script a spare process runs: it imports the server's packages ahead of
 * time, says it is ready, and on the go message takes the run's environment,
 * drops its IPC channel and imports the server's bundle. Packages imported
 * here resolve from the bundle's folder, so the bundle finds them cached.
 */
const PREWARM_SCRIPT = `const packages = JSON.parse(process.env.LABS_PRELOAD ?? "[]");
delete process.env.LABS_PRELOAD;
await Promise.allSettled(packages.map((p) => import(p)));
process.once("message", (go) => {
  Object.assign(process.env, go.env);
  process.disconnect();
  import(go.entry).catch((error) => {
    console.error(error);
    process.exit(1);
  });
});
process.send({ ready: true });
`;

/** Spares not yet taken by a learner process (which answers for them from then on). */
const spares = new Set<LearnerChild>();

/** Kills every spare at once, and what is in its cage (on the runner's own exit). */
export function killSparesNow(): void {
  for (const spare of spares) killLearnerNow(spare.child.pid, spare.cage);
  spares.clear();
}

/** Kills every spare and removes its cage (the teardown after a signal). */
export async function killSpares(): Promise<void> {
  const all = [...spares];
  spares.clear();
  await Promise.all(
    all.map((spare) => {
      kill(spare.child);
      return spare.cage?.remove();
    }),
  );
}

/** A spare, prewarmed learner process (in its cage and sandbox), adopted by the next start. */
export type Spare = LearnerChild;

/**
 * Keeps one prewarmed node process ready per workspace, so a restart after a
 * save skips node's boot and the loading of the server's packages. Used in
 * watch mode, where the next start is always near.
 */
export class WarmPool {
  private spare?: Promise<Spare | undefined>;
  private written = false;
  private closed = false;

  constructor(
    private readonly opts: {
      outDir: string;
      cwd: string;
      nodeArgs: string[];
      env: () => Record<string, string>;
      preload: () => string[];
    },
  ) {}

  /** Takes the ready spare (undefined when none is ready), and starts the next one. */
  async take(): Promise<Spare | undefined> {
    const current = this.spare;
    this.spare = undefined;
    const spare = current ? await current : undefined;
    if (spare) spares.delete(spare);
    this.fill();
    if (
      !spare ||
      spare.child.exitCode !== null ||
      spare.child.signalCode !== null ||
      !spare.child.connected
    ) {
      if (spare) {
        kill(spare.child);
        await spare.cage?.remove();
      }
      return undefined;
    }
    return spare;
  }

  /** Starts a spare if there is none. */
  fill(): void {
    if (this.closed || this.spare) return;
    this.spare = this.spawnSpare().catch(() => undefined);
  }

  private async spawnSpare(): Promise<Spare | undefined> {
    const script = join(this.opts.outDir, "prewarm.mjs");
    if (!this.written) {
      await writeFile(script, PREWARM_SCRIPT);
      this.written = true;
    }
    const spare = spawnLearner({
      nodeArgs: [...this.opts.nodeArgs, script],
      cwd: this.opts.cwd,
      env: { ...this.opts.env(), LABS_PRELOAD: JSON.stringify(this.opts.preload()) },
      ipc: true,
    });
    const { child } = spare;
    spares.add(spare);
    child.once("exit", () => spares.delete(spare));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      child.once("message", () => {
        clearTimeout(timer);
        resolve(true);
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready || this.closed) {
      spares.delete(spare);
      kill(child);
      await spare.cage?.remove();
      return undefined;
    }
    // ready, and still the runner's to kill on its exit until a learner process takes it
    return spare;
  }

  /** Kills the spare and stops making new ones. */
  async close(): Promise<void> {
    this.closed = true;
    const spare = await this.spare;
    this.spare = undefined;
    if (spare) {
      spares.delete(spare);
      kill(spare.child);
      await spare.cage?.remove();
    }
  }
}

function kill(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** The file URL a spare imports to run the bundle. */
export function entryUrl(path: string): string {
  return pathToFileURL(path).href;
}
