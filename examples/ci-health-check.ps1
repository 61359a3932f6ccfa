#Requires -Version 7.4

<#
.SYNOPSIS
    One health check run for CI pipelines and schedulers: exit 0 when every service passes,
    1 with a summary on standard error when any fails.
.DESCRIPTION
    Checks every service of the catalog (history, circuit breakers and logs are kept in the
    state directory, so runs every minute share them), sends alerts through the catalog's
    Alerting channels when it has any (psd1, JSON or YAML), and prints either the table or, with
    -Json, the report as one JSON document on standard output for machines. Then
    Assert-ServiceHealth judges the results: a service that is Unhealthy, Unreachable or has its
    circuit open (and Degraded with -FailOnDegraded) fails the run with exit code 1. The
    summary, alert changes and errors go to standard error as plain text.
    examples/scheduling/ runs it from cron, systemd and the Windows Task Scheduler.
.EXAMPLE
    pwsh -NoProfile -File examples/ci-health-check.ps1 -Path examples/services.psd1
.EXAMPLE
    pwsh -NoProfile -File examples/ci-health-check.ps1 -Path app.psd1 -Json > health.json
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [switch] $Json,
    [switch] $FailOnDegraded
)

$ErrorActionPreference = 'Stop'
# Standard output carries the data only (the JSON report or the table); everything said to a
# person goes to standard error as plain text, so `-Json > health.json` is always one document.
$PSStyle.OutputRendering = 'PlainText'
$ProgressPreference = 'SilentlyContinue'
function Write-Note([string] $Text) { [Console]::Error.WriteLine($Text) }

if (-not (Get-Module OpsAutomation)) {
    # Installed in PSModulePath, or built in this checkout by ./build.ps1 Build.
    $built = Get-ChildItem (Join-Path $PSScriptRoot '..' 'output' 'OpsAutomation') -Filter OpsAutomation.psd1 -Recurse -ErrorAction Ignore |
        Select-Object -First 1
    Import-Module ($built ? $built.FullName : 'OpsAutomation')
}

$results = @(Test-ServiceHealth -Path $Path)

# Send-HealthAlert reads the catalog (psd1, JSON or YAML) with the module's own reader; a catalog
# without alert channels is NoAlertChannel, which here only means that nothing is to be sent.
# A channel that fails is a NotificationFailed error on standard error, and the run goes on.
try {
    $alerts = @($results | Send-HealthAlert -Path $Path -ErrorAction Continue)
    $alerts | Where-Object Changed | ForEach-Object { Write-Note "Alert $($_.State): $($_.Name)" }
}
catch {
    if ($_.FullyQualifiedErrorId -notlike 'NoAlertChannel,*') { throw }
}

if ($Json) { $results | New-HealthReport -Format Json }
else { $results | Sort-Object Name | Format-Table -AutoSize | Out-String -Width 220 }

try {
    $results | Assert-ServiceHealth -FailOnDegraded:$FailOnDegraded
    Write-Note "All $($results.Count) services pass."
}
catch {
    if ($_.FullyQualifiedErrorId -notlike 'ServiceUnhealthy,*') { throw }
    Write-Note $_.Exception.Message
    exit 1
}
