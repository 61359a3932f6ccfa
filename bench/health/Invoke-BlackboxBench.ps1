#Requires -Version 7.4
<#
.SYNOPSIS
    1,000 HTTP targets on a loopback Kestrel server answering in about 20 ms: Test-ServiceHealth
    against Prometheus blackbox_exporter probing the same targets with the same concurrency, in one
    run. Prints Markdown tables of median seconds, the ratio blackbox/ours, peak RSS and the CPU
    time each process spent per round.
.DESCRIPTION
    Installs prometheus-blackbox-exporter with apt-get when missing, builds TargetServer/ (the
    targets and the blackbox driver), starts the target server and, per throttle, one
    blackbox_exporter on free 127.0.0.1 ports with their files in a temporary folder, and stops
    every process it started by PID. Each side runs a warm-up round and then Rounds measured rounds
    in its own process: Test-ServiceHealth in a fresh pwsh (Measure-TestServiceHealth.ps1), the
    blackbox driver in TargetServer's probe mode. Any round where not every target is healthy fails
    the run.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Targets = 1000,
    [int[]] $Throttle = @(64, 256),
    [int] $Rounds = 5,
    [int] $DelayMs = 20
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$ModulePath = (Resolve-Path $ModulePath).Path


function Install-Blackbox {
    if (Get-Command prometheus-blackbox-exporter -ErrorAction Ignore) { return }
    if (-not $IsLinux -or -not (Test-Path /usr/bin/apt-get)) { throw 'prometheus-blackbox-exporter is missing and there is no apt-get to install it.' }
    Write-Host 'Installing Debian package prometheus-blackbox-exporter'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq') | Out-Null
    Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'prometheus-blackbox-exporter') | Out-Null
}


function Start-Logged([string] $Name, [string] $FilePath, [string[]] $ArgumentList, [string] $ReadyUrl) {
    $log = Join-Path $script:work "$Name.log"
    $process = Start-Process -FilePath $FilePath -ArgumentList $ArgumentList -PassThru -RedirectStandardError $log -RedirectStandardOutput (Join-Path $script:work "$Name.out")
    $script:started.Add($process)
    $client = [System.Net.Http.HttpClient]::new()
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ([DateTime]::UtcNow -lt $deadline) {
            if ($process.HasExited) { throw "$Name exited with $($process.ExitCode) while starting: $(Get-Content $log -Tail 20 -ErrorAction Ignore)" }
            try { if ($client.GetAsync($ReadyUrl).GetAwaiter().GetResult().IsSuccessStatusCode) { return $process } }
            catch [System.Net.Http.HttpRequestException] { }
            Start-Sleep -Milliseconds 100
        }
        throw "$Name did not answer $ReadyUrl within 30 s: $(Get-Content $log -Tail 20 -ErrorAction Ignore)"
    }
    finally { $client.Dispose() }
}


function Get-PeakRssMiB([int] $ProcessId) {
    $line = Select-String -Path "/proc/$ProcessId/status" -Pattern '^VmHWM:\s+(\d+) kB' | Select-Object -First 1
    [math]::Round([long] $line.Matches[0].Groups[1].Value / 1024, 1)
}

function Get-CpuSeconds([System.Diagnostics.Process] $Process) {
    $Process.Refresh()
    $Process.TotalProcessorTime.TotalSeconds
}

# Median of the measured rounds; the first round of each process is its warm-up.
function Get-Median([double[]] $Seconds) {
    $measured = @($Seconds | Select-Object -Skip 1 | Sort-Object)
    $middle = [int][math]::Floor($measured.Count / 2)
    $measured.Count % 2 ? $measured[$middle] : ($measured[$middle - 1] + $measured[$middle]) / 2
}

Install-Blackbox
$project = Join-Path $PSScriptRoot 'TargetServer'
Invoke-Native dotnet @('build', $project, '-c', 'Release', '--nologo', '-v:q') | Out-Null
$targetServerDll = Join-Path $project 'bin' 'Release' 'net10.0' 'TargetServer.dll'

