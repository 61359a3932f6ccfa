#Requires -Version 7.4
<#
.SYNOPSIS
    Does the memory of a long Watch-ServiceHealth stay flat? Watches Targets loopback URLs on the
    Kestrel target server (about 20 ms each) every IntervalSec for Minutes, and prints Markdown: the
    RSS of the watching pwsh, its managed heap, the /metrics scrape, the SQLite history and the log
    folder at every minute mark, and the least-squares slope of the RSS after a warm-up of two rounds
    and over the second half.
.DESCRIPTION
    Builds TargetServer/, starts it on a free 127.0.0.1 port, then a fresh pwsh running
    Measure-WatchRounds.ps1 (Watch-ServiceHealth -Count Minutes*60/IntervalSec -MetricsPort <free
    port>, results counted and dropped) with OPS_STATE_PATH set to a new temporary folder. Every
    5 s it samples that pwsh's VmRSS, the byte size of one /metrics scrape, the size of the SQLite
    files and of the logs. Fails unless every round returned Targets results, all Healthy. Every
    process it started is stopped by PID and the temporary folder is removed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Targets = 1000,
    [double] $Minutes = 10,
    [double] $IntervalSec = 10,
    [int] $ThrottleLimit = 64,
    [int] $DelayMs = 20
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$ModulePath = (Resolve-Path $ModulePath).Path
$sampleEvery = [TimeSpan]::FromSeconds(5)
$warmUpRounds = 2
$count = [int][math]::Round($Minutes * 60 / $IntervalSec)
if ($count -le $warmUpRounds) { throw "Minutes * 60 / IntervalSec gives $count rounds; more than $warmUpRounds are needed after the warm-up." }



