// Loaded with `--import` into a learner process run by tsx whose workspace has no
// node_modules of its own: registers the hook below (see build.ts).
import { register } from "node:module";

register("./resolve-fallback-hooks.mjs", import.meta.url);
