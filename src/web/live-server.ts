import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LIVE_JS, PAGE_CSS, pageHtml, REPORT_JS, type Regions } from "./page.ts";

/** One event of the stream, kept so that a reconnecting page can be given what it missed. */
interface Sent {
  id: number;
  event: "update";
  data: string;
}

/** How many updates are kept for pages that reconnect. */
const KEEP = 200;

/**
 * The web view's server: the page, its assets, and `/events`, a Server-Sent
 * Events stream of the regions as they change. It listens on 127.0.0.1 only and
 * answers only requests addressed to 127.0.0.1 or localhost (a page elsewhere
 * cannot reach it through DNS rebinding).
 *
 * The stream follows the course's rules. Every update has an id; ids start at
 * the time the runner started, so they only grow, even across a restart. A page
 * that reconnects with `Last-Event-ID` (or `?lastEventId=`) gets the updates it
 * missed, or, when this runner never sent that id (it was restarted), a snapshot
 * of every region. A `retry:` line makes browsers reconnect after a second, and
 * a `heartbeat` event comes every `heartbeatMs`, so a page can tell a dead stream.
 */
export class LiveServer {
  private regions: Regions;
  private readonly sent: Sent[] = [];
  private readonly streams = new Set<ServerResponse>();
  private nextId = Date.now();
  private heartbeat?: NodeJS.Timeout;

  private constructor(
    private readonly server: Server,
    private readonly opts: {
      title: string;
      heading: string;
      restart?: string;
      heartbeatMs: number;
    },
    regions: Regions,
  ) {
    this.regions = regions;
  }

  /** Starts listening on `port` (0: any free one). A port in use is an error with code EADDRINUSE. */
  static async start(opts: {
    port?: number;
    title: string;
    heading: string;
    /** The command that starts the runner again (the page says it when the runner is gone). */
    restart?: string;
    regions: Regions;
    heartbeatMs?: number;
  }): Promise<LiveServer> {
    const server = createServer();
    const live = new LiveServer(
      server,
      {
        title: opts.title,
        heading: opts.heading,
        restart: opts.restart,
        heartbeatMs: opts.heartbeatMs ?? 15_000,
      },
      opts.regions,
    );
    server.on("request", (req, res) => live.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    live.heartbeat = setInterval(
      () => live.write("event: heartbeat\ndata: {}\n\n"),
      live.opts.heartbeatMs,
    );
    live.heartbeat.unref();
    return live;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** How many pages are following the stream now. */
  get followers(): number {
    return this.streams.size;
  }

  /**
   * Replaces some regions and tells every open page; `newRun` says a new check
   * began. `patches` replace single elements of a region (`step:<slug>`, one step
   * of the list) in the pages that have it; `quietly` are regions kept for pages
   * that connect later but not sent now (what the patches add up to).
   */
  update(
    regions: Partial<Regions>,
    opts: { newRun?: boolean; patches?: Record<string, string>; quietly?: Partial<Regions> } = {},
  ): void {
    this.regions = { ...this.regions, ...opts.quietly, ...regions };
    const data: { regions: Partial<Regions>; newRun: boolean; patches?: Record<string, string> } = {
      regions,
      newRun: opts.newRun ?? false,
    };
    if (opts.patches) data.patches = opts.patches;
    const sent: Sent = { id: this.nextId++, event: "update", data: JSON.stringify(data) };
    this.sent.push(sent);
    if (this.sent.length > KEEP) this.sent.shift();
    this.write(frame(sent));
  }

  /** Ends every stream and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const res of this.streams) res.end();
    this.streams.clear();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private write(text: string): void {
    for (const res of this.streams) res.write(text);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) {
      res
        .writeHead(421, { "Content-Type": "text/plain" })
        .end("This server answers on 127.0.0.1 only.\n");
      return;
    }
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    const security = {
      "Content-Security-Policy":
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    };
    switch (url.pathname) {
      case "/":
        res.writeHead(200, { ...security, "Content-Type": "text/html; charset=utf-8" });
        res.end(pageHtml({ ...this.opts, regions: this.regions, live: true }));
        return;
      case "/assets/page.css":
        res
          .writeHead(200, { ...security, "Content-Type": "text/css; charset=utf-8" })
          .end(PAGE_CSS);
        return;
      case "/assets/live.js":
        res
          .writeHead(200, { ...security, "Content-Type": "text/javascript; charset=utf-8" })
          .end(`${REPORT_JS}\n${LIVE_JS}`);
        return;
      case "/favicon.ico":
        res.writeHead(204, security).end();
        return;
      case "/events":
        this.follow(req, res, url);
        return;
      default:
        res.writeHead(404, { ...security, "Content-Type": "text/plain" }).end("Not found\n");
    }
  }

  private follow(req: IncomingMessage, res: ServerResponse, url: URL): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    const asked = req.headers["last-event-id"] ?? url.searchParams.get("lastEventId") ?? "";
    const last = /^\d+$/.test(String(asked)) ? Number(asked) : undefined;
    const at = last === undefined ? -1 : this.sent.findIndex((s) => s.id === last);
    const resume =
      last === undefined ? "none" : at >= 0 || last === this.nextId - 1 ? "replayed" : "snapshot";
    let text = `retry: 1000\n\nevent: hello\ndata: ${JSON.stringify({ heartbeatMs: this.opts.heartbeatMs, resume })}\n\n`;
    if (resume === "replayed") {
      for (const s of this.sent.slice(at + 1)) text += frame(s);
    } else {
      // the id of the newest update, so that the page resumes from here next time
      const id = this.nextId - 1;
      text += `id: ${id}\nevent: snapshot\ndata: ${JSON.stringify({ regions: this.regions })}\n\n`;
    }
    res.write(text);
    this.streams.add(res);
    const drop = () => this.streams.delete(res);
    req.on("close", drop);
    res.on("error", drop);
  }
}

function frame(s: Sent): string {
  return `id: ${s.id}\nevent: ${s.event}\ndata: ${s.data}\n\n`;
}
