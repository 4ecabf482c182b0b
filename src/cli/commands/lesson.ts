import { readFile } from "node:fs/promises";
import { stepListOf } from "../../checks/harness.ts";
import type { LessonResult } from "../../checks/results.ts";
import { type LaidResult, layLesson } from "../../course/carry-over.ts";
import { renderLessonRefs } from "../../course/lesson-refs.ts";
import { type Course, isAvailable, type Lesson, loadChecker } from "../../course/manifest.ts";
import { progressFile, readProgress, writeProgress } from "../../course/progress.ts";
import { checkLesson, checkLessons } from "../../course/run-lessons.ts";
import { LearnerError } from "../../errors.ts";
import { adoptedMessage, adoptLegacyAnswers, answersRelPath } from "../../quiz/answers-file.ts";
import { askQuiz } from "../../quiz/ask.ts";
import { findQuiz, quizStepSlugs } from "../../quiz/lesson-quiz.ts";
import { renderMarkdown } from "../../report/markdown.ts";
import { PrettyReporter } from "../../report/pretty.ts";
import { combine } from "../../report/reporter.ts";
import type { Style } from "../../report/style.ts";
import { createBuilder } from "../../runner/build.ts";
import { quitOnSignal } from "../../runner/teardown.ts";
import { listenKeys } from "../../watch/keys.ts";
import { pollReason } from "../../watch/poll.ts";
import { WatchLoop } from "../../watch/watch-loop.ts";
import { WebView } from "../../web/web-view.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { recordCheck } from "../record.ts";
import { lessonArg, requireModules, styleOf, workspaceOf } from "../shared.ts";
import { writeNextHint } from "./hint.ts";

