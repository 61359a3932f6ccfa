#Requires -Version 7.4
#Requires -Modules OpsAutomation

<#
.SYNOPSIS
    Checks every service of a catalog and writes the health report.
.DESCRIPTION
    Starts a small local HTTP endpoint (so a bare machine has one healthy HTTP row), checks
    every service of the catalog concurrently, prints one row per service with its status and
    reason and a summary. With -OutputPath it also writes the full report (summary, failing
    details, 24-hour trends and SLO figures from the history): Markdown for .md, a self-contained
    HTML page for .html, JSON for .json. With -FailOnUnhealthy it ends with a terminating error
    (exit 1 under pwsh -File) when any service fails, for CI and cron.
.EXAMPLE
    ./examples/health-report.ps1 -Path ./examples/services.psd1 -OutputPath ./health.html
.EXAMPLE
    $env:ELASTICSEARCH_URL = 'https://es.prod.internal:9200'; ./examples/health-report.ps1 -FailOnUnhealthy
#>
[CmdletBinding()]
param(
    [string] $Path = (Join-Path $PSScriptRoot 'services.psd1'),
    [string] $OutputPath,
    [double] $SloTarget = 99.9,
    [switch] $FailOnUnhealthy
)

$ErrorActionPreference = 'Stop'

# A tiny JSON endpoint of our own on a free loopback port, answered from a thread job.
$probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
$listener = [System.Net.HttpListener]::new()
$listener.Prefixes.Add("http://127.0.0.1:$port/")
$listener.Start()
$server = Start-ThreadJob -ArgumentList $listener -ScriptBlock {
    param($listener)
    while ($listener.IsListening) {
        try { $context = $listener.GetContext() } catch { break }
        $body = [System.Text.Encoding]::UTF8.GetBytes('{"status":"ok"}')
        $context.Response.ContentType = 'application/json'
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

$results | Format-Table -AutoSize | Out-String -Width 220 | Write-Output
$counts = $results | Group-Object Status -NoElement | ForEach-Object { "$($_.Count) $($_.Name)" }
"Summary: $($results.Count) results: $($counts -join ', ')"

if ($OutputPath) {
    $format = switch -Regex ([System.IO.Path]::GetExtension($OutputPath)) {
        '^\.html?$' { 'Html' }
        '^\.json$' { 'Json' }
        default { 'Markdown' }
    }
    $file = $results | New-HealthReport -Format $format -OutputPath $OutputPath -Title 'Application health' `
        -Window (New-TimeSpan -Hours 24) -SloTarget $SloTarget -WarningAction SilentlyContinue
    "Report written to $($file.FullName)"
}

if ($FailOnUnhealthy) { $results | Assert-ServiceHealth }
