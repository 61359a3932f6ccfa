#Requires -Version 7.4
<#
.SYNOPSIS
    The serving side of Invoke-ExpositionBench.ps1: fills the module's registry with -Series
    counter series, writes the same registry as a textfile-collector file for node_exporter,
    serves it with Start-MetricsServer -ExcludeSystemMetrics, and then answers commands on
    standard input: 'alloc' prints the bytes this process has allocated so far, 'exit' stops.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $TextFileDirectory,
    [int] $Series = 10000
)
$ErrorActionPreference = 'Stop'
Import-Module (Resolve-Path $ModulePath).Path

# 100 routes x 100 status codes: label values of realistic length, one counter family.
New-Metric bench_http_requests_total Counter -Help 'Requests served, by route and status code.' -LabelName route, code -MaxSeries $Series | Out-Null
$routes = [Math]::Ceiling($Series / 100)
for ($i = 0; $i -lt $Series; $i++) {
    Update-Metric bench_http_requests_total -Label @{ route = "/api/v1/orders/$([int][Math]::Floor($i / 100))"; code = [string](200 + $i % 100) } -Increment ($i + 1)
}
Export-MetricTextFile -Path (Join-Path $TextFileDirectory 'bench.prom') | Out-Null
$server = Start-MetricsServer -Port $Port -ExcludeSystemMetrics
[Console]::Out.WriteLine("ready $($server.Address) $routes")
[Console]::Out.Flush()
while ($null -ne ($line = [Console]::In.ReadLine())) {
    switch ($line) {
        'alloc' { [Console]::Out.WriteLine([GC]::GetTotalAllocatedBytes($true)); [Console]::Out.Flush() }
        'exit' { $server | Stop-MetricsServer | Out-Null; return }
    }
}
