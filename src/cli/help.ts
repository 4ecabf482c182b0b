/** Help text of each command, shown by `--help` and on usage errors. */
export const HELP: Record<string, string> = {
  main: `realtime-labs: hands-on labs for "Real-Time APIs with @hectoday/http"

Usage: npm run labs -- <command> [options]     (or: npx labs <command>)

Commands
  lesson <n|slug>    Show lesson n, prepare your workspace, check it, and re-check on every save
  check <n|slug|all> Check once (for scripts and CI); exit 0 pass, 1 fail, 2 could not check
  list               All lessons, with your progress
  hint <n>           The hint for the step you are stuck on in lesson n
  reset <n>          Replace your workspace with lesson n's starter (your work is backed up first)
  solution <n>       Show the reference solution of lesson n (after you pass it, or with --force)
  doctor             Check Node, installed modules, Redis and Chromium
  grade              Grade a workspace for CI: results.json, JUnit, GitHub annotations
  new <slug>         Scaffold a lesson (text, starter, checker, solution, fixtures, manifest)
  dev check          Check the course itself: every solution passes, every starter and fixture fails

Shortcuts: npm run lesson 7  =  npm run labs -- lesson 7
Run \`npm run labs -- <command> --help\` for a command's options.`,
  lesson: `Usage: npm run lesson <n|slug> [-- --workspace DIR] [--no-watch] [--verbose]

Shows the lesson text, seeds your workspace from the lesson's starter the first time
(later lessons keep your work and only add files you do not have yet), checks your
server, then watches your files and checks again on every save.

Keys while watching: h hint · r run again · l lesson text · q quit
Without a terminal, type the letter and press Enter.`,
  check: `Usage: npm run labs -- check <n|slug|all> [options]

Options
  --workspace, -w DIR   The project to check (default: workspace/)
  --solution            Check the reference solution instead of your workspace
  --previous            Also check every earlier lesson (regression)
  --reporter, -r NAME   pretty | plain | json | junit (comma-separated for several)
  --output, -o FILE     Where json/junit go (default: standard output)
  --verbose, -v         Stream every line of every step

Exit codes: 0 every step passed, 1 a step failed, 2 the lesson could not be checked
(unknown lesson, modules not installed, no Redis …), 3 a bug in the runner.`,
  list: "Usage: npm run labs -- list [--workspace DIR]\n\nLists the lessons with what you have passed.",
  hint: "Usage: npm run labs -- hint <n> [--workspace DIR]\n\nPrints the hint of the step that failed last in lesson n, or every step's hint.",
  reset: `Usage: npm run labs -- reset <n> [--workspace DIR] [--yes]

Backs up your workspace under <workspace>/.labs/backups/ and replaces it with lesson n's
starter. Asks first on a terminal; elsewhere it needs --yes.`,
  solution: `Usage: npm run labs -- solution <n> [--diff] [--force]

Prints the reference solution's files of lesson n, or with --diff the differences from your
workspace. Only after you have passed the lesson, unless --force.`,
  doctor:
    "Usage: npm run labs -- doctor\n\nChecks Node's version, installed modules, Redis and Chromium, and says how to fix what is missing.",
  grade: `Usage: npm run labs -- grade [options]

Grades a workspace without a terminal, for CI. Each lesson runs on a private copy of the
workspace, with its own ports, database files and Redis; checkers come from this
installation, never from the workspace.

Options
  --workspace, -w DIR   The learner's project (default: workspace/)
  --lessons LIST        Lesson numbers or slugs, comma-separated, or all (default)
  --reporter, -r LIST   pretty, plain, json, junit, github (default: plain,json,junit, and
                        github under GitHub Actions)
  --output, -o DIR      Where results.json and junit.xml go (default: reports/)
  --jobs N              Lessons graded at once (default: the number of cores)
  --solution, --starter Grade each lesson's reference solution or starter instead
  --no-fail             Exit 0 when steps fail (report-only runs); 2 still means "could not grade"

Exit codes: 0 every lesson passed, 1 a lesson failed, 2 could not grade.
results.json is described in docs/results-schema.md.`,
  new: `Usage: npm run labs -- new <slug> [--title "Title"] [--at N]

Adds lessons/NN-slug/ (lesson.md skeleton, starter/, check.ts with one example step),
solutions/NN-slug/, test/fixtures/NN-slug/ and the manifest entry. The starter and the
solution start as copies of the previous lesson's solution. With --at, the lessons from
N on move up one number (folders and manifest).`,
  dev: `Usage: npm run labs -- dev check [--repeat N] [--lessons LIST]

Checks the course: manifest and folders agree, every step has a title and hint, every starter
has TODO markers and fails its checker, every solution passes, every fixture fails at its step.`,
};
