#Requires -Version 7.4
<#
.SYNOPSIS
    Runs in its own pwsh for Invoke-BlackboxBench.ps1: imports the module, then times
    Test-ServiceHealth over every URL in UrlFile, Rounds times (the first is the warm-up), asserting
    each round sees all of them Healthy. Prints one JSON line: the seconds of every round, the CPU
    seconds all rounds took, the RSS after Import-Module and the peak RSS of this process.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $UrlFile,
    [Parameter(Mandatory)] [int] $Throttle,
    [Parameter(Mandatory)] [int] $Rounds
)
$ErrorActionPreference = 'Stop'
function Get-StatusMiB([string] $Field) {
    $line = Select-String -Path "/proc/$PID/status" -Pattern "^${Field}:\s+(\d+) kB" | Select-Object -First 1
    [math]::Round([long] $line.Matches[0].Groups[1].Value / 1024, 1)
}

$urls = Get-Content $UrlFile
Import-Module $ModulePath
$importedRss = Get-StatusMiB VmRSS
$self = [System.Diagnostics.Process]::GetCurrentProcess()
$cpuBefore = $self.TotalProcessorTime
$seconds = foreach ($round in 1..$Rounds) {
    $elapsed = Measure-Command {
        $results = Test-ServiceHealth -Uri $urls -ThrottleLimit $Throttle -NoHistory
        $healthy = @($results | Where-Object Status -EQ Healthy).Count
        if ($healthy -ne $urls.Count) { throw "Test-ServiceHealth round ${round}: $healthy of $($urls.Count) healthy." }
    }
    $elapsed.TotalSeconds
}
$self.Refresh()
@{ Seconds = @($seconds); CpuSeconds = ($self.TotalProcessorTime - $cpuBefore).TotalSeconds; ImportedRssMiB = $importedRss; PeakRssMiB = Get-StatusMiB VmHWM } | ConvertTo-Json -Compress
