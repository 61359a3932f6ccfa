#Requires -Version 7.4
<#
.SYNOPSIS
    Test-ServiceHealth against ForEach-Object -Parallel { Invoke-WebRequest } and Python requests +
    ThreadPoolExecutor, on the compiled loopback target server (TargetServer/, 20 ms per answer),
    at 500 targets / throttle 64 and 10,000 targets / throttle 256; plus the time Import-Module
    adds to a fresh pwsh. Prints Markdown tables.
.DESCRIPTION
    Builds TargetServer/ and starts it on a free 127.0.0.1 port. Per point, each contender runs in
    a fresh process of its own: a warm-up round, then Rounds measured rounds, every round asserting
    that all targets were healthy. The tables give, per contender and point, the median seconds,
    the loopback ideal (targets x latency / throttle), the ratios to the ideal and to
    Test-ServiceHealth, the contender's process CPU per check (median round) and the target
    server's CPU per check while that contender ran (warm-up included). Test-ServiceHealth runs
    with -NoHistory and a temporary state folder. Every process it starts it stops by PID.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # Points as targets x throttle, paired by position.
    [int[]] $Targets = @(500, 10000),
    [int[]] $Throttle = @(64, 256),
    [int] $Rounds = 5,
    [int] $DelayMs = 20,
    # The contenders to run, by name (all three by default).
    [ValidateSet('Test-ServiceHealth', 'ForEach-Object -Parallel', 'Python requests')] [string[]] $Contender =
        @('Test-ServiceHealth', 'ForEach-Object -Parallel', 'Python requests')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest
if ($Targets.Count -ne $Throttle.Count) { throw "-Targets has $($Targets.Count) values but -Throttle has $($Throttle.Count); give one throttle per point." }
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$ModulePath = (Resolve-Path $ModulePath).Path
$python = '/usr/bin/python3'

function Get-LoadAverage { (Get-Content /proc/loadavg -Raw).Split(' ')[0..2] -join ' ' }

function Get-CpuSeconds([System.Diagnostics.Process] $Process) {
    $Process.Refresh()
    $Process.TotalProcessorTime.TotalSeconds
}

# Median of the measured values; the first of each process is its warm-up.
function Get-Median([double[]] $Values) {
    $measured = @($Values | Select-Object -Skip 1 | Sort-Object)
    $middle = [int][math]::Floor($measured.Count / 2)
    $measured.Count % 2 ? $measured[$middle] : ($measured[$middle - 1] + $measured[$middle]) / 2
}

function Start-TargetServer([string] $Dll, [int] $Port) {
    $log = Join-Path $script:work 'target-server.log'
    $process = Start-Process -FilePath dotnet -ArgumentList $Dll, 'serve', $Port, $DelayMs -PassThru -RedirectStandardError $log -RedirectStandardOutput (Join-Path $script:work 'target-server.out')
    $script:started.Add($process)
    $client = [System.Net.Http.HttpClient]::new()
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ([DateTime]::UtcNow -lt $deadline) {
            if ($process.HasExited) { throw "The target server exited with $($process.ExitCode) while starting: $(Get-Content $log -Tail 20 -ErrorAction Ignore)" }
            try {
                if ($client.GetAsync("http://127.0.0.1:$Port/t/0").GetAwaiter().GetResult().IsSuccessStatusCode) {
                    # Warmed up (its JIT done), so its CPU per check is the same for whichever contender comes first.
                    foreach ($pass in 1..3) { [System.Threading.Tasks.Task]::WaitAll(@(0..999 | ForEach-Object { $client.GetStringAsync("http://127.0.0.1:$Port/t/$_") })) }
                    return $process
                }
            }
            catch [System.Net.Http.HttpRequestException] { }
            Start-Sleep -Milliseconds 100
        }
        throw "The target server did not answer within 30 s: $(Get-Content $log -Tail 20 -ErrorAction Ignore)"
    }
    finally { $client.Dispose() }
}

# One contender in a fresh process: its rounds' seconds and CPU, and the target server's CPU meanwhile.
function Measure-Contender([string] $Name, [string] $UrlFile, [int] $Limit) {
    $serverCpu = Get-CpuSeconds $script:targetServer
    $measured = switch ($Name) {
        'Python requests' { Invoke-Native $python @((Join-Path $PSScriptRoot 'requests_peer.py'), $UrlFile, $Limit, ($Rounds + 1)) }
        default {
            Invoke-Native $pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Measure-TestServiceHealth.ps1'),
                '-ModulePath', $ModulePath, '-UrlFile', $UrlFile, '-Throttle', $Limit, '-Rounds', ($Rounds + 1), '-Contender', $Name)
        }
    }
    $result = $measured | Select-Object -Last 1 | ConvertFrom-Json
    [pscustomobject]@{
        Contender = $Name; Seconds = Get-Median $result.Seconds; CpuSeconds = Get-Median $result.CpuRounds
        ServerCpuSeconds = ((Get-CpuSeconds $script:targetServer) - $serverCpu) / ($Rounds + 1)
        Rounds = $result.Seconds; Load = Get-LoadAverage
    }
}

