/** Help text of each command, shown by `--help` and on usage errors. */
export const HELP: Record<string, string> = {
  main: `realtime-labs: hands-on labs for "Real-Time APIs with @hectoday/http"

Usage: npm run labs -- <command> [options]     (or: npx labs <command>)

Commands
  lesson <n|slug>    Show lesson n, prepare your workspace, check it, and re-check on every save
  web [n|slug]       The same, with a web page of the lesson, live results and a sequence
                     diagram of every step (default: the lesson you last opened)
  check <n|slug|all> Check once (for scripts and CI); exit 0 pass, 1 fail, 2 could not check
  bench [n|slug]     Open thousands of WebSockets or SSE streams against your server: memory
                     and descriptors per connection, connect rate, broadcast latency
  list               All lessons, with your progress
  hint <n>           The hint for the step you are stuck on in lesson n
  reset <n>          Replace your workspace with lesson n's starter (your work is backed up first)
  solution <n>       Show lesson n's solution as a diff from its starter (after you pass it, or --force)
  doctor             Check Node, installed modules, Redis and Chromium
  grade              Grade a workspace for CI: results.json, JUnit, GitHub annotations,
                     GitHub Classroom points
  class-report <dir> One table of a class's points from each learner's results.json
  new <slug>         Scaffold a lesson (text, starter, checker, solution, fixtures, manifest)
  dev edit|save      Change the course through its one history (git), then write every tree
  dev check          Check the course itself: history, trees, every solution passes, starters and fixtures fail

Shortcuts: npm run lesson 7  =  npm run labs -- lesson 7
Run \`npm run labs -- <command> --help\` for a command's options.`,
  lesson: `Usage: npm run lesson <n|slug> [-- --workspace DIR] [--no-watch] [--verbose] [--web] [--poll]

Shows the lesson text, seeds your workspace from the lesson's starter the first time
(later lessons keep your work and only add files you do not have yet), checks your
server, then watches your files and checks again on every save.

  --web              Also serve a page on 127.0.0.1 (its address is printed): the lesson
                     text, the steps as they run, your progress, and each step drawn as a
                     sequence diagram (clients, your server, server B, Redis), with every
                     request's replay line one click away. Open pages follow restarts.
  --web-port PORT    The page's port (default: the one it had last time, else a free one)
  --poll             Watch by looking at the files every 100 ms instead of waiting for the
                     system's file events: for folders where saves are not noticed (network
                     or shared folders, containers). Automatic for a workspace on a Windows
                     drive under WSL (/mnt/c/…); LABS_POLL=1 does the same as the flag.

Keys while watching: h hint · r run again · l lesson text · q quit
Without a terminal, type the letter and press Enter.`,
  check: `Usage: npm run labs -- check <n|slug|all> [options]

Options
  --workspace, -w DIR   The project to check (default: workspace/)
  --solution            Check a private copy of the reference solution instead of your workspace
  --previous            Also check every earlier lesson (regression); with --solution, all of
                        them against lesson n's solution (what a learner's project must survive)
  --reporter, -r NAME   pretty | plain | json | junit | html (comma-separated for several)
  --output, -o FILE     Where json/junit/html go (default: standard output; html needs it)
  --verbose, -v         Stream every line of every step

Exit codes: 0 every step passed, 1 a step failed, 2 the lesson could not be checked
(unknown lesson, modules not installed, no Redis …), 3 a bug in the runner.`,
  bench: `Usage: npm run labs -- bench [n|slug] [--ws|--sse] [--connections N] [options]

Starts your server as \`labs check\` does (where the lesson's check uses Redis, as
scaling-real-time's does: two instances and the run's own Redis), opens N WebSockets
(--ws, the default where the lesson has them) or SSE streams (--sse) to it from
127.0.0.1, 250 handshakes at a time per instance, for at most 60 s, then creates one
task and times its event at every client. Without a lesson: the one you last opened.

Reports: connections opened and failed, connect rate, CPU per connection, your server's
RSS and file descriptors per connection (read from /proc: not on macOS or with
LABS_PORTABLE=1) and its JS heap per connection (asked of the server itself), the
broadcast's p50, p99 and last client (per instance with two), beside the course's
estimate. Caps N where this machine's open-file limit or local ports would not hold it,
and says how to raise them.

Options
  --connections N       How many clients (default 10,000, at most 50,000)
  --ws, --sse           Which transport
  --workspace, -w DIR   The project to measure (default: workspace/)
  --solution            Measure a private copy of the lesson's reference solution
  --json                The report as JSON on standard output

Exit codes: 0 every connection opened and every client got the event, 1 not all did (or a
step failed), 2 the bench could not run (unknown lesson, no stream endpoint, no Redis …).`,
  list: "Usage: npm run labs -- list [--workspace DIR]\n\nLists the lessons with what you have passed.",
  hint: "Usage: npm run labs -- hint <n> [--all] [--workspace DIR]\n\nPrints the hint of the step that failed in the last check of lesson n (by `npm run lesson` or `labs check`), never a later step's. After a pass it lists what the lesson checked; before any check, the first step's hint. --all prints every step's hint.",
  reset: `Usage: npm run labs -- reset <n> [--workspace DIR] [--yes]

Backs up your workspace under <workspace>/.labs/backups/ and replaces it with lesson n's
starter. Asks first on a terminal; elsewhere it needs --yes.`,
  solution: `Usage: npm run labs -- solution <n> [--full] [--diff] [--force]

Prints what lesson n's solution changes in its starter, as a diff. --full prints the
solution's whole files; --diff compares the solution with your workspace. Only after you
have passed the lesson, unless --force.`,
  doctor:
    "Usage: npm run labs -- doctor\n\nChecks Node's version, installed modules, Redis and the browser (Chromium or Chrome: which one, its version and where it was found), and says how to fix what is missing.",
  web: `Usage: npm run labs -- web [n|slug] [--workspace DIR] [--web-port PORT]

\`npm run lesson <n> -- --web\`: the lesson's watch loop with its web view. Without a
lesson, the one you last opened. The page is served on 127.0.0.1 only.`,
  grade: `Usage: npm run labs -- grade [options]

Grades a workspace without a terminal, for CI. Each lesson runs on a private copy of the
workspace, with its own ports, database files and Redis; checkers come from this
installation, never from the workspace.

Options
  --workspace, -w DIR   The learner's project (default: workspace/)
  --lessons LIST        Lesson numbers or slugs, comma-separated, or all (default)
  --reporter, -r LIST   pretty, plain, json, junit, github, html, classroom (default:
                        plain,json,junit, and github under GitHub Actions). html writes
                        report.html: one self-contained file with every step's sequence
                        diagram. classroom writes classroom.json (one runner per lesson,
                        lesson-<slug>, for GitHub Classroom's autograding-grading-reporter)
                        and, under GitHub Actions, each runner's <ID>_RESULTS to GITHUB_ENV
                        and runners=<ids> to the step's outputs
  --points LIST         What each lesson is worth to the classroom reporter: a number for
                        every lesson (default 1), slug=N for single lessons, comma-separated:
                        --points 10,capstone=30
  --output, -o DIR      Where results.json and junit.xml go (default: reports/)
  --jobs N              Lessons graded at once (default: the number of cores)
  --solution, --starter Grade each lesson's reference solution or starter instead
  --no-fail             Exit 0 when steps fail (report-only runs); 2 still means "could not grade"

Exit codes: 0 every lesson passed, 1 a lesson failed, 2 could not grade.
results.json is described in docs/results-schema.md.`,
  "class-report": `Usage: npm run labs -- class-report <dir> [--points LIST] [--output class.csv]

Reads <dir>/<learner>/results.json for every folder in <dir> (what \`labs grade\` wrote for
each learner; grade-class.yml downloads them so) and prints a Markdown table: a learner
per row, a lesson per column, the points of each and the total. A folder without
results.json is listed as "no results"; a results.json that is not one labs grade wrote
stops the report with what is wrong in it. Reads JSON only: no learner code runs.

Options
  --points LIST         What each lesson is worth, as for grade (default: 1 each)
  --output, -o FILE     Also write the table as CSV (learner, status, a column per lesson,
                        points, max_points)`,
  new: `Usage: npm run labs -- new <slug> [--title "Title"] [--at N]

Adds lessons/NN-slug/ (lesson.md skeleton, check.ts with one example step, starter/ with a
TODO.md), solutions/NN-slug/, test/fixtures/NN-slug/ and the manifest entry, and inserts the
lesson into the course history: its starter and solution start as the previous lesson's
solution, so every later lesson's patch still applies. With --at, the later lessons' folders
are renamed; no file inside them names a number, so nothing else changes. Then write the
lesson's code with: npm run labs -- dev edit --at <slug>`,
  dev: `Usage: npm run labs -- dev edit [--at STAGE] [--dir DIR] [--from-trees] [--force]
       npm run labs -- dev save [--dir DIR]
       npm run labs -- dev check [--repeat N] [--lessons LIST] [--forward]

edit   Lays the course out as a git repository (default .labs/course-history/): one commit
       per stage in course order (starter: <slug>, solution: <slug>; tagged starter/<slug>,
       solution/<slug>), a branch per fixture (fixture/<slug>/<name>). --at <slug> (or
       starter/<slug>, solution/<slug>) starts an interactive rebase stopped there: change
       the files, git commit -a --amend, git rebase --continue. --from-trees builds the
       history from the committed trees as they stand (adopts hand edits). Refuses to
       replace a history with unsaved work unless --force.
save   Writes every stage back: the trees, their patches, every fixture carried onto its
       lesson's new solution, and each lesson.md's step list. Refuses during an unfinished
       rebase, naming the lesson, file and hunk of each conflict.
check  The course checks itself: manifest, references by slug, trees == history, types,
       step lists; every solution passes (--repeat N times), the final solution passes
       every lesson (--forward: every later solution), every starter and carried-over
       learner fails, every fixture fails at its step.`,
};
