#!/usr/bin/env bash
# Runs examples/ci-health-check.ps1 once for cron (see opsautomation-health.cron).
# Its output goes to syslog/the journal (tag opsautomation-health); cron mails only the one line
# this script writes to stderr when the run did not end healthy. Exits with the run's code.
#   usage: run-health-check.sh <catalog>
set -uo pipefail

if [ $# -ne 1 ]; then echo 'usage: run-health-check.sh <catalog>' >&2; exit 2; fi
catalog=$(realpath -- "$1") || exit 2
root=$(cd -- "$(dirname -- "$0")/../.." && pwd)
state=${OPS_STATE_PATH:-${XDG_STATE_HOME:-$HOME/.local/state}/opsautomation}
mkdir -p -- "$state"

# One run at a time: when a run outlasts its minute, the next one skips (exit 75) instead of
# piling up. The timeout stops a run that hangs so the lock is freed.
cd -- "$root"
flock --nonblock --conflict-exit-code 75 "$state/health-check.lock" \
    timeout --kill-after=10s 300s "$root/examples/scheduling/run-pwsh.sh" -NoProfile -NonInteractive -File examples/ci-health-check.ps1 -Path "$catalog" 2>&1 |
    logger --tag opsautomation-health
code=${PIPESTATUS[0]}

case $code in
    0) ;;
    75) echo "health check skipped: the previous run still holds $state/health-check.lock" >&2 ;;
    124) echo "health check timed out after 300 s (journalctl -t opsautomation-health)" >&2 ;;
    *) echo "health check exited $code: at least one service is unhealthy (journalctl -t opsautomation-health)" >&2 ;;
esac
exit "$code"