function Start-Logged([string] $Name, [string] $FilePath, [string[]] $ArgumentList) {
    $process = Start-Process -FilePath $FilePath -ArgumentList $ArgumentList -PassThru `
        -RedirectStandardError (Join-Path $script:work "$Name.log") -RedirectStandardOutput (Join-Path $script:work "$Name.out")
    $script:started.Add($process)
    $process
}

function Wait-Answer([string] $Name, [System.Diagnostics.Process] $Process, [string] $Url) {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Process.HasExited) { throw "$Name exited with $($Process.ExitCode) while starting: $(Get-Content (Join-Path $script:work "$Name.log") -Tail 20 -ErrorAction Ignore)" }
        if ($null -ne (Get-BodyLength $Url)) { return }
        Start-Sleep -Milliseconds 200
    }
    throw "$Name did not answer $Url within 60 s."
}

# The byte length of a successful GET, or null when nothing answers (yet, or any more).
function Get-BodyLength([string] $Url) {
    try {
        $response = $script:client.GetAsync($Url).GetAwaiter().GetResult()
        if (-not $response.IsSuccessStatusCode) { return $null }
        $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult().Length
    }
    catch [System.Net.Http.HttpRequestException] { $null }
}


function Get-RssMiB([int] $ProcessId) {
    $line = Select-String -Path "/proc/$ProcessId/status" -Pattern '^VmRSS:\s+(\d+) kB' -ErrorAction Ignore | Select-Object -First 1
    if ($null -eq $line) { return $null }
    [long] $line.Matches[0].Groups[1].Value / 1024
}

function Get-FolderMiB([string] $Path, [string] $Filter = '*') {
    $bytes = 0
    foreach ($file in Get-ChildItem $Path -Filter $Filter -File -Recurse -ErrorAction Ignore) { $bytes += $file.Length }
    $bytes / 1MB
}

# Least-squares slope of Y over X.
function Get-Slope([double[]] $X, [double[]] $Y) {
    $meanX = ($X | Measure-Object -Average).Average
    $meanY = ($Y | Measure-Object -Average).Average
    $covariance = 0.0; $variance = 0.0
    for ($i = 0; $i -lt $X.Count; $i++) {
        $covariance += ($X[$i] - $meanX) * ($Y[$i] - $meanY)
        $variance += ($X[$i] - $meanX) * ($X[$i] - $meanX)
    }
    $covariance / $variance
}

function Get-Nearest($Items, [double] $Minute) {
    $Items | Sort-Object { [math]::Abs($_.Minute - $Minute) } | Select-Object -First 1
}

$project = Join-Path $PSScriptRoot 'TargetServer'
Invoke-Native dotnet @('build', $project, '-c', 'Release', '--nologo', '-v:q') | Out-Null
$targetServerDll = Join-Path $project 'bin' 'Release' 'net10.0' 'TargetServer.dll'

$work = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-watch-memory-$PID") -Force
$started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$client = [System.Net.Http.HttpClient]::new()
$client.Timeout = [TimeSpan]::FromSeconds(5)
$stateBefore = $env:OPS_STATE_PATH
try {
    $targetPort = Get-FreeTcpPort
    $targetServer = Start-Logged 'target-server' dotnet @($targetServerDll, 'serve', $targetPort, $DelayMs)
    Wait-Answer 'target-server' $targetServer "http://127.0.0.1:$targetPort/t/0"
    $urlFile = Join-Path $work 'urls.txt'
    Set-Content $urlFile (0..($Targets - 1) | ForEach-Object { "http://127.0.0.1:$targetPort/t/$_" })

    # The watch keeps its history and logs in the state folder: a new temporary one, not the user's.
    $state = New-Item -ItemType Directory (Join-Path $work 'state') -Force
    $env:OPS_STATE_PATH = $state.FullName
    $roundFile = Join-Path $work 'rounds.jsonl'
    $metricsUrl = "http://127.0.0.1:$(($metricsPort = Get-FreeTcpPort))/metrics"
    $watchStart = [DateTime]::UtcNow
    $watcher = Start-Logged 'watch' $pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Measure-WatchRounds.ps1'),
        '-ModulePath', $ModulePath, '-UrlFile', $urlFile, '-RoundFile', $roundFile, '-IntervalSec', $IntervalSec,
        '-Count', $count, '-MetricsPort', $metricsPort, '-ThrottleLimit', $ThrottleLimit)

    $samples = [System.Collections.Generic.List[object]]::new()
    $deadline = $watchStart.AddMinutes($Minutes + 3)
    $next = $watchStart
    while (-not $watcher.HasExited) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "The watch was still running $($Minutes + 3) minutes after it started." }
        $rss = Get-RssMiB $watcher.Id
        if ($null -ne $rss) {
            $samples.Add([pscustomobject]@{
                Minute = ([DateTime]::UtcNow - $watchStart).TotalMinutes; RssMiB = $rss; MetricsBytes = Get-BodyLength $metricsUrl
                SqliteMiB = Get-FolderMiB $state 'opsautomation.db*'; LogsMiB = Get-FolderMiB (Join-Path $state 'logs')
            })
        }
        $next += $sampleEvery
        $pause = $next - [DateTime]::UtcNow
        if ($pause -gt [TimeSpan]::Zero) { Start-Sleep -Milliseconds $pause.TotalMilliseconds }
    }
    $watcher.WaitForExit()
    if ($watcher.ExitCode -ne 0) { throw "The watching pwsh exited with $($watcher.ExitCode): $(Get-Content (Join-Path $work 'watch.log') -Tail 20 -ErrorAction Ignore)" }
    $started.Remove($watcher) | Out-Null

    $rounds = @(Get-Content $roundFile | ConvertFrom-Json | ForEach-Object {
        $_ | Add-Member Minute ([DateTime]::Parse($_.Time, $null, 'RoundtripKind') - $watchStart).TotalMinutes -PassThru
    })
    if ($rounds.Count -ne $count) { throw "The watch reported $($rounds.Count) rounds, not $count." }
    $unhealthy = @($rounds | Where-Object { $_.Results -ne $Targets -or $_.Healthy -ne $Targets })
    if ($unhealthy) { throw "Rounds without all $Targets results Healthy: $(($unhealthy | ForEach-Object { "$($_.Round): $($_.Healthy) of $($_.Results)" }) -join '; ')" }

    $warmedUp = $rounds[$warmUpRounds - 1].Minute
    $measured = @($samples | Where-Object Minute -GE $warmedUp)
    $rssSlope = Get-Slope ($measured.Minute) ($measured.RssMiB)
    # A leak keeps its slope; memory that settles (heaps and caches reaching their size) flattens out.
    $secondHalf = @($measured | Select-Object -Skip ([int][math]::Floor($measured.Count / 2)))
    $secondHalfSlope = Get-Slope ($secondHalf.Minute) ($secondHalf.RssMiB)
    $laterRounds = @($rounds | Select-Object -Skip $warmUpRounds)
    $heapSlope = Get-Slope ($laterRounds.Minute) ($laterRounds.HeapAfterGcMiB)
    $rssMax = ($measured | Measure-Object RssMiB -Maximum).Maximum

    "Watch-ServiceHealth over $Targets targets (~$DelayMs ms each), every $IntervalSec s, throttle $ThrottleLimit, $count rounds (all $Targets Healthy in each):"
    ''
    '| minute | pwsh RSS MiB | managed heap after last GC MiB | GetTotalMemory MiB | GC committed MiB | /metrics KiB | SQLite MiB | logs MiB |'
    '|---|---|---|---|---|---|---|---|'
    # The first row is the end of the warm-up, then every whole minute after it.
    $marks = @($warmedUp) + @(1..[math]::Ceiling($Minutes) | Where-Object { $_ -gt $warmedUp -and $_ -le $Minutes })
    foreach ($minute in $marks) {
        $sample = Get-Nearest $measured $minute
        $round = Get-Nearest $rounds $minute
        '| {0:0.##} | {1:0.0} | {2:0.0} | {3:0.0} | {4:0.0} | {5} | {6:0.00} | {7:0.00} |' -f $minute, $sample.RssMiB, $round.HeapAfterGcMiB, $round.TotalMemoryMiB, $round.CommittedMiB,
            ($null -eq $sample.MetricsBytes ? '-' : ($sample.MetricsBytes / 1KB).ToString('0.0')), $sample.SqliteMiB, $sample.LogsMiB
    }
    ''
    'After the warm-up of {0} rounds (minute {1:0.00} on): RSS {2:0.0} MiB at the start, {3:0.0} MiB at the end, {4:0.0} MiB at most; slope {5:+0.00;-0.00} MiB/min over {6} samples, {7:+0.00;-0.00} MiB/min over the second half (minute {8:0.00} on).' -f `
        $warmUpRounds, $warmedUp, $measured[0].RssMiB, $measured[-1].RssMiB, $rssMax, $rssSlope, $measured.Count, $secondHalfSlope, $secondHalf[0].Minute
    'Managed heap after the last GC: slope {0:+0.000;-0.000} MiB/min over rounds {1} to {2}. GC collections at the end: gen0 {3}, gen1 {4}, gen2 {5}.' -f `
        $heapSlope, ($warmUpRounds + 1), $count, $rounds[-1].Gen0, $rounds[-1].Gen1, $rounds[-1].Gen2
    'Target server peak RSS: {0:0} MiB.' -f ((Select-String -Path "/proc/$($targetServer.Id)/status" -Pattern '^VmHWM:\s+(\d+) kB').Matches[0].Groups[1].Value / 1024)
}
finally {
    foreach ($process in @($started)) { Stop-Started $process $started }
    $client.Dispose()
    $env:OPS_STATE_PATH = $stateBefore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