/** `labs lesson <n>`: shows the lesson, prepares the workspace, checks, then re-checks on every save. */
export async function lessonCommand(p: Parsed, io: CliIO): Promise<number> {
  requireModules();
  const { course, lesson } = lessonArg(p);
  // usage errors before anything in the workspace changes
  const webWanted = wantsWeb(p);
  const webPort = webPortOf(p);
  const ws = workspaceOf(p, io);
  const s = styleOf(io);
  const tty = Boolean(io.stdout.isTTY);
  const text = renderLessonRefs(await readFile(lesson.lessonFile, "utf8"), course, {
    file: lesson.lessonFile,
  });
  const showLesson = () =>
    io.stdout.write(renderMarkdown(text, s, Math.min(io.stdout.columns ?? 80, 100) - 2));

  showLesson();
  // Refuses a progress file from a newer runner before anything in the workspace changes.
  readProgress(ws);
  // Answers files of an older runner (answers/lesson-NN.json) take their new names
  // before the starter could lay blank ones beside them.
  for (const a of await adoptLegacyAnswers(ws, course.lessons)) {
    io.stdout.write(`\n${s.yellow("!")} ${adoptedMessage(a)}\n`);
  }
  const prepared = await layLesson(ws, course, lesson, readProgress(ws, course).laid);
  reportLaid(io, s, ws, lesson, prepared);
  const progress = readProgress(ws);
  progress.current = lesson.slug;
  progress.laid = prepared.laid;
  const damaged = await writeProgress(ws, progress);
  if (damaged)
    io.stdout.write(
      `${s.yellow("!")} ${progressFile(ws)} could not be read; kept it as ${damaged} and started a fresh one.\n`,
    );

  // A lesson's knowledge check is written to answers/<slug>.json, which the lesson's
  // checker grades like any other run. A lesson with no code of its own asks it here;
  // one with code asks it once the code passes.
  const quiz = findQuiz(lesson.dir, course);
  const interactive = tty && Boolean(io.stdin.isTTY);
  const quizSlugs = quizStepSlugs(quiz);
  const checker = await loadChecker(lesson, course);
  const quizOnly = checker.steps.every((step) => quizSlugs.has(step.slug));
  const ask = () =>
    askQuiz({
      quiz: quiz!,
      lesson,
      workspace: ws,
      input: io.stdin,
      output: io.stdout as NodeJS.WritableStream & { columns?: number },
      style: s,
    });
  if (quiz && quizOnly && interactive) await ask();
  else if (quiz) {
    const where = answersRelPath(lesson.slug);
    io.stdout.write(
      `\n${s.dim(
        quizOnly
          ? `This lesson is a knowledge check: answer it in ${where} (run in a terminal to be asked).`
          : interactive && !p.flags["no-watch"]
            ? `This lesson ends with ${quiz.questions.length} questions: they are asked here once your code passes (or answer them in ${where}).`
            : `This lesson ends with ${quiz.questions.length} questions: answer them in ${where}, or run \`npm run lesson ${lesson.number}\` in a terminal${interactive ? " without --no-watch" : ""} to be asked once your code passes.`,
      )}\n`,
    );
  }
  /** True when the run got through the lesson's code and stopped at its questions. */
  const atQuestions = (r: LessonResult) => {
    const failed = r.steps.find((step) => step.status === "fail");
    return r.status === "fail" && failed !== undefined && quizSlugs.has(failed.slug);
  };

  const web = webWanted
    ? await WebView.start({
        workspace: ws,
        course,
        lesson,
        markdown: text,
        steps: stepListOf(checker),
        port: webPort,
        heartbeatMs: heartbeatOf(io.env),
      })
    : undefined;
  const webLine = () =>
    web ? `${s.dim("Web view:")} ${s.bold(web.url)} ${s.dim("(this machine only)")}\n` : "";
  if (web) io.stdout.write(`\n${webLine()}`);

  const builder = createBuilder(ws, io.env.LABS_RUNTIME, { prewarm: !p.flags["no-watch"] });
  const runOnce = async (changed: string[]): Promise<LessonResult> => {
    if (tty && changed.length) io.stdout.write("\x1b[2J\x1b[H");
    if (changed.length) io.stdout.write(s.dim(`Changed: ${changed.slice(0, 5).join(", ")}\n`));
    const pretty = new PrettyReporter(io.stdout, s, { verbose: p.flags.verbose });
    const reporter = web ? combine([pretty, web.reporter(changed)]) : pretty;
    const result = await checkLesson(lesson, { workspace: ws, reporter, builder, env: io.env });
    await recordCheck(ws, lesson, result, course);
    web?.refreshProgress();
    if (result.status === "pass") await afterPass(course, lesson, ws, io, s);
    return result;
  };

  if (p.flags["no-watch"]) {
    const result = await runOnce([]);
    await builder.dispose();
    await web?.close();
    return result.status === "pass"
      ? EXIT.ok
      : result.status === "error"
        ? EXIT.usage
        : EXIT.failed;
  }

  const poll = pollReason(ws, { flag: p.flags.poll, env: io.env });
  const watching = poll ? `Watching your files (polling: ${poll}).` : "Watching your files.";
  const footer = () =>
    io.stdout.write(
      `\n${webLine()}${s.dim(tty ? `${watching} Keys: h hint · r run again · l lesson text · q quit` : `${watching} Type h, r, l or q and press Enter.`)}\n`,
    );
  let last: LessonResult | undefined;
  let resolveQuit: () => void = () => {};
  const quit = new Promise<void>((r) => {
    resolveQuit = r;
  });
  let stopKeys = () => {};
  const keys = () => listenKeys(io.stdin, (k) => loop.dispatch({ type: "key", key: k }));
  let asked = false;
  const loop = new WatchLoop(
    ws,
    {
      run: async (changed) => {
        last = await runOnce(changed);
        // Once the code passes, the questions are asked (once a session; the answers
        // file they write is saved like any file, so the check runs again by itself).
        if (quiz && !quizOnly && interactive && !asked && atQuestions(last)) {
          asked = true;
          io.stdout.write(`\n${s.green(s.ok)} Your code passes. Now the questions.\n`);
          stopKeys();
          await ask();
          stopKeys = keys();
        }
        footer();
      },
      key: (k) => {
        if (k === "quit") resolveQuit();
        else if (k === "lesson") {
          showLesson();
          footer();
        } else if (k === "hint") {
          void (async () => {
            io.stdout.write("\n");
            const shown = await writeNextHint(io, s, { lesson, workspace: ws, result: last });
            if (!shown) io.stdout.write(`${s.dim("Nothing has failed; no hint needed.")}\n`);
          })();
        }
      },
    },
    { poll: poll !== undefined },
  );
  stopKeys = keys();
  // Ctrl+C (or SIGTERM) quits as q does; the runner still ends it if that takes too long.
  const release = quitOnSignal(() => resolveQuit());
  await loop.ready();
  loop.dispatch({ type: "key", key: "run" });
  await quit;
  stopKeys();
  release();
  await loop.close();
  await builder.dispose();
  await web?.close();
  io.stdout.write("Bye. Your work is in your workspace; run the same command to go on.\n");
  return EXIT.ok;
}

/** After a pass: re-check the earlier lessons (regression) and point to the next one. */
async function afterPass(
  course: Course,
  lesson: Lesson,
  ws: string,
  io: CliIO,
  s: Style,
): Promise<void> {
  const earlier = course.lessons.filter(
    (l) => l.number < lesson.number && isAvailable(l) && l.number > 1,
  );
  if (earlier.length) {
    io.stdout.write(
      `\n${s.dim(`Checking lessons ${earlier[0].number}–${earlier.at(-1)!.number} again, so nothing earlier broke…`)}\n`,
    );
    const summary = await checkLessons(earlier, {
      workspace: ws,
      env: io.env,
      reporter: {
        onLessonEnd: (r) => {
          if (r.status !== "pass") new PrettyReporter(io.stdout, s).onLessonEnd(r);
        },
      },
    });
    const broken = summary.lessons.filter((l) => l.status !== "pass");
    if (broken.length) {
      io.stdout.write(
        `${s.yellow("!")} Lesson ${lesson.number} passes, but ${broken.map((b) => `lesson ${b.number}`).join(", ")} no longer ${broken.length > 1 ? "do" : "does"}: run \`npm run labs -- check ${broken[0].number}\` to see why.\n`,
      );
      return;
    }
    io.stdout.write(
      `${s.green(s.ok)} Lessons ${earlier[0].number}–${earlier.at(-1)!.number} still pass.\n`,
    );
  }
  const next = course.lessons.find((l) => l.number === lesson.number + 1);
  io.stdout.write(
    next
      ? `\n${s.green("Well done!")} Next: ${s.bold(`npm run lesson ${next.number}`)} (${next.title}). The solution: npm run labs -- solution ${lesson.number}\n`
      : `\n${s.green("You have finished the course!")}\n`,
  );
}

