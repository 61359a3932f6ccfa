#Requires -Version 7.4
<#
.SYNOPSIS
    One scheduled run in this fresh pwsh, taken apart: Import-Module, the first Test-ServiceHealth of
    a catalog, then warm checks of the same catalog. Prints one JSON line of wall and CPU milliseconds
    and JIT-compiled method counts per part. Started by Measure-ColdStart.ps1.
.PARAMETER WarmPowerShell
    First runs a pipeline of built-in cmdlets, so what PowerShell compiles on its own first use of the
    module and pipeline machinery is paid before the parts are timed, leaving what is the module's.
.PARAMETER Peer
    Imports this module instead (a binary module shipped with PowerShell) and times only its import.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $CatalogPath,
    [int] $WarmChecks = 5,
    [switch] $WarmPowerShell,
    [string] $Peer
)
$ErrorActionPreference = 'Stop'
$process = [System.Diagnostics.Process]::GetCurrentProcess()

function Measure-Part([scriptblock] $Script) {
    $process.Refresh()
    $cpu = $process.TotalProcessorTime
    $jit = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $output = & $Script
    $wall = $clock.Elapsed.TotalMilliseconds
    $process.Refresh()
    [pscustomobject]@{
        WallMs = [math]::Round($wall, 1)
        CpuMs = [math]::Round(($process.TotalProcessorTime - $cpu).TotalMilliseconds, 1)
        Jitted = [System.Runtime.JitInfo]::GetCompiledMethodCount($false) - $jit
        Output = $output
    }
}

if ($WarmPowerShell) { $null = Get-ChildItem $PSHOME -Filter *.json | Select-Object Name, Length | Sort-Object Name | ConvertTo-Json | Out-String }
if ($Peer) {
    $import = Measure-Part { Import-Module $Peer }
    [pscustomobject]@{ Import = $import | Select-Object WallMs, CpuMs, Jitted } | ConvertTo-Json -Compress
    return
}
$import = Measure-Part { Import-Module $ModulePath }
$check = { $results = @(Test-ServiceHealth -Path $CatalogPath); if (@($results | Where-Object Status -EQ Healthy).Count -ne 10) { throw "Not all 10 services were Healthy: $($results | Out-String)" } }
$first = Measure-Part $check
$warm = @(1..$WarmChecks | ForEach-Object { Measure-Part $check } | Sort-Object WallMs)[[int][math]::Floor($WarmChecks / 2)]
[pscustomobject]@{
    Import = $import | Select-Object WallMs, CpuMs, Jitted
    First = $first | Select-Object WallMs, CpuMs, Jitted
    Warm = $warm | Select-Object WallMs, CpuMs, Jitted
} | ConvertTo-Json -Compress
