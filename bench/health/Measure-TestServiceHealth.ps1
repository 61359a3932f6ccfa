#Requires -Version 7.4
<#
.SYNOPSIS
    Runs in its own pwsh for the health benchmarks: times one contender over every URL in UrlFile,
    Rounds times (the first is the warm-up), asserting each round sees all of them healthy.
    Contender 'Test-ServiceHealth' (the default) imports the module first; 'ForEach-Object -Parallel'
    runs Invoke-WebRequest per URL under the same throttle. Prints one JSON line: the seconds and
    the process CPU seconds of every round, the CPU seconds all rounds took, the RSS before the
    first round and the peak RSS of this process.
#>
param(
    [string] $ModulePath,
    [Parameter(Mandatory)] [string] $UrlFile,
    [Parameter(Mandatory)] [int] $Throttle,
    [Parameter(Mandatory)] [int] $Rounds,
    [ValidateSet('Test-ServiceHealth', 'ForEach-Object -Parallel')] [string] $Contender = 'Test-ServiceHealth'
)
$ErrorActionPreference = 'Stop'
function Get-StatusMiB([string] $Field) {
    $line = Select-String -Path "/proc/$PID/status" -Pattern "^${Field}:\s+(\d+) kB" | Select-Object -First 1
    [math]::Round([long] $line.Matches[0].Groups[1].Value / 1024, 1)
}

$urls = Get-Content $UrlFile
$check = if ($Contender -eq 'Test-ServiceHealth') {
    if (-not $ModulePath) { throw 'Test-ServiceHealth needs -ModulePath.' }
    Import-Module $ModulePath
    { @(Test-ServiceHealth -Uri $urls -ThrottleLimit $Throttle -NoHistory | Where-Object Status -EQ Healthy).Count }
}
else {
    { @($urls | ForEach-Object -Parallel { (Invoke-WebRequest $_ -TimeoutSec 10).StatusCode -eq 200 } -ThrottleLimit $Throttle | Where-Object { $_ }).Count }
}
$importedRss = Get-StatusMiB VmRSS
$self = [System.Diagnostics.Process]::GetCurrentProcess()
$cpuBefore = $self.TotalProcessorTime
$seconds = [System.Collections.Generic.List[double]]::new()
$cpuRounds = [System.Collections.Generic.List[double]]::new()
foreach ($round in 1..$Rounds) {
    $self.Refresh(); $cpuStart = $self.TotalProcessorTime
    $healthy = 0
    $elapsed = Measure-Command { $healthy = & $check }
    $self.Refresh()
    if ($healthy -ne $urls.Count) { throw "$Contender round ${round}: $healthy of $($urls.Count) healthy." }
    $seconds.Add($elapsed.TotalSeconds)
    $cpuRounds.Add(($self.TotalProcessorTime - $cpuStart).TotalSeconds)
}
$self.Refresh()
@{ Seconds = $seconds.ToArray(); CpuRounds = $cpuRounds.ToArray(); CpuSeconds = ($self.TotalProcessorTime - $cpuBefore).TotalSeconds
    ImportedRssMiB = $importedRss; PeakRssMiB = Get-StatusMiB VmHWM } | ConvertTo-Json -Compress