/** Tells the learner what preparing the workspace did, conflicts first. */
function reportLaid(io: CliIO, s: Style, ws: string, lesson: Lesson, r: LaidResult): void {
  if (r.seeded) {
    io.stdout.write(
      `\n${s.green(s.done)} Your workspace is ${ws} (seeded from lesson ${lesson.number}'s starter).\n`,
    );
    return;
  }
  const said: string[] = [];
  if (r.added.length) said.push(`added the lesson's new files: ${r.added.join(", ")}`);
  const clean = (r.merged ?? []).filter((f) => !r.conflicts?.some((c) => c.file === f));
  if (clean.length) said.push(`merged the lesson's edits into ${clean.join(", ")}`);
  if (r.removed?.length) said.push(`removed ${r.removed.join(", ")} (the lesson deletes them)`);
  io.stdout.write(
    said.length
      ? `\n${s.green(s.done)} Kept your work in ${ws}; ${said.join("; ")}.\n`
      : `\n${s.dim(`Your workspace: ${ws}`)}\n`,
  );
  if (r.backup)
    io.stdout.write(s.dim(`  (your files as they were are backed up in ${r.backup})\n`));
  if (r.conflicts?.length) {
    io.stdout.write(
      `\n${s.yellow("!")} The lesson's edits met your own changes in ${r.conflicts.length} file(s). Each place is marked with <<<<<<< your work / ======= / >>>>>>> starter; keep what you need of both and delete the markers:\n`,
    );
    for (const c of r.conflicts)
      io.stdout.write(
        `  ${s.bold(c.file)} (${c.hunks} place${c.hunks > 1 ? "s" : ""}): ${c.words}\n`,
      );
  }
  if (r.notMerged?.length)
    io.stdout.write(
      `\n${s.yellow("!")} git is not installed, so the lesson's edits to ${r.notMerged.join(", ")} were not merged into your files. Install git and run \`npm run lesson ${lesson.number}\` again, or compare with \`npm run labs -- reset ${lesson.number}\` (it backs up your work first).\n`,
    );
}

/** True when the web view is asked for (`--web`, or a `--web-port`); refused without watching. */
function wantsWeb(p: Parsed): boolean {
  const asked = Boolean(p.flags.web || p.flags["web-port"]);
  if (asked && p.flags["no-watch"])
    throw new LearnerError("USAGE", "--web shows the checks as you save, so it needs watch mode.", {
      hint: "Leave out --no-watch, or leave out --web and use `labs grade --reporter html` for a report.",
    });
  return asked;
}

/** The port `--web-port` asks for, if any. */
function webPortOf(p: Parsed): number | undefined {
  const raw = p.flags["web-port"];
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535)
    throw new LearnerError(
      "USAGE",
      `--web-port takes a port number from 1024 to 65535, not "${raw}".`,
      {
        hint: "For example --web-port 4700; leave it out to take a free port.",
      },
    );
  return port;
}

/** How often the web view's stream sends a heartbeat (LABS_WEB_HEARTBEAT_MS, for tests; default 15 s). */
function heartbeatOf(env: NodeJS.ProcessEnv): number | undefined {
  const ms = Number(env.LABS_WEB_HEARTBEAT_MS);
  return Number.isInteger(ms) && ms >= 100 ? ms : undefined;
}
