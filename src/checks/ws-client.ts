import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { CheckFailure } from "../errors.ts";
import { show } from "./assert.ts";
import { devBase, wscatFor } from "./curl.ts";
import { excerpt, type Logger } from "./transcript.ts";
import type { WaitOptions, WsClient, WsClose } from "./types.ts";

const DEFAULT_WAIT_MS = 2000;

/** Options for `openWs`. */
export interface OpenWsOptions {
  name: string;
  logger: Logger;
  /** Value of the Cookie header. */
  cookie?: string;
  origin?: string;
  headers?: Record<string, string>;
  /** Answer the server's pings (default true). */
  autoPong?: boolean;
  /** How long the opening handshake may take (ms, default 3000). */
  timeout?: number;
  /** The dev port the replay line names (3000 for the first instance, 3001 for server B …). */
  devPort?: number;
}

/** A WsClient that also shows the upgrade answer. */
export interface WsConnection extends WsClient {
  /** Status of the handshake answer (101). */
  readonly status: number;
  /** Headers of the handshake answer. */
  readonly headers: Headers;
}

/** The server answered the upgrade request with something other than 101. */
export class WsHandshakeRefused extends CheckFailure {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message, {
      expected: "101 Switching Protocols",
      received: `${status}, body ${excerpt(body, 200) || "(empty)"}`,
    });
  }
}

/** Opens a WebSocket and resolves once it is open; a refused handshake is a CheckFailure. */
export async function openWs(url: string, opts: OpenWsOptions): Promise<WsConnection> {
  const client = new WsRecorder(url, opts);
  await client.open(opts.timeout ?? 3000);
  return client;
}

type Settle<T> = { ok(value: T): void; fail(error: unknown): void };

/** One recorded socket; `next` consumes messages in order through a cursor. */
class WsRecorder implements WsConnection {
  readonly name: string;
  readonly messages: unknown[] = [];
  pingsReceived = 0;
  status = 0;
  headers = new Headers();
  private readonly ws: WebSocket;
  private readonly logger: Logger;
  private readonly target: URL;
  private autoPong: boolean;
  private closeInfo?: WsClose;
  private cursor = 0;
  private readonly watchers = new Set<() => void>();
  /** A command that opens the same socket against the learner's dev server. */
  private readonly replay: string;

