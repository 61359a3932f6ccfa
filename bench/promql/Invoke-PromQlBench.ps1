#Requires -Version 7.4
<#
.SYNOPSIS
    The in-process PromQL engine against Prometheus's own (promtool test rules 2.42) on one rule
    unit-test file: 10,000 series and 1,000 expressions. Prints a Markdown table of median seconds
    and the ratio.
.DESCRIPTION
    Writes one promtool unit-test file: -Series counter series requests_total{job, instance, code}
    ('0+1x40' at a 15 s interval, so 10 minutes), and -Expressions promql_expr_test cases at 10m
    in four shapes (count, sum of increase over 5m, max of a comparison filter, sum over a regex
    matcher), each with its expected samples worked out here from the series' definition, so both
    sides must pass every case. Then, for -Rounds rounds each:
    - promtool test rules <file>: a process of its own (its start is part of its time);
    - Invoke-PrometheusRuleTest -Path <file> -Summary in this process (the module imported once,
      before timing).
    Both read the YAML, load the series and evaluate every expression; a round that does not pass
    fails the benchmark. Installs Debian's prometheus (for promtool) with apt-get when missing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Series = 10000,
    [int] $Expressions = 1000,
    [int] $Rounds = 3
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'health' 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest

if (-not (Get-Command promtool -ErrorAction Ignore)) {
    if (-not $IsLinux -or -not (Test-Path /usr/bin/apt-get)) { throw 'promtool is missing and there is no apt-get to install it.' }
    Write-Host 'Installing Debian package prometheus (for promtool)'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq') | Out-Null
    Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'prometheus') | Out-Null
}
Import-Module (Resolve-Path $ModulePath).Path -Force

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

# 100 jobs of Series/100 instances each; code 500 for every fourth series, so a job k has 500s exactly when k % 4 == 0.
$jobs = 100
$perJob = [int]($Series / $jobs)
$text = [System.Text.StringBuilder]::new("rule_files: []`nevaluation_interval: 1m`ntests:`n  - interval: 15s`n    input_series:`n")
for ($i = 0; $i -lt $Series; $i++) {
    $code = if ($i % 4 -eq 0) { '500' } else { '200' }
    $null = $text.Append("      - series: 'requests_total{job=`"j$($i % $jobs)`", instance=`"i$i`", code=`"$code`"}'`n        values: '0+1x40'`n")
}
$null = $text.Append("    promql_expr_test:`n")
for ($e = 0; $e -lt $Expressions; $e++) {
    $k = $e % $jobs
    # At 10m every series is at 40; over [5m, 10m] it rose by 20 with samples on both edges (no extrapolation).
    switch ([int][Math]::Floor($e / $jobs) % 4) {
        0 { $expr = "count(requests_total{job=`"j$k`"})"; $expected = @("          - value: $perJob") }
        1 { $expr = "sum(increase(requests_total{job=`"j$k`"}[5m]))"; $expected = @("          - value: $(20 * $perJob)") }
        2 { $expr = "max by (job) (requests_total{job=`"j$k`"} > 10)"; $expected = @("          - labels: '{job=`"j$k`"}'", '            value: 40') }
        3 {
            $expr = "sum(requests_total{job=`"j$k`", code=~`"5..`"})"
            $expected = @(if ($k % 4 -eq 0) { "          - value: $(40 * $perJob)" })
        }
    }
    $null = $text.Append("      - expr: '$expr'`n        eval_time: 10m`n        exp_samples:$(if ($expected.Count -eq 0) { ' []' })`n")
    foreach ($line in $expected) { $null = $text.Append("$line`n") }
}
$work = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-bench-promql-$PID") -Force
try {
    $file = Join-Path $work 'bench.test.yml'
    Set-Content -LiteralPath $file -Value $text.ToString() -NoNewline

    $promtool = [System.Collections.Generic.List[double]]::new()
    $ours = [System.Collections.Generic.List[double]]::new()
    for ($round = 0; $round -lt $Rounds; $round++) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $output = & promtool test rules $file 2>&1
        $watch.Stop()
        if ($LASTEXITCODE -ne 0) { throw "promtool test rules failed: $($output | Select-Object -First 20)" }
        $promtool.Add($watch.Elapsed.TotalSeconds)

        $watch.Restart()
        $summary = Invoke-PrometheusRuleTest -Path $file -Summary
        $watch.Stop()
        if (-not $summary.Passed) { throw "Invoke-PrometheusRuleTest did not pass: $($summary | Out-String)" }
        $ours.Add($watch.Elapsed.TotalSeconds)
    }
    $p = Get-Median $promtool
    $o = Get-Median $ours
    "| $Series series, $Expressions expressions (median of $Rounds) | seconds | ratio to Invoke-PrometheusRuleTest |"
    '|---|---|---|'
    '| Invoke-PrometheusRuleTest (in-process PromQL engine) | {0:0.000} | 1.0 |' -f $o
    '| promtool test rules 2.42 | {0:0.000} | {1:0.0}x |' -f $p, ($p / $o)
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