$work = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-blackbox-bench-$PID") -Force
$started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$stateBefore = $env:OPS_STATE_PATH
try {
    $targetPort = Get-FreeTcpPort
    $targetServer = Start-Logged 'target-server' dotnet @($targetServerDll, 'serve', $targetPort, $DelayMs) "http://127.0.0.1:$targetPort/t/0"
    $urlFile = Join-Path $work 'urls.txt'
    Set-Content $urlFile (0..($Targets - 1) | ForEach-Object { "http://127.0.0.1:$targetPort/t/$_" })

    $config = Join-Path $work 'blackbox.yml'
    Set-Content $config "modules:`n  http_2xx:`n    prober: http`n    timeout: 5s`n    http:`n      preferred_ip_protocol: ip4`n"
    # Test-ServiceHealth keeps its log in the state folder: a temporary one, not the user's.
    $env:OPS_STATE_PATH = New-Item -ItemType Directory (Join-Path $work 'state') -Force

    $rows = foreach ($limit in $Throttle) {
        $targetCpu = Get-CpuSeconds $targetServer
        $ours = Invoke-Native $pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Measure-TestServiceHealth.ps1'),
            '-ModulePath', $ModulePath, '-UrlFile', $urlFile, '-Throttle', $limit, '-Rounds', ($Rounds + 1)) | Select-Object -Last 1 | ConvertFrom-Json
        $targetCpuOurs = (Get-CpuSeconds $targetServer) - $targetCpu

        $exporterPort = Get-FreeTcpPort
        $exporter = Start-Logged "blackbox-$limit" (Get-Command prometheus-blackbox-exporter).Source `
            @("--config.file=$config", "--web.listen-address=127.0.0.1:$exporterPort") "http://127.0.0.1:$exporterPort/-/healthy"
        try {
            $targetCpu = Get-CpuSeconds $targetServer
            $peer = Invoke-Native dotnet @($targetServerDll, 'probe', "http://127.0.0.1:$exporterPort/", $urlFile, $limit, ($Rounds + 1)) | Select-Object -Last 1 | ConvertFrom-Json
            $targetCpuPeer = (Get-CpuSeconds $targetServer) - $targetCpu
            $exporterCpu = Get-CpuSeconds $exporter
            $exporterPeak = Get-PeakRssMiB $exporter.Id
        }
        finally { Stop-Started $exporter $started }

        [pscustomobject]@{
            Throttle = $limit; Ours = Get-Median $ours.Seconds; Blackbox = Get-Median $peer.Seconds
            OursRounds = $ours.Seconds; BlackboxRounds = $peer.Seconds
            PwshImported = $ours.ImportedRssMiB; PwshPeak = $ours.PeakRssMiB; ExporterPeak = $exporterPeak; DriverPeak = $peer.PeakRssMiB
            PwshCpu = $ours.CpuSeconds; TargetCpuOurs = $targetCpuOurs; ExporterCpu = $exporterCpu; DriverCpu = $peer.CpuSeconds; TargetCpuPeer = $targetCpuPeer
        }
    }
    $targetPeak = Get-PeakRssMiB $targetServer.Id

    "$Targets targets, ~$DelayMs ms each, median of $Rounds rounds after a warm-up:"
    ''
    '| throttle | Test-ServiceHealth s | blackbox_exporter s | blackbox / ours | pwsh peak RSS MiB (after import) | blackbox_exporter peak RSS MiB | driver peak RSS MiB |'
    '|---|---|---|---|---|---|---|'
    foreach ($row in $rows) {
        '| {0} | {1:0.000} | {2:0.000} | {3:0.00} | {4:0} ({5:0}) | {6:0} | {7:0} |' -f $row.Throttle, $row.Ours, $row.Blackbox, ($row.Blackbox / $row.Ours),
            $row.PwshPeak, $row.PwshImported, $row.ExporterPeak, $row.DriverPeak
    }
    ''
    'CPU seconds per round (all rounds, warm-up included, divided by {0}):' -f ($Rounds + 1)
    ''
    '| throttle | Test-ServiceHealth: pwsh | its target server | blackbox: exporter | its driver | its target server |'
    '|---|---|---|---|---|---|'
    foreach ($row in $rows) {
        '| {0} | {1:0.00} | {2:0.00} | {3:0.00} | {4:0.00} | {5:0.00} |' -f $row.Throttle, ($row.PwshCpu / ($Rounds + 1)), ($row.TargetCpuOurs / ($Rounds + 1)),
            ($row.ExporterCpu / ($Rounds + 1)), ($row.DriverCpu / ($Rounds + 1)), ($row.TargetCpuPeer / ($Rounds + 1))
    }
    ''
    'Target server peak RSS: {0:0} MiB. Every round, warm-up first:' -f $targetPeak
    foreach ($row in $rows) {
        '- throttle {0}: Test-ServiceHealth {1}; blackbox_exporter {2}' -f $row.Throttle,
            (($row.OursRounds | ForEach-Object { $_.ToString('0.000') }) -join ' '), (($row.BlackboxRounds | ForEach-Object { $_.ToString('0.000') }) -join ' ')
    }
}
finally {
    foreach ($process in @($started)) { Stop-Started $process $started }
    $env:OPS_STATE_PATH = $stateBefore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
