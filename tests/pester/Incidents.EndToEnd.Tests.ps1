#Requires -Version 7.4
# Incident response end to end, as a person or a scheduled task scripts it: a Deployment on the
# Kubernetes sandbox (its clock 30 times real time) updated to a version that crash-loops is found
# by Test-ServiceHealth | New-Incident, diagnosed with its previous instance's logs, rolled back by a
# runbook and verified, paged on the PagerDuty stand-in and the real Alertmanager, acknowledged,
# resolved once its checks pass, resolved everywhere it was paged, and written up as a post-mortem
# whose timeline tells the whole story. Then examples/incidents/Invoke-IncidentResponse.ps1 does the
# same as one scheduled run. ./build.ps1 Test starts Alertmanager (OPS_TEST_ALERTMANAGER_URL).

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    if (-not $env:OPS_TEST_ALERTMANAGER_URL) { throw 'OPS_TEST_ALERTMANAGER_URL is not set: run through ./build.ps1 Test, which starts Alertmanager.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Speed 30
    $script:Kubeconfig = $Sandbox.Kubeconfig
    $script:PagerDuty = Start-TestStandIn -Name pagerduty
    $script:Alertmanager = $env:OPS_TEST_ALERTMANAGER_URL.TrimEnd('/')
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $env:OPS_E2E_PD_ROUTING_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'

    function kube { $input | & kubectl --kubeconfig $Kubeconfig @args }

    # Deployment 'web' at sample:1 (Recreate: a bad version takes the service down), ready; then
    # sample:2 told to exit at once with code 3 (revision 2), until its container has restarted. The bad
    # version also fails its readiness probe, so it is never available between two crashes: a check
    # finds it Unhealthy whenever it runs, never Degraded for the moment a restarted container is up.
    function New-CrashingWorkload([string] $Namespace) {
        kube create namespace $Namespace | Out-Null
        $manifest = {
            param($Image, $Env)
            @"
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: $Namespace, labels: { app: web } }
spec:
  replicas: 1
  strategy: { type: Recreate }
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: app
        image: $Image
        ports: [{ containerPort: 8080 }]
        readinessProbe: { httpGet: { path: /readyz, port: 8080 }, periodSeconds: 1, failureThreshold: 1 }
        env: [$Env]
"@
        }
        & $manifest 'sample:1' '' | kube apply -f - | Out-Null
        kube rollout status deployment/web -n $Namespace --timeout=60s | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "The good version of web in $Namespace did not become ready." }
        & $manifest 'sample:2' '{ name: CRASH_AFTER_SECONDS, value: "0" }, { name: EXIT_CODE, value: "3" }, { name: READINESS_FAIL, value: "true" }' | kube apply -f - | Out-Null
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            Start-Sleep -Milliseconds 200
            $restarts = kube get pods -n $Namespace -l app=web -o 'jsonpath={.items[?(@.spec.containers[0].image=="sample:2")].status.containerStatuses[0].restartCount}'
        } until (([int]"0$restarts") -ge 1 -or [DateTime]::UtcNow -gt $deadline)
        if ([int]"0$restarts" -lt 1) { throw "The crashing version of web in $Namespace never restarted." }
    }

    # The catalog (web: the Deployments of the namespace), the runbook (roll back, verify web in the
    # catalog twice in a row) and the escalation policy (PagerDuty and Alertmanager at once) of one run.
    function New-ResponseFiles([string] $Namespace, [string] $Folder) {
        $null = New-Item -ItemType Directory $Folder -Force
        $files = [pscustomobject]@{
            Catalog    = Join-Path $Folder 'services.psd1'
            Runbooks   = Join-Path $Folder 'runbooks.psd1'
            Escalation = Join-Path $Folder 'escalation.psd1'
            Policy     = "e2e-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        }
        Set-Content $files.Catalog "@{ Services = @( @{ Name = 'web'; Kind = 'KubernetesWorkload'; Namespace = '$Namespace'; Kubeconfig = '$Kubeconfig'; LabelSelector = 'app=web'; Severity = 'Error' } ) }"
        Set-Content $files.Runbooks @"
@{
    Runbooks = @(
        @{
            Name   = 'web-crashloop'
            Match  = @{ Service = 'web*'; Severity = 'Error' }
            Steps  = @( @{ Name = 'rollback'; Action = 'RollbackDeployment'; Deployment = 'web'; TimeoutSec = 60 } )
            Verify = @{ SuccessCount = 2; IntervalSec = 0.2; WindowSec = 60 }
        }
    )
}
"@
        Set-Content $files.Escalation @"
@{
    ReportUrl  = 'https://ops.example.com/incidents/{id}'
    RetryAfter = '0s'
    Policies   = @(
        @{
            Name    = '$($files.Policy)'
            Service = 'web*'
            Levels  = @(
                @{ Delay = '0s'; Channels = @( @{ Type = 'PagerDuty'; RoutingKey = 'env:OPS_E2E_PD_ROUTING_KEY'; Uri = '$($PagerDuty.Url)/v2/enqueue' }
                                               @{ Type = 'Alertmanager'; Uri = '$Alertmanager' } ) }
                @{ Delay = '1h'; Channels = @( @{ Type = 'PagerDuty'; RoutingKey = 'env:OPS_E2E_PD_ROUTING_KEY'; Uri = '$($PagerDuty.Url)/v2/enqueue' } ) }
            )
        }
    )
}
"@
        $files
    }

    function Get-DedupKey($Incident) { "opsautomation/incident/$($Incident.Id)/$($Incident.OpenedAt.ToUnixTimeMilliseconds())" }
    # Invoke-RestMethod writes a JSON array as one object: a variable enumerates it.
    function Get-PagerDutyAlert([string] $DedupKey) { $all = Invoke-RestMethod "$($PagerDuty.Url)/test/alerts"; $all | Where-Object DedupKey -EQ $DedupKey }
    function Get-PagerDutyEvent([string] $DedupKey) { $all = Invoke-RestMethod "$($PagerDuty.Url)/test/events"; @($all | Where-Object dedup_key -EQ $DedupKey) }
    function Get-AlertmanagerAlert([string] $Policy) {
        $filter = [uri]::EscapeDataString("policy=`"$Policy`"")
        $all = Invoke-RestMethod "$Alertmanager/api/v2/alerts?filter=$filter"
        @($all | Where-Object { $_ })
    }
}

AfterAll {
    Remove-Item env:OPS_E2E_PD_ROUTING_KEY -ErrorAction Ignore
    if ($PagerDuty) {
        # The module never sent PagerDuty an event that breaks the Events API v2 rules.
        $rejections = Invoke-RestMethod "$($PagerDuty.Url)/test/rejections"
        Stop-TestStandIn $PagerDuty
        $rejections | Should -BeNullOrEmpty
    }
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
}

Describe 'A crash-looping Deployment, from detection to post-mortem' {
    BeforeAll {
        $script:Ns = 'e2e-crash'
        New-CrashingWorkload $Ns
        $script:Files = New-ResponseFiles $Ns (Join-Path $TestDrive 'config')
        $script:State = Join-Path $TestDrive 'state'
        $script:Check = @{ Path = $Files.Catalog; StatePath = $State }
        $script:Open = @{ CatalogPath = $Files.Catalog; ClearRunsToResolve = 2; StatePath = $State }
    }

    It 'is detected: Test-ServiceHealth | New-Incident opens one Triggered incident for the workload' {
        $results = Test-ServiceHealth @Check
        $web = $results | Where-Object Name -Like 'web*'
        $web.Status | Should -Be 'Unhealthy' -Because $web.Error

        $incidents = @($results | New-Incident @Open)

        $incidents | Should -HaveCount 1
        $script:Incident = $incidents[0]
        $Incident.State | Should -Be 'Triggered'
        $Incident.Service | Should -Be 'web/deployment/web'
        $Incident.Severity | Should -Be 'Error'
        @($Incident.Timeline | Where-Object Kind -EQ Detected) | Should -HaveCount 1
        # The next scheduled run, still failing, joins it instead of opening another.
        $again = @(Test-ServiceHealth @Check | New-Incident @Open)
        $again.Id | Should -Be $Incident.Id
        @(Get-Incident -Open -StatePath $State) | Should -HaveCount 1
    }

    It 'is diagnosed: the bundle holds the previous instance''s log lines and is on the timeline' {
        # The incident's service is the workload's result name, web/deployment/web: the catalog's web gives the cluster, namespace and workload.
        $bundle = $Incident | Save-IncidentDiagnostics -CatalogPath $Files.Catalog -StatePath $State -OutputPath (Join-Path $TestDrive 'bundles') -WarningVariable warned
        $warned | Should -BeNullOrEmpty

        $bundle.IncidentId | Should -Be $Incident.Id
        $bundle.Attached | Should -BeTrue
        foreach ($source in 'pod-status', 'pod-logs', 'events', 'rollout-history', 'health-check') { ($bundle.Sources | Where-Object Name -EQ $source).Status | Should -Be 'Succeeded' -Because $source }
        $logs = Get-Content (Join-Path $bundle.Path 'pod-logs.txt') -Raw
        $logs | Should -Match 'previous instance, before the last restart'
        $logs | Should -Match ([regex]::Escape('crashing as told (CRASH_AFTER_SECONDS): exit code 3'))
        Get-Content (Join-Path $bundle.Path 'summary.md') -Raw | Should -Match 'container app: \d+ restart'
        $entry = (Get-Incident -Id $Incident.Id -StatePath $State).Timeline | Where-Object Kind -EQ Diagnostics
        $entry | Should -HaveCount 1
        $entry.Details['path'] | Should -Be $bundle.Path
    }

    It 'is remediated: the runbook rolls web back to its good revision and verifies it through the catalog' {
        $run = $Incident | Invoke-IncidentRunbook -Path $Files.Runbooks -CatalogPath $Files.Catalog -Kubeconfig $Kubeconfig -Namespace $Ns -StatePath $State -Approve

        $run.IncidentId | Should -Be $Incident.Id
        $run.Runbook | Should -Be 'web-crashloop'
        $run.Steps | Should -HaveCount 1
        $run.Steps[0].Outcome | Should -Be 'Succeeded' -Because $run.Steps[0].Message
        $run.Steps[0].Target | Should -Be "deployment $Ns/web"
        $run.Steps[0].Message | Should -BeLike 'rolled back from revision 2 to revision 1 (sample:1)*'
        $run.Verified | Should -BeTrue -Because $run.Verification
        $run.NeedsEscalation | Should -BeFalse
        kube get deployment web -n $Ns -o 'jsonpath={.spec.template.spec.containers[0].image}' | Should -Be 'sample:1'
        $timeline = (Get-Incident -Id $Incident.Id -StatePath $State).Timeline
        ($timeline | Where-Object Kind -EQ Action).Details['outcome'] | Should -Be 'Succeeded'
        ($timeline | Where-Object Kind -EQ Verification).Details['verified'] | Should -Be 'true'
        $timeline | Where-Object { $_.Details['escalate'] -eq 'true' } | Should -BeNullOrEmpty
    }

    It 'is escalated: level 1 pages PagerDuty and Alertmanager once' {
        $first = Invoke-IncidentEscalation -Path $Files.Escalation -StatePath $State
        $second = Invoke-IncidentEscalation -Path $Files.Escalation -StatePath $State

        $first.Id | Should -Be $Incident.Id
        $first.Action, $first.LevelBefore, $first.LevelAfter | Should -Be 'Escalated', 0, 1
        $first.Notified | Should -HaveCount 2
        $second.Action | Should -Be 'Waiting'
        $key = Get-DedupKey $Incident
        (Get-PagerDutyAlert $key).Status | Should -Be 'triggered'
        (Get-PagerDutyEvent $key).event_action | Should -Be @('trigger')
        $alerts = Get-AlertmanagerAlert $Files.Policy
        $alerts | Should -HaveCount 1
        $alerts[0].labels.incident | Should -Be $Incident.Id
        $alerts[0].labels.severity | Should -Be 'error'
        (Get-Incident -Id $Incident.Id -StatePath $State).EscalationLevel | Should -Be 1
    }

    It 'is acknowledged: Update-Incident, then escalation acknowledges in PagerDuty' {
        Update-Incident -Id $Incident.Id -State Acknowledged -Owner alice -StatePath $State
        (Get-Incident -Id $Incident.Id -StatePath $State).State | Should -Be 'Acknowledged'

        $acknowledged = Invoke-IncidentEscalation -Path $Files.Escalation -StatePath $State

        $acknowledged.Action | Should -Be 'Acknowledged'
        (Get-PagerDutyAlert (Get-DedupKey $Incident)).Status | Should -Be 'acknowledged'
        (Get-PagerDutyEvent (Get-DedupKey $Incident)).event_action | Should -Be @('trigger', 'acknowledge')
        # Alertmanager has no acknowledge: the alert fires until the incident resolves.
        Get-AlertmanagerAlert $Files.Policy | Should -HaveCount 1
        $incident = Get-Incident -Id $Incident.Id -StatePath $State
        $incident.Owner | Should -Be 'alice'
        $incident.AcknowledgedAt | Should -Not -BeNullOrEmpty
    }

    It 'resolves itself after 2 scheduled runs whose checks all pass' {
        $first = @(Test-ServiceHealth @Check | New-Incident @Open)
        ($first | Where-Object Id -EQ $Incident.Id).State | Should -Be 'Acknowledged'
        (Test-ServiceHealth @Check | Where-Object Name -Like 'web*').Status | Should -Be 'Healthy'
        $second = @(Test-ServiceHealth @Check | New-Incident @Open)

        $resolved = Get-Incident -Id $Incident.Id -StatePath $State
        $resolved.State | Should -Be 'Resolved'
        $resolved.ResolvedAt | Should -Not -BeNullOrEmpty
        @(Get-Incident -Open -StatePath $State) | Should -HaveCount 0
        $resolved.Timeline | Where-Object { $_.Kind -eq 'StateChange' -and $_.Message -match 'Resolved' } | Should -Not -BeNullOrEmpty
    }

    It 'is resolved everywhere it was paged, once' {
        $resolved = Invoke-IncidentEscalation -Path $Files.Escalation -StatePath $State

        $resolved.Action | Should -Be 'Resolved'
        $resolved.Notified | Should -HaveCount 2
        (Get-PagerDutyAlert (Get-DedupKey $Incident)).Status | Should -Be 'resolved'
        (Get-PagerDutyEvent (Get-DedupKey $Incident)).event_action | Should -Be @('trigger', 'acknowledge', 'resolve')
        Get-AlertmanagerAlert $Files.Policy | Should -BeNullOrEmpty
        Invoke-IncidentEscalation -Path $Files.Escalation -StatePath $State | Should -BeNullOrEmpty
    }

    It 'is written up: the post-mortem''s timeline tells detection, diagnostics, action, verification, escalation, acknowledgement and resolution' {
        $written = $Incident | Export-IncidentPostmortem -OutputPath (Join-Path $TestDrive 'postmortems') -StatePath $State -Author alice

        ($written.Format | ForEach-Object ToString) | Should -Be 'Markdown', 'Html'
        $md = Get-Content $written[0].Path -Raw
        $timeline = ($md -split '(?m)^## Timeline$')[1] -split '(?m)^## ' | Select-Object -First 1
        $rows = @($timeline -split "`n" | Where-Object { $_ -match '^\|\s*\d{4}-' })
        $kinds = $rows | ForEach-Object { ($_ -split '\|')[2].Trim() }
        foreach ($kind in 'Detected', 'Diagnostics', 'Action', 'Verification', 'Escalation', 'StateChange') { $kinds | Should -Contain $kind }
        $rows -match '\|\s*Action\s*\|.*RollbackDeployment' | Should -Not -BeNullOrEmpty
        $rows -match '\|\s*Verification\s*\|.*verified=true' | Should -Not -BeNullOrEmpty
        $rows -match '\|\s*StateChange\s*\|.*Acknowledged' | Should -Not -BeNullOrEmpty
        $rows -match '\|\s*StateChange\s*\|.*Resolved' | Should -Not -BeNullOrEmpty
        # In order: detected first, resolved last among the state changes.
        $kinds[0] | Should -Be 'Detected'
        [array]::IndexOf($kinds, 'Diagnostics') | Should -BeLessThan ([array]::IndexOf($kinds, 'Action'))
        [array]::IndexOf($kinds, 'Action') | Should -BeLessThan ([array]::IndexOf($kinds, 'Escalation'))
        $html = Get-Content $written[1].Path -Raw
        foreach ($kind in 'Detected', 'Diagnostics', 'Action', 'Verification', 'Escalation', 'StateChange') { $html | Should -Match ">$kind<" }
    }
}

Describe 'examples/incidents/Invoke-IncidentResponse.ps1 as one scheduled run' {
    BeforeAll {
        $script:Ns = 'e2e-example'
        New-CrashingWorkload $Ns
        $script:Files = New-ResponseFiles $Ns (Join-Path $TestDrive 'example')
        $script:State = Join-Path $TestDrive 'example-state'
        $script:Out = Join-Path $TestDrive 'example-out'
        $script:Summary = Join-Path $TestDrive 'summary.json'
        $script:Example = Join-Path $PSScriptRoot '..' '..' 'examples' 'incidents' 'Invoke-IncidentResponse.ps1'
        # As the scheduler runs it: a fresh pwsh, non-interactive, the module imported by name's path.
        function Invoke-Example([string] $Extra = '') {
            $command = "Import-Module '$env:OPS_TEST_MODULE_PATH'; & '$Example' $Extra -CatalogPath '$($Files.Catalog)' -RunbookPath '$($Files.Runbooks)' " +
                "-EscalationPath '$($Files.Escalation)' -StatePath '$State' -OutputPath '$Out' -Kubeconfig '$Kubeconfig' -Namespace '$Ns' -ClearRunsToResolve 1 | ConvertTo-Json -Depth 3 | Set-Content '$Summary'"
            Remove-Item $Summary -ErrorAction Ignore
            $output = & $Pwsh -NoProfile -NonInteractive -Command $command 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            Get-Content $Summary -Raw | ConvertFrom-Json
        }
    }

    It 'with -WhatIf changes nothing: no incident, no rollback, no page' {
        $null = Invoke-Example '-WhatIf'

        @(Get-Incident -StatePath $State) | Should -HaveCount 0
        kube get deployment web -n $Ns -o 'jsonpath={.spec.template.spec.containers[0].image}' | Should -Be 'sample:2'
        Get-AlertmanagerAlert $Files.Policy | Should -BeNullOrEmpty
        Test-Path (Join-Path $Out 'diagnostics') | Should -BeFalse
    }

    It 'opens, diagnoses, remediates and pages in one run' {
        $summary = Invoke-Example

        $summary.Opened | Should -HaveCount 1
        $id = $summary.Opened[0]
        $summary.Diagnosed | Should -Be @($id)
        $summary.Remediated | Should -Be @($id)
        $summary.Escalated | Should -Be @($id)
        $summary.Postmortems | Should -BeNullOrEmpty
        $incident = Get-Incident -Id $id -StatePath $State
        $kinds = $incident.Timeline.Kind | ForEach-Object ToString
        foreach ($kind in 'Detected', 'Diagnostics', 'Action', 'Verification', 'Escalation') { $kinds | Should -Contain $kind }
        kube get deployment web -n $Ns -o 'jsonpath={.spec.template.spec.containers[0].image}' | Should -Be 'sample:1'
        (Get-PagerDutyAlert (Get-DedupKey $incident)).Status | Should -Be 'triggered'
        Get-AlertmanagerAlert $Files.Policy | Should -HaveCount 1
        $script:ExampleIncident = $incident
    }

    It 'on the next run, healthy again, resolves it everywhere and writes its post-mortem' {
        $summary = Invoke-Example

        $summary.Opened | Should -BeNullOrEmpty
        $summary.Diagnosed | Should -BeNullOrEmpty
        $summary.Remediated | Should -BeNullOrEmpty
        (Get-Incident -Id $ExampleIncident.Id -StatePath $State).State | Should -Be 'Resolved'
        $summary.Resolved | Should -Be @($ExampleIncident.Id)
        (Get-PagerDutyAlert (Get-DedupKey $ExampleIncident)).Status | Should -Be 'resolved'
        Get-AlertmanagerAlert $Files.Policy | Should -BeNullOrEmpty
        $summary.Postmortems | Should -HaveCount 2
        $summary.Postmortems | ForEach-Object { Test-Path $_ | Should -BeTrue }
        Get-Content ($summary.Postmortems | Where-Object { $_ -like '*.md' }) -Raw | Should -Match '(?m)^## Timeline$'
    }

    It 'a third run does nothing again' {
        $summary = Invoke-Example
        foreach ($part in 'Opened', 'Diagnosed', 'Remediated', 'Escalated', 'Resolved', 'Postmortems') { $summary.$part | Should -BeNullOrEmpty -Because $part }
    }
}
