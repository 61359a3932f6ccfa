#Requires -Version 7.4
<#
.SYNOPSIS
    Issue 13's anomaly bench: a week of one-minute samples (10,080) for -Series series, judged by
    the module's AnomalyDetection (all three detectors, and RobustZScore alone) against a numpy
    trailing-window median + MAD robust z-score, in the same run. Prints a Markdown table.
.DESCRIPTION
    Each side runs in a fresh process and reports its own figures: wall seconds of detection
    (generation left out), CPU seconds of the whole run after a warm-up series (generation
    included: about 1-2 s for 1,000 series on either side), and peak resident memory (VmHWM).
    Both generate the same kind of series (noise, a daily wave of 10, one 10-minute spike of +12
    at a random time on day 6) and each fails unless it finds all the spikes.
    Ours: AnomalyBench (net10.0, Release) over OpsAutomation.Core. Peer: numpy_peer.py with
    Debian's python3-numpy (installed with apt-get when missing).
#>
[CmdletBinding()]
param(
    # Accepted for build.ps1 Bench, which passes it to every benchmark; the bench uses Core directly.
    [string] $ModulePath,
    [int] $Series = 1000,
    [int] $Rounds = 1
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$python = (Test-Path /usr/bin/python3) ? '/usr/bin/python3' : 'python3'
& $python -c 'import numpy' 2>$null
if ($LASTEXITCODE -ne 0) {
    if (-not $IsLinux -or -not (Test-Path /usr/bin/apt-get)) { throw 'python3-numpy is missing and there is no apt-get to install it.' }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    & apt-get install -y -qq --no-install-recommends python3-numpy | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'apt-get install python3-numpy failed.' }
}
$project = Join-Path $PSScriptRoot 'AnomalyBench'
& dotnet build $project -c Release --nologo -v:q | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'Building AnomalyBench failed.' }
$bench = Join-Path $project 'bin' 'Release' 'net10.0' 'AnomalyBench.dll'

function Invoke-Side([string] $Name, [scriptblock] $Run) {
    $results = for ($round = 0; $round -lt $Rounds; $round++) {
        $line = & $Run | Select-Object -Last 1
        if ($LASTEXITCODE -ne 0) { throw "$Name failed (exit $LASTEXITCODE): $line" }
        $line | ConvertFrom-Json
    }
    $median = $results | Sort-Object seconds | Select-Object -Index ([int][Math]::Floor(($results.Count - 1) / 2))
    [pscustomobject]@{ Name = $Name; Seconds = $median.seconds; Cpu = $median.cpu_seconds; PeakMiB = [Math]::Round($median.peak_rss_bytes / 1MB); Anomalies = $median.anomalies }
}

$load = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
$sides = @(
    Invoke-Side 'Find-MetricAnomaly engine, all three detectors' { & dotnet $bench $Series }
    Invoke-Side 'Find-MetricAnomaly engine, RobustZScore alone' { & dotnet $bench $Series robust }
    Invoke-Side 'numpy sliding-window median + MAD (robust z only)' { & $python (Join-Path $PSScriptRoot 'numpy_peer.py') $Series }
)
$loadAfter = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '
$peer = $sides[2]
"Load average before: $load; after: $loadAfter; $([Environment]::ProcessorCount) cores"
''
"| $Series series x 10,080 one-minute samples | wall s | CPU s | CPU ratio to numpy | peak RSS MiB | anomalies |"
'|---|---|---|---|---|---|'
foreach ($side in $sides) {
    "| $($side.Name) | $($side.Seconds) | $($side.Cpu) | $([Math]::Round($peer.Cpu / $side.Cpu, 1))x less | $($side.PeakMiB) | $($side.Anomalies) |"
}
