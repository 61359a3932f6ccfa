#Requires -Version 7.4
#Requires -Modules OpsAutomation

<#
.SYNOPSIS
    One scheduled round of incident response: check, open or join incidents, diagnose, remediate,
    escalate, and write the post-mortems of what resolved.
.DESCRIPTION
    Meant to run every few minutes, unattended. Each run:
      1. checks every service of the catalog and turns the results into incidents (New-Incident
         opens one per failing service, joins it on later runs, and resolves it after
         -ClearRunsToResolve runs whose checks all pass);
      2. collects a diagnostics bundle for every open incident that has none yet (pod status and
         the previous instance's logs, events, rollout history, a health check now);
      3. runs the matching runbook for every incident nobody has acknowledged and no runbook has
         verified yet (-Approve: nobody is there to answer; the runbooks' rate limits stop a loop);
      4. advances escalation: pages the next level when a delay passes or a runbook asked for it,
         acknowledges and resolves everywhere it paged;
      5. writes the Markdown and HTML post-mortem drafts of every incident resolved in the last
         -PostmortemDays days that has none in -OutputPath yet.
    Everything is kept in the state store, so a run that fails half-way is finished by the next.
    It writes one summary object (the incident ids each stage acted on, the post-mortem paths).

    cron (every 5 minutes; the environment holds the escalation policy's secret references):
      */5 * * * * pwsh -NoProfile -NonInteractive -File /opt/ops/examples/incidents/Invoke-IncidentResponse.ps1 -CatalogPath /opt/ops/services.psd1 -OutputPath /var/lib/ops/incidents >> /var/log/ops/incidents.log 2>&1

    Windows Task Scheduler (every 5 minutes, as a service account, whether logged on or not):
      $action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument '-NoProfile -NonInteractive -File C:\ops\examples\incidents\Invoke-IncidentResponse.ps1 -CatalogPath C:\ops\services.psd1 -OutputPath C:\ops\incidents'
      $trigger = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes 5)
      $settings = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Minutes 4)
      Register-ScheduledTask -TaskName 'OpsAutomation incident response' -Action $action -Trigger $trigger -Settings $settings -User 'CONTOSO\svc-ops' -Password $password
.EXAMPLE
    ./examples/incidents/Invoke-IncidentResponse.ps1 -CatalogPath ./examples/services.psd1 -OutputPath ./incidents -Namespace shop
.EXAMPLE
    ./examples/incidents/Invoke-IncidentResponse.ps1 -CatalogPath ./services.psd1 -OutputPath ./incidents -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    # The service catalog: what is checked, and what a runbook's Verify checks.
    [Parameter(Mandatory)] [string] $CatalogPath,
    [string] $RunbookPath = (Join-Path $PSScriptRoot 'runbooks.psd1'),
    [string] $EscalationPath = (Join-Path $PSScriptRoot 'escalation.psd1'),
    # Where the diagnostics bundles (diagnostics/) and the post-mortems (postmortems/) go.
    [Parameter(Mandatory)] [string] $OutputPath,
    # The cluster the runbooks act on (default: the current kubeconfig context; diagnostics take the catalog's).
    [string] $Kubeconfig,
    [string] $Namespace,
    [ValidateRange(1, 1000)] [int] $ClearRunsToResolve = 3,
    [ValidateRange(1, 365)] [int] $PostmortemDays = 7,
    # The module's state store (default: the settings' StatePath).
    [string] $StatePath
)

$ErrorActionPreference = 'Stop'
$state = if ($StatePath) { @{ StatePath = $StatePath } } else { @{} }
$cluster = @{}
if ($Kubeconfig) { $cluster.Kubeconfig = $Kubeconfig }
if ($Namespace) { $cluster.Namespace = $Namespace }
$started = [DateTimeOffset]::UtcNow
$summary = [ordered]@{ Opened = @(); Diagnosed = @(); Remediated = @(); Escalated = @(); Resolved = @(); Postmortems = @() }

# 1. Check and correlate: one incident per failing service, joined by later runs, resolved when clear.
$incidents = @(Test-ServiceHealth -Path $CatalogPath @state | New-Incident -CatalogPath $CatalogPath -ClearRunsToResolve $ClearRunsToResolve @state)
$summary.Opened = @($incidents | Where-Object { $_.OpenedAt -ge $started } | ForEach-Object Id)
$open = @(Get-Incident -Open @state)

# 2. Diagnose what has no bundle yet. A source that fails is recorded in the bundle; one incident's
#    failure does not stop the others.
foreach ($incident in $open | Where-Object { -not ($_.Timeline | Where-Object Kind -EQ Diagnostics) }) {
    $bundle = $incident | Save-IncidentDiagnostics -CatalogPath $CatalogPath -OutputPath (Join-Path $OutputPath 'diagnostics') @state `
        -ErrorAction Continue -WarningAction SilentlyContinue
    if ($bundle.Attached) { $summary.Diagnosed += $incident.Id }
}

# 3. Remediate what nobody has taken and no runbook has fixed yet. A run that fails or does not
#    verify marks the incident for escalation (step 4 pages at once).
$untaken = $open | Where-Object State -EQ Triggered |
    Where-Object { -not ($_.Timeline | Where-Object { $_.Kind -eq 'Verification' -and $_.Details['verified'] -eq 'true' }) }
foreach ($incident in $untaken) {
    $run = $incident | Invoke-IncidentRunbook -Path $RunbookPath -CatalogPath $CatalogPath -Approve @cluster @state -ErrorAction Continue -WarningAction Continue
    if ($run) { $summary.Remediated += $run.IncidentId }
}

# 4. Escalate, acknowledge and resolve on every channel of the policies (all open incidents, and
#    what a channel still owes).
$escalations = @(Invoke-IncidentEscalation -Path $EscalationPath @state -ErrorAction Continue)
$summary.Escalated = @($escalations | Where-Object Action -EQ Escalated | ForEach-Object Id)
$summary.Resolved = @($escalations | Where-Object Action -EQ Resolved | ForEach-Object Id)

# 5. Post-mortem drafts of the incidents resolved lately that have none yet.
$postmortems = Join-Path $OutputPath 'postmortems'
Get-Incident -State Resolved -Since ([DateTime]::UtcNow.AddDays(-$PostmortemDays)) @state |
    Where-Object { -not (Test-Path (Join-Path $postmortems "postmortem-$($_.Id).md")) } |
    ForEach-Object {
        $written = $_ | Export-IncidentPostmortem -OutputPath $postmortems @state
        $summary.Postmortems += @($written | ForEach-Object Path)
    }

[pscustomobject] $summary
