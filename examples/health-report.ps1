#Requires -Version 7.4
#Requires -Modules OpsAutomation
<#
.SYNOPSIS
    Checks every service of a catalog and prints a health report.
.DESCRIPTION
    Starts a small local HTTP endpoint (so a bare machine has one healthy HTTP row), checks
    every service of the catalog concurrently, and prints one row per service with its status
    and reason, then a summary. With -OutputPath it also writes the report as Markdown. With
    -FailOnUnhealthy it exits 1 when any service is Unhealthy or Unreachable, for CI and cron.
.EXAMPLE
    ./examples/health-report.ps1 -Path ./examples/services.psd1
.EXAMPLE
    $env:ELASTICSEARCH_URL = 'https://es.prod.internal:9200'; ./examples/health-report.ps1 -Path ./examples/services.psd1 -FailOnUnhealthy
#>
[CmdletBinding()]
param(
    [string] $Path = (Join-Path $PSScriptRoot 'services.psd1'),
    [string] $OutputPath,
    [switch] $FailOnUnhealthy
)

$ErrorActionPreference = 'Stop'

# A tiny endpoint of our own on a free loopback port, answered from a thread job.
$probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
$listener = [System.Net.HttpListener]::new()
$listener.Prefixes.Add("http://127.0.0.1:$port/")
$listener.Start()
$server = Start-ThreadJob -ArgumentList $listener -ScriptBlock {
    param($listener)
    while ($listener.IsListening) {
        try { $context = $listener.GetContext() } catch { break }
        $body = [System.Text.Encoding]::UTF8.GetBytes('ok')
        $context.Response.ContentType = 'text/plain'
        $context.Response.OutputStream.Write($body, 0, $body.Length)
        $context.Response.Close()
    }
}
$env:OPS_EXAMPLE_URL = "http://127.0.0.1:$port"

try {
    $results = @(Test-ServiceHealth -Path $Path | Sort-Object Name)
}
finally {
    $listener.Stop()
    $server | Wait-Job -Timeout 5 | Remove-Job -Force
}

$results | Format-Table -AutoSize | Out-String -Width 200 | Write-Output
$counts = $results | Group-Object Status -NoElement | ForEach-Object { "$($_.Count) $($_.Name)" }
"Summary: $($results.Count) services: $($counts -join ', ')"

if ($OutputPath) {
    $lines = @('# Health report', '', "Run $($results[0].RunId) at $([DateTimeOffset]::UtcNow.ToString('u'))", '',
        "Summary: $($counts -join ', ')", '', '| Service | Kind | Status | Code | Time (ms) | Reason |', '|---|---|---|---|---|---|')
    $lines += $results | ForEach-Object { "| $($_.Name) | $($_.Kind) | $($_.Status) | $($_.StatusCode) | $($_.ResponseTimeMs) | $($_.Error -replace '\|', '\|') |" }
    $temporary = "$OutputPath.tmp"
    Set-Content -Path $temporary -Value $lines
    Move-Item $temporary $OutputPath -Force
    "Report written to $OutputPath"
}

if ($FailOnUnhealthy -and ($results.Status -contains 'Unhealthy' -or $results.Status -contains 'Unreachable')) { exit 1 }