if ('Python requests' -in $Contender) {
    & $python -c 'import requests' 2>$null
    if ($LASTEXITCODE -ne 0) {
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get @('update', '-qq') | Out-Null
        Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'python3-requests') | Out-Null
    }
}
$project = Join-Path $PSScriptRoot 'TargetServer'
Invoke-Native dotnet @('build', $project, '-c', 'Release', '--nologo', '-v:q') | Out-Null
$targetServerDll = Join-Path $project 'bin' 'Release' 'net10.0' 'TargetServer.dll'

$work = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-health-bench-$PID") -Force
$started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$stateBefore = $env:OPS_STATE_PATH
try {
    $port = Get-FreeTcpPort
    $targetServer = Start-TargetServer $targetServerDll $port
    # Test-ServiceHealth keeps its log in the state folder: a temporary one, not the user's.
    $env:OPS_STATE_PATH = New-Item -ItemType Directory (Join-Path $work 'state') -Force
    $loadBefore = Get-LoadAverage

    $points = for ($i = 0; $i -lt $Targets.Count; $i++) {
        $count = $Targets[$i]; $limit = $Throttle[$i]
        $urlFile = Join-Path $work "urls-$count.txt"
        Set-Content $urlFile (0..($count - 1) | ForEach-Object { "http://127.0.0.1:$port/t/$_" })
        [pscustomobject]@{
            Targets = $count; Throttle = $limit; Ideal = $count * $DelayMs / 1000.0 / $limit
            Rows = @(foreach ($name in $Contender) { Measure-Contender $name $urlFile $limit })
        }
    }

    $medianOf = { param($values) ($values | Sort-Object)[[int][math]::Floor(@($values).Count / 2)] }
    $bare = & $medianOf (1..5 | ForEach-Object { (Measure-Command { & $pwsh -NoProfile -NonInteractive -Command 'exit 0' }).TotalSeconds })
    $withModule = & $medianOf (1..5 | ForEach-Object { (Measure-Command { & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; exit 0" }).TotalSeconds })

    "Loopback target server, ~$DelayMs ms per answer; each contender in a fresh process, median of $Rounds rounds after a warm-up."
    "Load average (1/5/15 min) before: $loadBefore; after: $(Get-LoadAverage)."
    ''
    '| targets @ throttle | contender | seconds | loopback ideal s | ratio to ideal | ratio to Test-ServiceHealth | CPU ms per check | target server CPU ms per check | load after |'
    '|---|---|---|---|---|---|---|---|---|'
    foreach ($point in $points) {
        $ours = @($point.Rows | Where-Object Contender -EQ 'Test-ServiceHealth')
        foreach ($row in $point.Rows) {
            '| {0:N0} @ {1} | {2} | {3:0.000} | {4:0.000} | {5:0.00}x | {6} | {7:0.000} | {8:0.000} | {9} |' -f $point.Targets, $point.Throttle, $row.Contender, $row.Seconds,
                $point.Ideal, ($row.Seconds / $point.Ideal), ($ours ? ('{0:0.00}x' -f ($row.Seconds / $ours[0].Seconds)) : '-'),
                ($row.CpuSeconds * 1000 / $point.Targets), ($row.ServerCpuSeconds * 1000 / $point.Targets), $row.Load
        }
    }
    ''
    'Every round, warm-up first:'
    foreach ($point in $points) {
        foreach ($row in $point.Rows) {
            '- {0:N0} @ {1}, {2}: {3}' -f $point.Targets, $point.Throttle, $row.Contender, (($row.Rounds | ForEach-Object { ([double] $_).ToString('0.000') }) -join ' ')
        }
    }
    ''
    'Import-Module in a fresh pwsh: {0:0.000} s with the module vs {1:0.000} s without (+{2:0} ms, median of 5)' -f $withModule, $bare, (($withModule - $bare) * 1000)
}
finally {
    foreach ($process in @($started)) { Stop-Started $process $started }
    $env:OPS_STATE_PATH = $stateBefore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
