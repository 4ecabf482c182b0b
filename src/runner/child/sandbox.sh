#!/bin/sh
# Runs one learner command in a sandbox (see src/runner/sandbox.ts, which sets
# the LABS_SB_* variables; each holds one item per line).
#   outside: joins the run's cgroups (LABS_SB_PROCS), then enters new PID and
#            mount namespaces (unshare LABS_SB_UNSHARE) and runs itself again;
#   inside:  makes LABS_SB_RO read-only and LABS_SB_RW writable again, then runs
#            the command as its child. Being PID 1 of the namespace, it outlives
#            the command only to hand back its exit status; when it ends, the
#            kernel ends everything the command left behind.
set -fu
nl='
'
if [ "${1:-}" != "--inside" ]; then
  IFS=$nl
  for file in ${LABS_SB_PROCS:-}; do
    echo $$ > "$file" || { echo "realtime-labs sandbox: cannot join $file (run with LABS_NO_CAGE=1 to go without the cgroup cage)" >&2; exit 125; }
  done
  # shellcheck disable=SC2086 # one flag per line
  exec unshare ${LABS_SB_UNSHARE:-} -- /bin/sh "$0" --inside "$@"
fi
shift
IFS=$nl
for path in ${LABS_SB_RO:-}; do
  mount --bind -o ro "$path" "$path" || { echo "realtime-labs sandbox: cannot make $path read-only (run with LABS_NO_SANDBOX=1 to go without the sandbox)" >&2; exit 125; }
done
for path in ${LABS_SB_RW:-}; do
  { mount --bind "$path" "$path" && mount -o remount,bind,rw "$path" "$path"; } ||
    { echo "realtime-labs sandbox: cannot make $path writable (run with LABS_NO_SANDBOX=1 to go without the sandbox)" >&2; exit 125; }
done
unset IFS LABS_SB_PROCS LABS_SB_RO LABS_SB_RW LABS_SB_UNSHARE
"$@"
exit $?
