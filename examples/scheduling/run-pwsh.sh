#!/usr/bin/env bash
# Runs PowerShell 7 with the given arguments from the repository root, for the schedulers: the
# pwsh installed system-wide (Debian package, /opt/microsoft/powershell/7) when one is on PATH,
# else the checkout's local tool (dotnet-tools.json: run 'dotnet tool restore' once, as the
# account the schedule runs as). Paths in the arguments are relative to the repository root.
#   usage: run-pwsh.sh <pwsh arguments>
set -euo pipefail

root=$(cd -- "$(dirname -- "$0")/../.." && pwd)
cd -- "$root"
if command -v pwsh >/dev/null 2>&1; then
    exec pwsh "$@"
fi
if command -v dotnet >/dev/null 2>&1 && [ -f dotnet-tools.json ]; then
    exec dotnet pwsh "$@"
fi
echo "run-pwsh.sh: no pwsh on PATH ($PATH), and no dotnet for the local tool of $root; install PowerShell 7 or the .NET SDK and run 'dotnet tool restore' there" >&2
exit 127
