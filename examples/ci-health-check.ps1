#Requires -Version 7.4
<#
.SYNOPSIS
    One health check run for CI pipelines and schedulers: exit 0 when every service passes,
    1 with a summary on standard error when any fails.
.DESCRIPTION
    Checks every service of the catalog (history, circuit breakers and logs are kept in the
    state directory, so runs every minute share them), sends alerts through the catalog's
    Alerting channels when it has any, and prints either the table or, with -Json, the report
    as JSON on standard output for machines. Then Assert-ServiceHealth fails the run when a
    service is Unhealthy, Unreachable or has its circuit open (and Degraded with
    -FailOnDegraded); under pwsh -File that terminating error is exit code 1.
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
if (-not (Get-Module OpsAutomation)) {
    # Installed in PSModulePath, or built in this checkout by ./build.ps1 Build.
    $built = Get-ChildItem (Join-Path $PSScriptRoot '..' 'output' 'OpsAutomation') -Filter OpsAutomation.psd1 -Recurse -ErrorAction Ignore |
        Select-Object -First 1
    Import-Module ($built ? $built.FullName : 'OpsAutomation')
}

$results = @(Test-ServiceHealth -Path $Path)
if ((Import-PowerShellDataFile -Path $Path -ErrorAction Ignore).Alerting) {
    $alerts = @($results | Send-HealthAlert -Path $Path -ErrorAction Continue)
    $alerts | Where-Object Changed | ForEach-Object { Write-Information "Alert $($_.State): $($_.Name)" -InformationAction Continue }
}

if ($Json) { $results | New-HealthReport -Format Json }
else { $results | Sort-Object Name | Format-Table -AutoSize | Out-String -Width 220 }

$results | Assert-ServiceHealth -FailOnDegraded:$FailOnDegraded
