/** Colours and symbols for terminal output; everything is plain when colour is off. */
export interface Style {
  readonly color: boolean;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  /** A passed check (✓ / PASS). */
  readonly ok: string;
  /** A command that did what it was asked (✓ / Done:), never a verdict. */
  readonly done: string;
  readonly bad: string;
  readonly skip: string;
}

const wrap = (on: boolean, open: number, close: number) => (s: string) =>
  on ? `\x1b[${open}m${s}\x1b[${close}m` : s;

/** Colour on a TTY unless `NO_COLOR` is set (https://no-color.org) or `FORCE_COLOR=0`. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR === "0") return false;
  if (env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/** A style; `unicode` picks ✓/✗ over PASS/FAIL words. */
export function createStyle(color: boolean, unicode = color): Style {
  return {
    color,
    green: wrap(color, 32, 39),
    red: wrap(color, 31, 39),
    yellow: wrap(color, 33, 39),
    dim: wrap(color, 2, 22),
    bold: wrap(color, 1, 22),
    cyan: wrap(color, 36, 39),
    magenta: wrap(color, 35, 39),
    ok: unicode ? "✓" : "PASS",
    done: unicode ? "✓" : "Done:",
    bad: unicode ? "✗" : "FAIL",
    skip: unicode ? "·" : "SKIP",
  };
}
