#Requires -Version 7.4
<#
.SYNOPSIS
    The cost of one Get-SystemMetrics sample, without its sampling interval, against one scrape of
    Prometheus node_exporter on the same machine in the same run. Prints a Markdown table of
    median milliseconds and the ratio.
.DESCRIPTION
    Installs prometheus-node-exporter with apt-get when missing, starts it on a free 127.0.0.1
    port and stops it by PID. Each round times, in this process:
    - Get-SystemMetrics -SampleIntervalSec 0.1, less the 0.1 s it waits: two readings of /proc and
      statfs, the sample's arithmetic and the cmdlet's pipeline;
    - GET /metrics of node_exporter with its default collectors (everything it reports);
    - GET /metrics?collect[]=... with only the collectors of the same facts (cpu, meminfo,
      loadavg, filesystem, diskstats, netdev, stat), over one kept-alive connection.
    A sample reads the machine twice, a scrape once; the table says so rather than halving.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rounds = 50
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'health' 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest

Install-DebianPackage prometheus-node-exporter prometheus-node-exporter
Import-Module (Resolve-Path $ModulePath).Path -Force

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

$work = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-bench-metrics-$PID") -Force
$port = Get-FreeTcpPort
$started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$node = Start-Process -FilePath (Get-Command prometheus-node-exporter).Source -ArgumentList "--web.listen-address=127.0.0.1:$port" -PassThru `
    -RedirectStandardError (Join-Path $work 'node-exporter.log') -RedirectStandardOutput (Join-Path $work 'node-exporter.out')
$started.Add($node)
$client = [System.Net.Http.HttpClient]::new()
try {
    $full = "http://127.0.0.1:$port/metrics"
    $sameFacts = $full + '?' + (('cpu', 'meminfo', 'loadavg', 'filesystem', 'diskstats', 'netdev', 'stat' | ForEach-Object { "collect[]=$_" }) -join '&')
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try { $null = $client.GetStringAsync($full).GetAwaiter().GetResult(); break }
        catch [System.Net.Http.HttpRequestException] {
            if ($node.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "node_exporter did not start: $(Get-Content (Join-Path $work 'node-exporter.log') -Tail 20)" }
            Start-Sleep -Milliseconds 100
        }
    }

    $interval = 0.1
    $timings = @{ Ours = [System.Collections.Generic.List[double]]::new(); Full = [System.Collections.Generic.List[double]]::new(); Same = [System.Collections.Generic.List[double]]::new() }
    foreach ($round in 0..$Rounds) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $null = Get-SystemMetrics -SampleIntervalSec $interval
        $ours = $watch.Elapsed.TotalMilliseconds - $interval * 1000
        $watch.Restart()
        $null = $client.GetStringAsync($full).GetAwaiter().GetResult()
        $fullMs = $watch.Elapsed.TotalMilliseconds
        $watch.Restart()
        $null = $client.GetStringAsync($sameFacts).GetAwaiter().GetResult()
        $sameMs = $watch.Elapsed.TotalMilliseconds
        if ($round -eq 0) { continue }  # warm-up: JIT, first connection
        $timings.Ours.Add($ours); $timings.Full.Add($fullMs); $timings.Same.Add($sameMs)
    }

    $oursMedian = Get-Median $timings.Ours
    $rows = @(
        @{ Name = "Get-SystemMetrics sample, less its $($interval * 1000) ms interval (reads the machine twice)"; Ms = $oursMedian }
        @{ Name = 'node_exporter scrape, same facts (collect[]=cpu,meminfo,loadavg,filesystem,diskstats,netdev,stat)'; Ms = Get-Median $timings.Same }
        @{ Name = 'node_exporter scrape, default collectors'; Ms = Get-Median $timings.Full }
    )
    "| $Rounds rounds, median | ms | ratio to Get-SystemMetrics |"
    '|---|---|---|'
    foreach ($row in $rows) { '| {0} | {1:0.00} | {2:0.00}x |' -f $row.Name, $row.Ms, ($row.Ms / $oursMedian) }
}
finally {
    $client.Dispose()
    foreach ($process in @($started)) { Stop-Started $process $started }
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
