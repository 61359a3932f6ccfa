#Requires -Version 7.4
<#
.SYNOPSIS
    The cold start of a scheduled health check, part by part, each in fresh pwsh processes: pwsh's own
    start, Import-Module (against PowerShell's own binary module PSResourceGet), and the first check of
    a 10-service catalog against a warm one. Prints Markdown tables of medians.
.DESCRIPTION
    All on 127.0.0.1: bench/health/TargetServer answers each of the catalog's 8 HTTP services after
    -DelayMs; the catalog adds one TCP and one DNS (localhost) check. The state store is created by a
    run before the measured ones, as a scheduler that runs every minute would find it. Each measured
    round is a fresh pwsh (Measure-ScheduledRun.ps1); the tables give the median of -Rounds.
.EXAMPLE
    ./bench/coldstart/Measure-ColdStart.ps1 -ModulePath output/OpsAutomation/0.1.0/OpsAutomation.psd1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rounds = 7,
    [int] $DelayMs = 20,
    # The PowerShell to measure: a pwsh executable, or a pwsh.dll run by dotnet (build.ps1 Bench passes
    # a copy of its pwsh compiled ahead of time, as PowerShell's own packages are). This pwsh by default.
    [string] $PowerShell = (Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh'))
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot '..' 'health' 'BenchSupport.psm1') -Force
$ModulePath = (Resolve-Path $ModulePath).Path
$pwsh, $pwshArguments = $PowerShell -like '*.dll' ? @('dotnet', @($PowerShell)) : @($PowerShell, @())
$runner = Join-Path $PSScriptRoot 'Measure-ScheduledRun.ps1'
$work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "ops-coldstart-$([guid]::NewGuid().ToString('n').Substring(0, 8))")
$started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

function Get-Median([double[]] $Values) { ($Values | Sort-Object)[[int][math]::Floor($Values.Count / 2)] }

function Invoke-Run([string[]] $Arguments) {
    $line = & $pwsh @pwshArguments -NoProfile -NonInteractive -File $runner -ModulePath $ModulePath -CatalogPath $catalog @Arguments
    if ($LASTEXITCODE -ne 0) { throw "Measure-ScheduledRun.ps1 $Arguments exited with $LASTEXITCODE`: $line" }
    $line | Select-Object -Last 1 | ConvertFrom-Json
}

# A whole process, start to exit, as the scheduler sees it.
function Measure-Process([string[]] $Arguments) {
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $null = & $pwsh @pwshArguments @Arguments
    if ($LASTEXITCODE -ne 0) { throw "pwsh $Arguments exited with $LASTEXITCODE." }
    $clock.Elapsed.TotalMilliseconds
}

