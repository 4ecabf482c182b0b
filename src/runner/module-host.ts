import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Transcript } from "../checks/transcript.ts";
import { LearnerError } from "../errors.ts";
import type { ModuleCommand } from "./build.ts";
import type { Cage } from "./cage.ts";
import { baseEnv } from "./environment.ts";
import { describeExit, type ExitInfo, statusOf } from "./learner-process.ts";
import { OutputCapture } from "./output-capture.ts";
import { killLearnerNow, reapLearner, spawnLearner } from "./spawn-learner.ts";

/** The script the module's process runs (plain JavaScript, in the runner's installation). */
const HOST_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "child", "module-host.mjs");
/** Messages a module's process may send before it counts as flooding the channel. */
const MAX_MESSAGES = 20_000;
/** Console lines kept for `printedSince` (older ones are dropped). */
const KEEP_PRINTED = 2_000;

/** An error the learner's module threw (or a promise of it rejected with), as it came over. */
export class RemoteError extends Error {
  constructor(
    name: string,
    message: string,
    readonly remoteStack: string,
  ) {
    super(message);
    this.name = name;
  }
}

/**
 * A function or object that lives in the module's process. Calls go over the
 * channel and resolve with what came back: plain data as is, functions and
 * instances as further remotes. A call rejects with `RemoteError` when the
 * learner's code threw, and with a `LearnerError` (MODULE_FAILED) when the
 * module did not answer in time or its process ended.
 */
export class Remote {
  constructor(
    private readonly host: ModuleHost,
    readonly id: number,
    /** `function` or `object` (an instance, a Map …). */
    readonly kind: "function" | "object",
    /** The function's name, or the instance's class name. */
    readonly name: string,
    /** Its properties and methods, own and inherited (at most 60). */
    readonly keys: readonly string[],
  ) {}

  /** Calls the remote function with `args`. */
  invoke(...args: unknown[]): Promise<unknown> {
    return this.host.request({ t: "call", target: this.id, args }, this.label());
  }

  /** `new` on the remote function (a class). */
  construct(...args: unknown[]): Promise<unknown> {
    return this.host.request(
      { t: "call", target: this.id, args, construct: true },
      `new ${this.label()}`,
    );
  }

  /** Calls `method` on the remote object. */
  call(method: string, ...args: unknown[]): Promise<unknown> {
    return this.host.request({ t: "call", target: this.id, name: method, args }, `${method}()`);
  }

  /**
   * Calls the remote function and answers as soon as it has returned: a promise it
   * returns is not waited for (its outcome is dropped), so it may stay pending.
   */
  start(...args: unknown[]): Promise<void> {
    return this.host
      .request({ t: "call", target: this.id, args, detach: true }, this.label())
      .then(() => undefined);
  }

  /** Calls the remote function, then lets the module's process run its pending callbacks once (setImmediate). */
  invokeAndSettle(...args: unknown[]): Promise<unknown> {
    return this.host.request({ t: "call", target: this.id, args, settle: true }, this.label());
  }

  /** Reads property `name` of the remote object. */
  get(name: string): Promise<unknown> {
    return this.host.request({ t: "get", target: this.id, name }, `.${name}`);
  }

  private label(): string {
    return `${this.name || "the function"}()`;
  }

