import { parseArgs } from "node:util";
import { LearnerError } from "../errors.ts";

/** Flags every command accepts; each command reads the ones it needs. */
export const FLAG_SPEC = {
  help: { type: "boolean", short: "h" },
  workspace: { type: "string", short: "w" },
  solution: { type: "boolean" },
  starter: { type: "boolean" },
  reporter: { type: "string", short: "r" },
  output: { type: "string", short: "o" },
  verbose: { type: "boolean", short: "v" },
  force: { type: "boolean", short: "f" },
  yes: { type: "boolean", short: "y" },
  "no-watch": { type: "boolean" },
  diff: { type: "boolean" },
  repeat: { type: "string" },
  previous: { type: "boolean" },
  answers: { type: "string" },
  lessons: { type: "string" },
  jobs: { type: "string" },
  points: { type: "string" },
  "no-fail": { type: "boolean" },
  json: { type: "boolean" },
  title: { type: "string" },
  at: { type: "string" },
  dir: { type: "string" },
  "from-trees": { type: "boolean" },
  full: { type: "boolean" },
  forward: { type: "boolean" },
  all: { type: "boolean" },
  web: { type: "boolean" },
  "web-port": { type: "string" },
  poll: { type: "boolean" },
  ws: { type: "boolean" },
  sse: { type: "boolean" },
  connections: { type: "string" },
} as const;

/** Parsed command line. */
export interface Parsed {
  command?: string;
  positionals: string[];
  flags: {
    help?: boolean;
    workspace?: string;
    solution?: boolean;
    starter?: boolean;
    reporter?: string;
    output?: string;
    verbose?: boolean;
    force?: boolean;
    yes?: boolean;
    "no-watch"?: boolean;
    diff?: boolean;
    repeat?: string;
    previous?: boolean;
    answers?: string;
    lessons?: string;
    jobs?: string;
    points?: string;
    "no-fail"?: boolean;
    json?: boolean;
    title?: string;
    at?: string;
    dir?: string;
    "from-trees"?: boolean;
    full?: boolean;
    forward?: boolean;
    all?: boolean;
    web?: boolean;
    "web-port"?: string;
    poll?: boolean;
    ws?: boolean;
    sse?: boolean;
    connections?: string;
  };
}

/** Parses argv; unknown flags are a usage error with the command's help named. */
export function parse(argv: string[]): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: FLAG_SPEC,
      allowPositionals: true,
      strict: true,
    });
    const [command, ...rest] = positionals;
    return { command, positionals: rest, flags: values as Parsed["flags"] };
  } catch (error) {
    throw new LearnerError("USAGE", (error as Error).message.replace(/\. To specify.*$/, "."), {
      hint: "Run `npm run labs -- --help` for the commands and their options.",
    });
  }
}