try {
    $server = Join-Path $work 'TargetServer'
    Invoke-Native dotnet @('build', (Join-Path $PSScriptRoot '..' 'health' 'TargetServer'), '-c', 'Release', '-o', $server, '--nologo', '-v:q') | Out-Null
    $port = Get-FreeTcpPort
    $target = Start-Process (Join-Path $server 'TargetServer') -ArgumentList 'serve', $port, $DelayMs -PassThru -RedirectStandardOutput (Join-Path $work 'target.out') -RedirectStandardError (Join-Path $work 'target.err')
    $started.Add($target)
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (-not (Test-Connection 127.0.0.1 -TcpPort $port -Quiet -TimeoutSeconds 1)) {
        if ([DateTime]::UtcNow -gt $deadline -or $target.HasExited) { throw "TargetServer did not listen on port $port." }
        Start-Sleep -Milliseconds 100
    }

    $catalog = Join-Path $work 'services.psd1'
    $services = @(0..7 | ForEach-Object { "        @{ Name = 'web-$_'; Kind = 'Http'; Uri = 'http://127.0.0.1:$port/t/$_' }" }) +
        "        @{ Name = 'listener'; Kind = 'Tcp'; Uri = 'tcp://127.0.0.1:$port' }" +
        "        @{ Name = 'resolver'; Kind = 'Dns'; Uri = 'dns://localhost' }"
    Set-Content $catalog "@{`n    Services = @(`n$($services -join "`n")`n    )`n}"
    $env:OPS_STATE_PATH = Join-Path $work 'state'
    $null = Invoke-Run @()

    $cron = Join-Path $work 'scheduled.ps1'
    Set-Content $cron "Import-Module '$ModulePath'; `$null = Test-ServiceHealth -Path '$catalog'"
    $rows = foreach ($round in 1..$Rounds) {
        [pscustomobject]@{
            Bare = Measure-Process @('-NoProfile', '-NonInteractive', '-Command', 'exit 0')
            Scheduled = Measure-Process @('-NoProfile', '-NonInteractive', '-File', $cron)
            Cold = Invoke-Run @()
            AfterPowerShell = Invoke-Run @('-WarmPowerShell')
            Peer = Invoke-Run @('-Peer', 'Microsoft.PowerShell.PSResourceGet')
            PeerAfterPowerShell = Invoke-Run @('-WarmPowerShell', '-Peer', 'Microsoft.PowerShell.PSResourceGet')
        }
    }

    $m = { param([scriptblock] $Selector) Get-Median @($rows | ForEach-Object $Selector) }
    $bare = & $m { $_.Bare }; $scheduled = & $m { $_.Scheduled }
    "PowerShell: $PowerShell"
    "Cold start of a scheduled check, median of $Rounds fresh pwsh each; catalog of 10 services (8 HTTP answering after $DelayMs ms, 1 TCP, 1 DNS); load average $((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ' | Select-Object -First 3)"
    ''
    '| whole process, start to exit | wall ms |'
    '|---|---:|'
    '| pwsh -Command "exit 0" | {0:0} |' -f $bare
    '| pwsh -File: Import-Module OpsAutomation, Test-ServiceHealth -Path (one scheduled run) | {0:0} |' -f $scheduled
    '| what the module adds to the bare pwsh | {0:0} |' -f ($scheduled - $bare)
    ''
    '| part, in a fresh pwsh | wall ms | CPU ms | methods JIT-compiled |'
    '|---|---:|---:|---:|'
    foreach ($part in @(
            @{ Name = 'Import-Module OpsAutomation'; Pick = { $_.Cold.Import } }
            @{ Name = 'Import-Module Microsoft.PowerShell.PSResourceGet (peer)'; Pick = { $_.Peer.Import } }
            @{ Name = 'Import-Module OpsAutomation, after a pipeline of built-in cmdlets'; Pick = { $_.AfterPowerShell.Import } }
            @{ Name = 'Import-Module Microsoft.PowerShell.PSResourceGet, after the same pipeline (peer)'; Pick = { $_.PeerAfterPowerShell.Import } }
            @{ Name = 'first Test-ServiceHealth -Path (10 services)'; Pick = { $_.Cold.First } }
            @{ Name = 'first Test-ServiceHealth -Path, after the same pipeline'; Pick = { $_.AfterPowerShell.First } }
            @{ Name = 'warm Test-ServiceHealth -Path (median of 5 in the same process)'; Pick = { $_.Cold.Warm } }
        )) {
        $parts = @($rows | ForEach-Object $part.Pick)
        '| {0} | {1:0} | {2:0} | {3:0} |' -f $part.Name, (Get-Median $parts.WallMs), (Get-Median $parts.CpuMs), (Get-Median $parts.Jitted)
    }
    ''
    'first check / warm check: {0:0.0}x wall, {1:0.0}x CPU; after a pipeline of built-in cmdlets: {2:0.0}x wall' -f `
        ((& $m { $_.Cold.First.WallMs }) / (& $m { $_.Cold.Warm.WallMs })), ((& $m { $_.Cold.First.CpuMs }) / (& $m { $_.Cold.Warm.CpuMs })),
        ((& $m { $_.AfterPowerShell.First.WallMs }) / (& $m { $_.Cold.Warm.WallMs }))
}
finally {
    foreach ($process in @($started)) { Stop-Started $process $started }
    Remove-Item Env:OPS_STATE_PATH -ErrorAction Ignore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
