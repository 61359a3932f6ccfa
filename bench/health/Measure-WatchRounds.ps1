#Requires -Version 7.4
<#
.SYNOPSIS
    Runs in its own pwsh for Measure-WatchMemory.ps1: imports the module and watches every URL in
    UrlFile, consuming the results without keeping them. After each round's results (one per URL)
    it appends one JSON line to RoundFile: the time, how many results and how many Healthy, the
    managed heap as the GC sees it and the GC's collection counts.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $UrlFile,
    [Parameter(Mandatory)] [string] $RoundFile,
    [Parameter(Mandatory)] [double] $IntervalSec,
    [Parameter(Mandatory)] [int] $Count,
    [Parameter(Mandatory)] [int] $MetricsPort,
    [Parameter(Mandatory)] [int] $ThrottleLimit
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$urls = Get-Content $UrlFile
Import-Module $ModulePath

$round = 0; $results = 0; $healthy = 0
Watch-ServiceHealth -Uri $urls -IntervalSec $IntervalSec -Count $Count -MetricsPort $MetricsPort -ThrottleLimit $ThrottleLimit | ForEach-Object {
    $results++
    if ($_.Status -eq 'Healthy') { $healthy++ }
    if ($results -lt $urls.Count) { return }
    $round++
    # GetTotalMemory(false) includes garbage not yet collected; HeapSizeBytes is the heap after the last
    # GC, TotalCommittedBytes the memory the GC holds from the OS for it.
    $gc = [GC]::GetGCMemoryInfo()
    Add-Content $RoundFile (@{
        Round = $round; Time = [DateTime]::UtcNow.ToString('o'); Results = $results; Healthy = $healthy
        TotalMemoryMiB = [GC]::GetTotalMemory($false) / 1MB; HeapAfterGcMiB = $gc.HeapSizeBytes / 1MB; CommittedMiB = $gc.TotalCommittedBytes / 1MB
        Gen0 = [GC]::CollectionCount(0); Gen1 = [GC]::CollectionCount(1); Gen2 = [GC]::CollectionCount(2)
    } | ConvertTo-Json -Compress)
    $results = 0; $healthy = 0
}
# A last partial round would mean a round returned fewer results than URLs.
if ($results -ne 0) { throw "The watch ended with $results results after round $round, not a whole round of $($urls.Count)." }
