import { relative } from "node:path";
import { loadCourse } from "../../course/manifest.ts";
import { LearnerError } from "../../errors.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { styleOf } from "../shared.ts";

/** `labs dev edit|save|check`: change the course through its history, and check it. */
export async function devCommand(p: Parsed, io: CliIO): Promise<number> {
  const sub = p.positionals[0];
  if (sub === "edit") return devEdit(p, io);
  if (sub === "save") return devSave(p, io);
  if (sub !== "check") {
    throw new LearnerError("USAGE", `Unknown dev command "${sub ?? ""}".`, {
      hint: "Use `npm run labs -- dev edit`, `dev save` or `dev check` (`npm run labs -- dev --help`).",
    });
  }
  const { selfCheck } = await import("../../course/self-check.ts");
  const report = await selfCheck({
    repeat: Number(p.flags.repeat ?? 1),
    lessons: p.flags.lessons,
    forward: p.flags.forward,
    out: io.stdout,
    env: io.env,
    color: Boolean(io.stdout.isTTY),
  });
  return report.ok ? EXIT.ok : EXIT.failed;
}

async function devEdit(p: Parsed, io: CliIO): Promise<number> {
  const { startEdit } = await import("../../course/history/edit.ts");
  const s = styleOf(io);
  const t0 = performance.now();
  const r = await startEdit(loadCourse(), {
    dir: p.flags.dir,
    at: p.flags.at,
    fromTrees: p.flags["from-trees"],
    force: p.flags.force,
  });
  const dir = relative(process.cwd(), r.dir) || r.dir;
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  io.stdout.write(
    `${s.green(s.done)} The course history is in ${dir} (${secs} s): one commit per stage, tagged starter/<slug> and solution/<slug>; ${r.fixtures} fixtures as branches fixture/<slug>/<name>.\n`,
  );
  io.stdout.write(
    r.stops.length
      ? `A rebase is stopped at ${r.stops.join(" and ")}. Change the files, \`git commit -a --amend\`, then \`git rebase --continue\`: git replays every later lesson on top and stops at a conflict.\n`
      : `Change a stage with git: \`cd ${dir} && git rebase -i solution/<slug>~\` (mark it edit), or commit a fix and \`git commit --fixup\` it; \`dev edit --at <slug>\` starts that rebase for you.\n`,
  );
  io.stdout.write(`When done: ${s.bold("npm run labs -- dev save")}\n`);
  return EXIT.ok;
}

async function devSave(p: Parsed, io: CliIO): Promise<number> {
  const { defaultEditDir } = await import("../../course/history/edit.ts");
  const { saveHistory } = await import("../../course/history/save.ts");
  const { writeStepsSections } = await import("../../course/course-lint.ts");
  const s = styleOf(io);
  const course = loadCourse();
  const t0 = performance.now();
  const r = await saveHistory(course, p.flags.dir ?? defaultEditDir(course));
  const { writeNextSections } = await import("../../course/next-section.ts");
  const steps = [
    ...new Set([...(await writeStepsSections(course)), ...(await writeNextSections(course))]),
  ];
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const all = [...r.trees, ...r.patches, ...r.fixtures, ...steps];
  io.stdout.write(
    all.length || r.removed.length
      ? `${s.green(s.done)} Saved the history (${secs} s): ${r.trees.length} trees, ${r.patches.length} stage patches, ${r.fixtures.length} fixtures${r.removed.length ? `, ${r.removed.length} fixtures removed` : ""}${steps.length ? `, ${steps.length} lesson texts` : ""} written.\n${[...all, ...r.removed.map((f) => `${f} (removed)`)].map((f) => `  ${f}\n`).join("")}Next: npm run labs -- dev check\n`
      : `${s.green(s.done)} Nothing to save: the course already holds this history (${secs} s).\n`,
  );
  return EXIT.ok;
}