  constructor(url: string, opts: OpenWsOptions) {
    this.name = opts.name;
    this.logger = opts.logger;
    this.target = new URL(url);
    this.autoPong = opts.autoPong ?? true;
    const headers = { ...opts.headers, ...(opts.cookie ? { Cookie: opts.cookie } : {}) };
    this.replay = wscatFor(`${this.target.pathname}${this.target.search}`, {
      headers,
      origin: opts.origin,
      base: devBase(opts.devPort),
    });
    // Pongs are sent by hand so that they can be switched off mid-connection.
    this.ws = new WebSocket(url, { headers, origin: opts.origin, autoPong: false });
    this.ws.on("error", () => {}); // failures are reported through open() and close events
    this.ws.on("upgrade", (res) => {
      this.status = res.statusCode ?? 0;
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        this.headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
      }
    });
    this.ws.on("message", (data, isBinary) => this.record(data as Buffer, isBinary));
    this.ws.on("ping", (data) => {
      this.pingsReceived++;
      this.logger.recv("ping", { message: "frame" });
      if (this.autoPong && this.ws.readyState === WebSocket.OPEN) {
        this.ws.pong(data);
        this.logger.send("pong", { message: "frame" });
      }
    });
    this.ws.on("close", (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      if (this.status === 101) this.logger.info(`socket closed: ${describeClose(this.closeInfo)}`);
      this.notify();
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  open(timeout: number): Promise<void> {
    const where = `GET ${this.target.pathname}${this.target.search}`;
    this.logger.send(`${where} (WebSocket upgrade)`, { message: "request", replay: this.replay });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        reject(
          new CheckFailure(
            `[${this.name}] ${where}: no answer to the WebSocket handshake within ${timeout} ms.`,
          ),
        );
      }, timeout);
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.ws.off("open", onOpen).off("error", onError).off("unexpected-response", onRefused);
        if (error) reject(error);
        else resolve();
      };
      const onOpen = () => {
        this.logger.recv(`${this.status} Switching Protocols: connected`, { message: "open" });
        done();
      };
      const onError = (err: NodeJS.ErrnoException) => {
        const reason =
          err.code === "ECONNREFUSED"
            ? `nothing listened on ${this.target.host} (connection refused)`
            : `the WebSocket handshake failed: ${err.message}`;
        done(new CheckFailure(`[${this.name}] ${where}: ${reason}.`));
      };
      const onRefused = (_req: unknown, res: IncomingMessage) => {
        readBody(res, 4096, 500).then((body) => {
          const status = res.statusCode ?? 0;
          this.logger.recv(`HTTP ${status} ${excerpt(body, 200)}`, { message: "response" });
          this.ws.terminate();
          const message = `[${this.name}] ${where}: the server answered ${status} instead of 101 Switching Protocols.`;
          done(new WsHandshakeRefused(message, status, body));
        });
      };
      this.ws.on("open", onOpen).on("error", onError).on("unexpected-response", onRefused);
    });
  }

  next<T = unknown>(predicate?: (m: unknown) => boolean, opts: WaitOptions = {}): Promise<T> {
    const ms = opts.timeout ?? DEFAULT_WAIT_MS;
    const what = opts.what ?? (predicate ? "a matching message" : "a message");
    const from = this.messages.length;
    return this.watch<T>(
      ms,
      (s) => {
        while (this.cursor < this.messages.length) {
          const m = this.messages[this.cursor++];
          if (!predicate || predicate(m)) return s.ok(m as T);
        }
        if (this.closeInfo) {
          const message = `[${this.name}] the socket closed (${describeClose(this.closeInfo)}) before ${what} came.`;
          s.fail(new CheckFailure(message, { received: this.recentMessages() }));
        }
      },
      (s) => {
        const came = this.messages.length - from;
        const tail = came === 0 ? "none came" : `none of the ${came} messages that came matched`;
        const message = `[${this.name}] waited ${ms} ms for ${what}; ${tail}.`;
        s.fail(new CheckFailure(message, { received: this.recentMessages() }));
      },
    );
  }

  expectNone(
    predicate: (m: unknown) => boolean,
    ms: number,
    what = "matching message",
  ): Promise<void> {
    // Unconsumed messages count too: one that beat this call still arrived in the window.
    let index = this.cursor;
    return this.watch<void>(
      ms,
      (s) => {
        for (; index < this.messages.length; index++) {
          if (predicate(this.messages[index])) {
            const message = `[${this.name}] expected no ${what} within ${ms} ms, but one came.`;
            return s.fail(new CheckFailure(message, { received: show(this.messages[index]) }));
          }
        }
        if (this.closeInfo) s.ok();
      },
      (s) => s.ok(),
    );
  }

  send(data: unknown): void {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    this.ensureOpen("send a message");
    this.logger.send(excerpt(text, 200), { message: "frame" });
    this.ws.send(text);
  }

  sendBinary(data: Uint8Array): void {
    this.ensureOpen("send a binary message");
    this.logger.send(`binary message (${data.byteLength} bytes)`, { message: "frame" });
    this.ws.send(data, { binary: true });
  }

  setAutoPong(on: boolean): void {
    this.autoPong = on;
    this.logger.info(on ? "answering pings again" : "no longer answering pings");
  }

  closed(opts: WaitOptions = {}): Promise<WsClose> {
    const ms = opts.timeout ?? DEFAULT_WAIT_MS;
    const what = opts.what ?? "the socket to close";
    return this.watch<WsClose>(
      ms,
      (s) => {
        if (this.closeInfo) s.ok(this.closeInfo);
      },
      (s) =>
        s.fail(new CheckFailure(`[${this.name}] waited ${ms} ms for ${what}; it stayed open.`)),
    );
  }

  close(code?: number, reason?: string): void {
    if (this.closeInfo || this.ws.readyState >= WebSocket.CLOSING) return;
    this.logger.send(`close ${code ?? ""} ${reason ?? ""}`.trim(), { message: "close" });
    this.ws.close(code, reason);
  }

  terminate(): void {
    if (this.closeInfo) return;
    this.logger.info("dropping the connection without a close frame");
    this.ws.terminate();
  }

  private record(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.messages.push({ binary: data.length });
      this.logger.recv(`binary message (${data.length} bytes)`, { message: "frame" });
    } else {
      const text = data.toString("utf8");
      this.messages.push(parseJson(text));
      this.logger.recv(excerpt(text, 200), { message: "frame" });
    }
    this.notify();
  }

  private ensureOpen(action: string): void {
    if (this.ws.readyState === WebSocket.OPEN) return;
    const state = this.closeInfo ? `closed (${describeClose(this.closeInfo)})` : "closing";
    throw new CheckFailure(`[${this.name}] cannot ${action}: the socket is ${state}.`);
  }

  private recentMessages(): string {
    if (this.messages.length === 0) return "no message at all on this socket";
    return this.messages
      .slice(-5)
      .map((m) => show(m, 200))
      .join("\n");
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  /** Runs `step` now and on every change until it settles; `onTimer` decides at `ms`. */
  private watch<T>(ms: number, step: (s: Settle<T>) => void, onTimer: (s: Settle<T>) => void) {
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.watchers.delete(run);
      };
      const s: Settle<T> = {
        ok: (v) => {
          finish();
          resolve(v);
        },
        fail: (e) => {
          finish();
          reject(e);
        },
      };
      const run = () => {
        try {
          step(s);
        } catch (error) {
          s.fail(error);
        }
      };
      const timer = setTimeout(() => onTimer(s), ms);
      this.watchers.add(run);
      run();
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeClose(c: WsClose): string {
  return c.reason ? `code ${c.code} "${c.reason}"` : `code ${c.code}, no reason`;
}

/** Reads at most `max` bytes of a refused handshake's body, giving up after `ms`. */
function readBody(res: IncomingMessage, max: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      res.removeAllListeners("data");
      resolve(Buffer.concat(chunks).toString("utf8").slice(0, max));
    };
    const timer = setTimeout(done, ms);
    res.on("data", (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= max) done();
    });
    res.on("end", done).on("error", done).on("close", done);
  });
}
