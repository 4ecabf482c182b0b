#!/usr/bin/env node
// Entry point: loads TypeScript support, then hands over to the CLI.
let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch {
  process.stderr.write(
    "✗ realtime-labs' dependencies are not installed.\nWhat to do: run `npm install` in the repository, then try again.\n",
  );
  process.exit(2);
}
register();
const { run } = await import("../src/cli/bin.ts");
await run();
