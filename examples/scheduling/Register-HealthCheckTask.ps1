#Requires -Version 7.4
#Requires -RunAsAdministrator

<#
.SYNOPSIS
    Registers a Windows scheduled task that runs examples/ci-health-check.ps1 every minute.
.DESCRIPTION
    The task runs pwsh -NoProfile -File examples/ci-health-check.ps1 -Path <catalog> from the
    repository root, every minute, under a service account without a stored password (Network
    Service by default). A run still going when the next minute starts makes that one skip,
    and a run is stopped after 5 minutes. The task's Last Run Result is the run's exit code:
    0 when every service is healthy, non-zero otherwise. Run it again to update the task.
.EXAMPLE
    ./examples/scheduling/Register-HealthCheckTask.ps1 -CatalogPath C:\ops\services.psd1
.EXAMPLE
    ./examples/scheduling/Register-HealthCheckTask.ps1 -CatalogPath C:\ops\services.psd1 -UserId 'NT AUTHORITY\SYSTEM' -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    # The service catalog (psd1, JSON or YAML) to check.
    [Parameter(Mandatory)]
    [string] $CatalogPath,

    # The task's name in Task Scheduler.
    [string] $TaskName = 'OpsAutomation health check',

    # The account the task runs as; a built-in service account needs no password.
    [string] $UserId = 'NT AUTHORITY\NETWORK SERVICE',

    # The repository checkout that holds examples/ci-health-check.ps1.
    [string] $RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path,

    # PowerShell 7 for the task: the first pwsh on PATH by default, else the pwsh running this
    # script (such as the checkout's local tool, started with dotnet pwsh).
    [string] $PwshPath = (Get-Command pwsh -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source ??
        (Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh'))
)

$ErrorActionPreference = 'Stop'

$catalog = (Resolve-Path $CatalogPath).Path
$script = Join-Path $RepositoryRoot 'examples' 'ci-health-check.ps1'
if (-not (Test-Path $script)) { throw "No health-check script at '$script': pass -RepositoryRoot." }

if (-not $PwshPath) { throw 'No pwsh on PATH: pass -PwshPath.' }
$action = New-ScheduledTaskAction -Execute $PwshPath -WorkingDirectory $RepositoryRoot `
    -Argument "-NoProfile -NonInteractive -File `"examples\ci-health-check.ps1`" -Path `"$catalog`""
# No -RepetitionDuration: the task repeats for as long as it exists.
$trigger = New-ScheduledTaskTrigger -Once -At (Get-Date).Date -RepetitionInterval (New-TimeSpan -Minutes 1)
$settings = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -StartWhenAvailable `
    -ExecutionTimeLimit (New-TimeSpan -Minutes 5) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
$principal = New-ScheduledTaskPrincipal -UserId $UserId -LogonType ServiceAccount -RunLevel Limited

if ($PSCmdlet.ShouldProcess($TaskName, "Run '$script -Path $catalog' every minute as $UserId")) {
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings -Principal $principal `
        -Description 'Checks the service catalog with OpsAutomation; Last Run Result is non-zero when a service is unhealthy.' -Force
}