  /** How it shows in a message. */
  toString(): string {
    return this.kind === "function"
      ? `[function ${this.name || "(anonymous)"}]`
      : `[${this.name || "object"}]`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** A value made in the module's process by the lesson's kit (`kit(name, config)`). */
class KitValue {
  constructor(
    readonly name: string,
    readonly config: unknown,
  ) {}
}

/** A function made in the module's process that throws `new name(message)` when called. */
class Thrower {
  constructor(
    readonly name: "Error" | "TypeError",
    readonly message: string,
  ) {}
}

/** Asks the lesson's kit for a value made inside the module's process (a WebSocket class …). */
export function kit(name: string, config?: unknown): unknown {
  return new KitValue(name, config);
}

/** A function, made inside the module's process, that throws (a broken subscriber). */
export function thrower(message: string, name: "Error" | "TypeError" = "Error"): unknown {
  return new Thrower(name, message);
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** How to start one module host. */
export interface ModuleHostOptions {
  command: ModuleCommand;
  /** The workspace file, as messages name it. */
  file: string;
  /** Transcript label of the module's output and console. */
  name: string;
  transcript: Transcript;
  /** A bundled kit to import before the module (file URL). */
  kitUrl?: string;
  /** How long the module may take to load (ms). */
  loadTimeout?: number;
  /** How long a call may take (ms). */
  callTimeout?: number;
}

/** Module hosts started and not yet stopped (one that exited may have left strays in its cage). */
const live = new Set<ModuleHost>();

/** Kills every module host still alive, at once (on the runner's own exit). */
export function killModuleHostsNow(): void {
  for (const host of live) host.killNow();
  live.clear();
}

/** Stops every module host still alive and waits until each is reaped (the teardown after a signal). */
export async function stopModuleHosts(): Promise<void> {
  await Promise.all([...live].map((host) => host.stop()));
}

/**
 * One module of the learner's, loaded in a process of its own (the same cage,
 * sandbox and allow-listed environment as the learner's server) and driven over
 * its IPC channel. Its console lines and its stdout and stderr go to the
 * transcript under `name`; what it sends is checked by the runner, never trusted.
 */
export class ModuleHost {
  /** The module's exports, as they came over (functions and instances as `Remote`). */
  exports: Record<string, unknown> = {};
  private readonly output: OutputCapture;
  private readonly printed: { seq: number; text: string }[] = [];
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly callbacks = new Map<number, (...args: unknown[]) => unknown>();
  private readonly callbackIds = new Map<(...args: unknown[]) => unknown, number>();
  private readonly listeners = new Map<string, ((data: unknown) => void)[]>();
  private readonly remotes = new Map<number, Remote>();
  private nextId = 1;
  private messages = 0;
  private child?: ChildProcess;
  private cage?: Cage;
  private marker = "";
  private sandboxed = false;
  private exitInfo?: ExitInfo;
  private exitPromise: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  private stopping = false;
  /** Why the module can no longer answer (set once). */
  private broken?: LearnerError;

  private constructor(private readonly opts: ModuleHostOptions) {
    this.output = new OutputCapture(opts.name, opts.transcript);
  }

  /** Starts the process and waits until the module has loaded. */
  static async start(opts: ModuleHostOptions): Promise<ModuleHost> {
    const host = new ModuleHost(opts);
    try {
      await host.launch();
    } catch (error) {
      await host.stop();
      throw error;
    }
    return host;
  }

  /** True until the process has ended. */
  get alive(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** Resolves when the process has ended without the runner stopping it. */
  async crashed(): Promise<LearnerError> {
    await this.exitPromise;
    return this.broken ?? this.exitError("");
  }

  /** True while the runner itself is stopping the process. */
  get expectingExit(): boolean {
    return this.stopping;
  }

  /** Listens for `report(event, data)` calls of the lesson's kit. */
  on(event: string, listener: (data: unknown) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  /** A mark in the module's console output, for `printedSince`. */
  get mark(): number {
    return this.seq;
  }

  /** The console lines the module printed after `mark`. */
  printedSince(mark: number): string[] {
    return this.printed.filter((p) => p.seq > mark).map((p) => p.text);
  }

  /** The last lines the process wrote to stdout or stderr outside console. */
  outputTail(n = 10): string[] {
    return this.output.tail(n);
  }

  private async launch(): Promise<void> {
    const { command, kitUrl } = this.opts;
    const started = spawnLearner({
      nodeArgs: [...command.nodeArgs, HOST_SCRIPT, command.url, ...(kitUrl ? [kitUrl] : [])],
      cwd: command.cwd,
      env: baseEnv(),
      ipc: true,
    });
    const child = started.child;
    this.child = child;
    this.cage = started.cage;
    this.marker = started.marker;
    this.sandboxed = started.sandboxed;
    live.add(this);
    this.output.attach(child.stdout!, child.stderr!);
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = {
          ...statusOf(code, signal, this.sandboxed),
          memoryLimit: this.cage?.hitMemoryLimit(),
        };
        this.breakWith(this.exitError("while the check was waiting for it"));
        resolve(this.exitInfo);
      });
      child.once("error", () => {
        this.exitInfo = { code: null, signal: null };
        this.breakWith(this.exitError(""));
        resolve(this.exitInfo);
      });
    });
    const timeout = this.opts.loadTimeout ?? 3000;
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          this.fail(
            `${this.opts.file} did not finish loading within ${timeout} ms.`,
            "Something at the top level of the module (or of a file it imports) waits forever or loops: a module that is imported should only define things.",
          ),
        );
      }, timeout);
      this.onReady = (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      void this.exitPromise.then(() => {
        clearTimeout(timer);
        reject(this.broken ?? this.exitError("while it was loading"));
      });
    });
    child.on("message", (message: unknown) => this.receive(message));
    await loaded;
  }

  private onReady?: (error?: Error) => void;

  /** Everything the module's process sends, checked for shape before use. */
  private receive(message: unknown): void {
    if (++this.messages > MAX_MESSAGES) {
      if (this.messages === MAX_MESSAGES + 1) {
        this.breakWith(
          this.fail(
            `${this.opts.file} sent more than ${MAX_MESSAGES} messages (console lines, callbacks): it floods the check.`,
            "Look for a loop that logs or calls a listener without end.",
          ),
        );
        this.killNow();
      }
      return;
    }
    if (!isRecord(message) || typeof message.t !== "string") return;
    switch (message.t) {
      case "ready":
        this.exports = asRecord(this.decode(message.exports));
        this.onReady?.();
        this.onReady = undefined;
        return;
      case "load-failed":
      case "kit-failed": {
        const e = asError(message.error);
        const which = message.t === "kit-failed" ? "The lesson's kit" : `Loading ${this.opts.file}`;
        this.onReady?.(
          new LearnerError("MODULE_FAILED", `${which} threw: ${e.name}: ${e.message}`, {
            hint: "A module that is imported should only define things; read the first lines of the stack below.",
            details: e.stack.split("\n").slice(0, 4),
          }),
        );
        this.onReady = undefined;
        return;
      }
      case "result":
      case "threw": {
        const id = Number(message.id);
        const call = this.pending.get(id);
        if (!call) return;
        this.pending.delete(id);
        clearTimeout(call.timer);
        if (message.t === "result") call.resolve(this.decode(message.value));
        else {
          const e = asError(message.error);
          call.reject(new RemoteError(e.name, e.message, e.stack));
        }
        return;
      }
      case "callback": {
        const fn = this.callbacks.get(Number(message.fn));
        const args = Array.isArray(message.args) ? message.args.map((a) => this.decode(a)) : [];
        try {
          fn?.(...args);
        } catch {
          // a checker's listener must not stop the channel
        }
        return;
      }
      case "console": {
        const text = String(message.text ?? "").slice(0, 2000);
        this.printed.push({ seq: ++this.seq, text });
        if (this.printed.length > KEEP_PRINTED) this.printed.shift();
        if (this.seq <= 200) this.opts.transcript.add(this.opts.name, "info", `printed: ${text}`);
        return;
      }
      case "report": {
        const data = this.decode(message.data);
        for (const listener of this.listeners.get(String(message.event)) ?? []) {
          try {
            listener(data);
          } catch {
            // as for callbacks
          }
        }
        return;
      }
    }
  }

  /** Sends one call and waits for its answer, within the call time limit. */
  request(message: Record<string, unknown>, what: string): Promise<unknown> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    const timeout = this.opts.callTimeout ?? 2000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const error = this.fail(
          `${what} in ${this.opts.file} did not return within ${timeout} ms.`,
          "It may loop forever or wait on a promise that never settles. The check stops the module's process.",
        );
        this.breakWith(error);
        reject(error);
        this.killNow();
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      try {
        const args = Array.isArray(message.args)
          ? message.args.map((a) => this.encode(a))
          : undefined;
        this.child!.send({ ...message, id, ...(args ? { args } : {}) });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(this.broken ?? this.exitError(`(${(error as Error).message})`));
      }
    });
  }

  /** The checker's values, as the module's process decodes them. */
  private encode(value: unknown, depth = 0): unknown {
    if (value === undefined) return { $u: 1 };
    if (typeof value === "number" && !Number.isFinite(value)) return { $num: String(value) };
    if (value === null || typeof value !== "object") {
      if (typeof value === "function")
        return { $fn: this.callbackId(value as (...a: unknown[]) => unknown) };
      return value;
    }
    if (value instanceof Remote) return { $ref: value.id };
    if (value instanceof KitValue)
      return { $kit: value.name, config: this.encode(value.config, depth + 1) };
    if (value instanceof Thrower) return { $throws: { name: value.name, message: value.message } };
    if (depth > 20) throw new Error("a value passed to a learner module nests too deeply");
    if (Array.isArray(value)) return { $a: value.map((v) => this.encode(v, depth + 1)) };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.encode(v, depth + 1);
    return { $o: out };
  }

  private callbackId(fn: (...args: unknown[]) => unknown): number {
    let id = this.callbackIds.get(fn);
    if (id === undefined) {
      id = this.nextId++;
      this.callbackIds.set(fn, id);
      this.callbacks.set(id, fn);
    }
    return id;
  }

  /** What the module's process sent, as checker values (never throws: it is untrusted data). */
  private decode(value: unknown, depth = 0): unknown {
    if (depth > 40) return undefined;
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => this.decode(v, depth + 1));
    const v = value as Record<string, unknown>;
    if ("$u" in v) return undefined;
    if ("$num" in v) return Number(v.$num);
    if ("$big" in v) return `${String(v.$big)}n`;
    if ("$sym" in v) return String(v.$sym);
    if ("$cut" in v) return "[circular or too deep]";
    if ("$date" in v) return new Date(Number(v.$date));
    if ("$err" in v) {
      const e = asError(v.$err);
      return new RemoteError(e.name, e.message, e.stack);
    }
    if ("$a" in v) return Array.isArray(v.$a) ? v.$a.map((x) => this.decode(x, depth + 1)) : [];
    if ("$o" in v) {
      const out: Record<string, unknown> = {};
      if (isRecord(v.$o))
        for (const [k, x] of Object.entries(v.$o)) out[k] = this.decode(x, depth + 1);
      return out;
    }
    if ("$ref" in v) {
      const id = Number(v.$ref);
      const known = this.remotes.get(id);
      if (known) return known;
      const keys = Array.isArray(v.keys) ? v.keys.slice(0, 60).map(String) : [];
      const remote = new Remote(
        this,
        id,
        v.kind === "function" ? "function" : "object",
        String(v.name ?? "").slice(0, 100),
        keys,
      );
      this.remotes.set(id, remote);
      return remote;
    }
    return {};
  }

  private fail(message: string, hint: string): LearnerError {
    const tail = this.output.tail(10);
    return new LearnerError("MODULE_FAILED", message, {
      hint,
      details: tail.length ? [`Last lines of ${this.opts.name}'s output:`, ...tail] : [],
    });
  }

  private exitError(when: string): LearnerError {
    const how = this.exitInfo ? describeExit(this.exitInfo) : "ended";
    return this.fail(
      `The process running ${this.opts.file} ${how}${when ? ` ${when}` : ""}.`,
      "Code that a check imports must not end its process (process.exit, an uncaught error in a timer or listener): read its last lines below.",
    );
  }

  /** From now on every call fails with `error`; pending calls fail at once. */
  private breakWith(error: LearnerError): void {
    if (this.stopping)
      error = new LearnerError("MODULE_FAILED", "The check stopped the module's process.");
    this.broken ??= error;
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(this.broken);
      this.pending.delete(id);
    }
  }

  /** SIGKILL to the process group and the cage, at once. */
  killNow(): void {
    killLearnerNow(this.alive ? this.child?.pid : undefined, this.cage);
  }

  /** Ends the process and everything it started. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.breakWith(new LearnerError("MODULE_FAILED", "The check stopped the module's process."));
    if (this.child && this.alive) this.killNow();
    await this.exitPromise;
    await reapLearner(this.child?.pid, this.cage, this.marker);
    this.cage = undefined;
    await this.output.flush();
    live.delete(this);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asRecord(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function asError(v: unknown): { name: string; message: string; stack: string } {
  const r = asRecord(v);
  return {
    name: String(r.name ?? "Error").slice(0, 200),
    message: String(r.message ?? "").slice(0, 2000),
    stack: String(r.stack ?? "").slice(0, 4000),
  };
}
