import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { Transcript } from "../checks/transcript.ts";

const MAX_LINE = 500;

/**
 * Captures a learner process's stdout and stderr line by line into the
 * transcript, under the process's label, up to a cap. Past the cap the pipes
 * are still drained (so a flooding server never blocks on a full pipe) but
 * lines are only counted; the last few are kept for error messages.
 */
export class OutputCapture {
  private shown = 0;
  private dropped = 0;
  private readonly recent: string[] = [];
  private readonly partial = new Map<Readable, string>();

  constructor(
    private readonly label: string,
    private readonly transcript: Transcript,
    private readonly maxShown = 200,
    private readonly keep = 40,
  ) {}

  /** Starts reading both pipes. */
  attach(stdout: Readable, stderr: Readable): void {
    for (const stream of [stdout, stderr]) {
      const decoder = new StringDecoder("utf8");
      this.partial.set(stream, "");
      stream.on("data", (chunk: Buffer) => this.take(stream, decoder.write(chunk)));
      stream.on("end", () => this.endOf(stream));
    }
  }

  private take(stream: Readable, text: string): void {
    const buffered = (this.partial.get(stream) ?? "") + text;
    const lines = buffered.split(/\r?\n/);
    let rest = lines.pop() ?? "";
    if (rest.length > MAX_LINE * 4) {
      lines.push(rest);
      rest = "";
    }
    this.partial.set(stream, rest);
    for (const line of lines) this.line(line);
  }

  private endOf(stream: Readable): void {
    const rest = this.partial.get(stream);
    if (rest) this.line(rest);
    this.partial.set(stream, "");
  }

  private line(raw: string): void {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes from learner output
    const line = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
    const cut =
      line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length} chars)` : line;
    this.recent.push(cut);
    if (this.recent.length > this.keep) this.recent.shift();
    if (this.shown < this.maxShown) {
      this.shown++;
      this.transcript.add(this.label, "server", cut);
      if (this.shown === this.maxShown) {
        this.transcript.add(
          this.label,
          "info",
          `(output capped at ${this.maxShown} lines; the rest is counted, not shown)`,
        );
      }
    } else {
      this.dropped++;
    }
  }

  /** The last `n` lines printed. */
  tail(n = 20): string[] {
    return this.recent.slice(-n);
  }

  /** Lines not shown because of the cap. */
  get droppedLines(): number {
    return this.dropped;
  }

  /** Emits any unterminated last line. */
  async flush(): Promise<void> {
    for (const [stream, rest] of this.partial) {
      if (rest) this.line(rest);
      this.partial.set(stream, "");
    }
  }
}
