import { relative } from "node:path";
import { watch } from "chokidar";
import type { KeyCommand } from "./keys.ts";

/**
 * How long the files must be quiet after a change before a run starts. Editors
 * write a save in a few steps (truncate then write, or a temporary file renamed
 * over the old one) that land within a few milliseconds of each other; a change
 * that comes later still gets its own run after the current one, so no save is lost.
 */
export const SAVE_QUIET_MS = 30;

/** How often a polling watch looks at each file (a save is seen within this, plus the debounce). */
export const POLL_INTERVAL_MS = 100;

/** What wakes the watch loop. */
export type WatchEvent = { type: "change"; path: string } | { type: "key"; key: KeyCommand };

/** Files whose changes never trigger a run. */
export function isIgnored(path: string): boolean {
  return (
    /(^|[/\\])(node_modules|\.labs|\.git|dist)([/\\]|$)/.test(path) ||
    /\.db(-wal|-shm|-journal)?$/.test(path) ||
    // half-written files: the runner's own atomic writes (answers.json.<pid>.tmp), editors' swap and backup files
    /(\.\d+\.tmp|\.sw[px]|~)$/.test(path)
  );
}

/**
 * One loop over typed events: file changes (debounced), and keys. A run never
 * overlaps another; changes during a run trigger exactly one more run after it.
 */
export class WatchLoop {
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly watcher;
  private changed: string[] = [];
  private readonly debounceMs: number;

  constructor(
    dir: string,
    private readonly handlers: {
      run: (changed: string[]) => Promise<void>;
      key: (k: KeyCommand) => Promise<void> | void;
    },
    opts: {
      /** Quiet time after a change before a run starts. */
      debounceMs?: number;
      /** Poll the files' stat instead of OS events (folders where events do not arrive). */
      poll?: boolean;
    } = {},
  ) {
    this.debounceMs = opts.debounceMs ?? SAVE_QUIET_MS;
    const poll = opts.poll ?? false;
    this.watcher = watch(dir, {
      ignored: (p) => isIgnored(relative(dir, p)),
      ignoreInitial: true,
      atomic: false,
      ...(poll ? { usePolling: true, interval: POLL_INTERVAL_MS, binaryInterval: 300 } : {}),
    });
    this.watcher.on("all", (_event, path) =>
      this.dispatch({ type: "change", path: relative(dir, path) }),
    );
  }

  /** Resolves once the watcher has scanned the folder. */
  ready(): Promise<void> {
    return new Promise((r) => this.watcher.once("ready", () => r()));
  }

  /** Feeds an event into the loop. */
  dispatch(event: WatchEvent): void {
    if (this.stopped) return;
    if (event.type === "key") {
      if (event.key === "run") this.schedule(0);
      else void this.handlers.key(event.key);
      return;
    }
    this.changed.push(event.path);
    this.schedule(this.debounceMs);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.fire(), ms);
  }

  private async fire(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const changed = [...new Set(this.changed)];
    this.changed = [];
    try {
      await this.handlers.run(changed);
    } finally {
      this.running = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.schedule(0);
      }
    }
  }

  /** Stops watching; waits for a run in progress to end. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.watcher.close();
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }
}
