import { createInterface } from "node:readline";

/** A key command in watch mode. */
export type KeyCommand = "hint" | "run" | "lesson" | "quit";

const KEYS: Record<string, KeyCommand> = { h: "hint", r: "run", l: "lesson", q: "quit" };

/**
 * Reads single keys on a TTY (raw mode), or whole lines elsewhere (type the
 * letter and press Enter). Returns a function that restores the terminal.
 */
export function listenKeys(
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown },
  onKey: (k: KeyCommand) => void,
): () => void {
  if (stdin.isTTY && stdin.setRawMode) {
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (buf: Buffer) => {
      const s = buf.toString();
      if (s === "\u0003" || s === "\u0004") return onKey("quit");
      const k = KEYS[s.toLowerCase()];
      if (k) onKey(k);
    };
    stdin.on("data", onData);
    return () => {
      stdin.off("data", onData);
      stdin.setRawMode?.(false);
      stdin.pause();
    };
  }
  const rl = createInterface({ input: stdin });
  rl.on("line", (line) => {
    const k = KEYS[line.trim().toLowerCase()];
    if (k) onKey(k);
  });
  rl.on("close", () => onKey("quit"));
  return () => rl.close();
}
