#Requires -Version 7.4
# Escalation as a scheduler runs it: Invoke-IncidentEscalation pages the PagerDuty stand-in (which
# checks every event against the Events API v2 rules) and the real Alertmanager, never twice,
# acknowledges and resolves there, escalates at once on a runbook's marker, and locates bad policy
# files. ./build.ps1 Test starts Alertmanager; the stand-in runs as a process of tests/TestServers.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    if (-not $env:OPS_TEST_ALERTMANAGER_URL) { throw 'OPS_TEST_ALERTMANAGER_URL is not set: run through ./build.ps1 Test, which starts Alertmanager.' }
    Import-Module $modulePath -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:PagerDuty = Start-TestStandIn -Name pagerduty
    $script:Alertmanager = $env:OPS_TEST_ALERTMANAGER_URL.TrimEnd('/')
    $env:OPS_PESTER_PD_ONCALL = '0123456789abcdef0123456789abcdef'
    $env:OPS_PESTER_PD_MANAGERS = 'fedcba9876543210fedcba9876543210'

    # A runbook whose only step calls a webhook nobody listens on: the step fails and the runbook marks the incident to escalate.
    $script:FailingRunbook = Join-Path $TestDrive 'failing-runbook.psd1'
    Set-Content $FailingRunbook @"
@{
    Runbooks = @(
        @{ Name = 'tell-automation'; Match = @{ Service = 'checkout-*' }; Steps = @( @{ Name = 'notify'; Action = 'Webhook'; Uri = 'http://127.0.0.1:1/hooks/restart'; TimeoutSec = 2 } ) }
    )
}
"@

    # A policy of its own per test (its name is the per-test label read back from Alertmanager), and a state directory of its own.
    function New-Escalation {
        $name = "pester-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        $policy = Join-Path $TestDrive "$name.psd1"
        Set-Content $policy @"
@{
    ReportUrl = 'https://ops.example.com/incidents/{id}'
    # Runs here follow each other at once: what a channel refused is sent again by the very next run.
    RetryAfter = '0s'
    Policies = @(
        @{
            Name = '$name'
            Levels = @(
                @{ Delay = '0s'; Channels = @( @{ Type = 'PagerDuty'; RoutingKey = 'env:OPS_PESTER_PD_ONCALL'; Uri = '$($PagerDuty.Url)/v2/enqueue' }
                                               @{ Type = 'Alertmanager'; Uri = '$Alertmanager' } ) }
                @{ Delay = '1h'; Channels = @( @{ Type = 'PagerDuty'; RoutingKey = 'env:OPS_PESTER_PD_MANAGERS'; Uri = '$($PagerDuty.Url)/v2/enqueue' } ) }
            )
        }
    )
}
"@
        $state = Join-Path $TestDrive $name
        # The first run loads the engine and creates the store; there is nothing to escalate yet.
        Invoke-IncidentEscalation -Path $policy -StatePath $state | Should -BeNullOrEmpty
        # Opened by hand, as a person at the keyboard would.
        $incident = New-Incident -Title "checkout-$name is down" -Service "checkout-$name" -Severity Critical -StatePath $state
        [pscustomobject]@{ Name = $name; Policy = $policy; State = $state; Incident = $incident; DedupKey = "opsautomation/incident/$($incident.Id)/$($incident.OpenedAt.ToUnixTimeMilliseconds())" }
    }

    function Set-IncidentState($Escalation, [string] $State) {
        if ($State -eq 'Resolved') { Close-Incident $Escalation.Incident.Id -StatePath $Escalation.State }
        else { Update-Incident $Escalation.Incident.Id -State $State -StatePath $Escalation.State }
    }

    function Get-TestIncident($Escalation) { Get-Incident $Escalation.Incident.Id -StatePath $Escalation.State }

    # Invoke-RestMethod writes a JSON array as one object: a variable enumerates it.
    function Get-PagerDutyAlert([string] $DedupKey, [string] $Url = $PagerDuty.Url) { $all = Invoke-RestMethod "$Url/test/alerts"; $all | Where-Object DedupKey -eq $DedupKey }

    function Get-PagerDutyEvent([string] $DedupKey) { $all = Invoke-RestMethod "$($PagerDuty.Url)/test/events"; $all | Where-Object dedup_key -eq $DedupKey }

    function Get-AlertmanagerAlert([string] $Policy) {
        $filter = [uri]::EscapeDataString("policy=`"$Policy`"")
        $all = Invoke-RestMethod "$Alertmanager/api/v2/alerts?filter=$filter"
        @($all | Where-Object { $_ })
    }
}

AfterAll {
    if ($PagerDuty) {
        # The module never sent PagerDuty an event that breaks the Events API v2 rules.
        $rejections = Invoke-RestMethod "$($PagerDuty.Url)/test/rejections"
        Stop-TestStandIn $PagerDuty
        $rejections | Should -BeNullOrEmpty
    }
}

Describe 'Invoke-IncidentEscalation' {
    It 'pages level 1 on PagerDuty and the real Alertmanager, and a rerun pages nobody twice' {
        $escalation = New-Escalation

        $first = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State
        $second = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State

        $first | Should -BeOfType OpsAutomation.Models.Incidents.EscalationResult
        $first.Id | Should -Be $escalation.Incident.Id
        $first.Action, $first.LevelBefore, $first.LevelAfter | Should -Be 'Escalated', 0, 1
        $first.Notified.Count | Should -Be 2
        $first.NextEscalationAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(59))
        $second.Action | Should -Be 'Waiting'
        (Get-PagerDutyAlert $escalation.DedupKey).Status | Should -Be 'triggered'
        @(Get-PagerDutyEvent $escalation.DedupKey).Count | Should -Be 1
        $alert = Get-AlertmanagerAlert $escalation.Name
        $alert.Count | Should -Be 1
        $alert[0].labels.alertname | Should -Be 'Incident'
        $alert[0].labels.incident | Should -Be $escalation.Incident.Id
        $alert[0].labels.severity | Should -Be 'critical'
        (Get-TestIncident $escalation).EscalationLevel | Should -Be 1
    }

    It 'with -WhatIf says what it would send and sends nothing' {
        $escalation = New-Escalation

        $preview = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State -WhatIf

        $result = $preview
        $result.WhatIf | Should -BeTrue
        $result.Notified | Should -Contain "PagerDuty ($(([uri]$PagerDuty.Url).Authority)): trigger"
        Get-PagerDutyEvent $escalation.DedupKey | Should -BeNullOrEmpty
        Get-AlertmanagerAlert $escalation.Name | Should -BeNullOrEmpty
        (Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State).WhatIf | Should -BeFalse
    }

    It 'escalates at once when a runbook marks the incident, and only once' {
        $escalation = New-Escalation
        $null = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State
        $run = $escalation.Incident | Invoke-IncidentRunbook -Path $FailingRunbook -StatePath $escalation.State -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $run.NeedsEscalation | Should -BeTrue

        $marked = $escalation.Incident | Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State
        $again = $escalation.Incident | Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State

        $marked.Action, $marked.LevelAfter | Should -Be 'Escalated', 2
        $marked.Reason | Should -Match 'runbook:tell-automation asked to escalate'
        $again.Action | Should -Be 'Waiting'
        @(Get-PagerDutyEvent $escalation.DedupKey | Where-Object routing_key_suffix -eq '3210').Count | Should -Be 1
        (Get-TestIncident $escalation).Timeline | Where-Object { $_.Kind -eq 'Escalation' -and $_.Message -like 'Escalated to level 2*' } | Should -HaveCount 1
    }

    It 'acknowledges in PagerDuty when the incident is acknowledged, and resolves everywhere when it is resolved' {
        $escalation = New-Escalation
        $null = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State

        Set-IncidentState $escalation Acknowledged
        $acknowledged = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State
        $acknowledged.Action | Should -Be 'Acknowledged'
        (Get-PagerDutyAlert $escalation.DedupKey).Status | Should -Be 'acknowledged'
        # Still firing in Alertmanager until resolved.
        Get-AlertmanagerAlert $escalation.Name | Should -HaveCount 1

        Set-IncidentState $escalation Resolved
        $resolved = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State
        $resolved.Action | Should -Be 'Resolved'
        $resolved.Notified | Should -HaveCount 2
        (Get-PagerDutyAlert $escalation.DedupKey).Status | Should -Be 'resolved'
        Get-AlertmanagerAlert $escalation.Name | Should -BeNullOrEmpty
        Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State | Should -BeNullOrEmpty
    }

    It 'stops climbing once the incident is mitigated, even when a runbook then asks to escalate' {
        $escalation = New-Escalation
        $null = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State

        Set-IncidentState $escalation Mitigated
        $mitigated = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State
        $null = $escalation.Incident | Invoke-IncidentRunbook -Path $FailingRunbook -StatePath $escalation.State -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $after = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State

        $mitigated.Action | Should -Be 'Acknowledged'
        (Get-PagerDutyAlert $escalation.DedupKey).Status | Should -Be 'acknowledged'
        @($after | Where-Object Action -EQ 'Escalated') | Should -HaveCount 0
        @(Get-PagerDutyEvent $escalation.DedupKey | Where-Object routing_key_suffix -eq '3210') | Should -HaveCount 0
        (Get-TestIncident $escalation).EscalationLevel | Should -Be 1
        (Get-TestIncident $escalation).State | Should -Be 'Mitigated'
    }

    It 'retries a page PagerDuty throttled on the next run' {
        $throttling = Start-TestStandIn -Name pagerduty -Argument '--rate-limit', '4'
        try {
            $escalation = New-Escalation
            (Get-Content $escalation.Policy -Raw).Replace($PagerDuty.Url, $throttling.Url) | Set-Content $escalation.Policy

            $first = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State -ErrorVariable failures -ErrorAction SilentlyContinue
            $second = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State

            $first.Failed | Should -HaveCount 1
            $first.Failed[0] | Should -Match '429'
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'NotificationFailed,*'
            $second.Action | Should -Be 'Retried'
            (Get-PagerDutyAlert $escalation.DedupKey -Url $throttling.Url).Status | Should -Be 'triggered'
        }
        finally {
            Stop-TestStandIn $throttling
        }
    }

    It 'names the file and key of a bad policy' {
        $bad = Join-Path $TestDrive 'bad.psd1'
        Set-Content $bad "@{ Policies = @( @{ Name = 'x'; Levels = @( @{ Delay = 'soon'; Channels = @( @{ Type = 'Webhook'; Uri = 'http://127.0.0.1:1/' } ) } ) } ) }"
        { Invoke-IncidentEscalation -Path $bad -StatePath (Join-Path $TestDrive 'bad-state') } |
            Should -Throw -ErrorId 'EscalationPolicyInvalid,OpsAutomation.Commands.InvokeIncidentEscalationCommand' -ExpectedMessage "*bad.psd1*Policies[[]0].Levels[[]0].Delay*soon*"
        { Invoke-IncidentEscalation -Path (Join-Path $TestDrive 'missing.psd1') } |
            Should -Throw -ErrorId 'EscalationPolicyNotFound,OpsAutomation.Commands.InvokeIncidentEscalationCommand'
        $clear = Join-Path $TestDrive 'clear.psd1'
        Set-Content $clear "@{ Policies = @( @{ Name = 'x'; Levels = @( @{ Channels = @( @{ Type = 'PagerDuty'; RoutingKey = '0123456789abcdef0123456789abcdef' } ) } ) } ) }"
        { Invoke-IncidentEscalation -Path $clear } | Should -Throw -ExpectedMessage '*RoutingKey*is a secret*'
    }

    It 'writes IncidentNotFound for an id that matches no incident and goes on' {
        $escalation = New-Escalation
        $results = Invoke-IncidentEscalation -Path $escalation.Policy -StatePath $escalation.State -Id 'INC-19990101-0001', $escalation.Incident.Id -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -Be 'IncidentNotFound,OpsAutomation.Commands.InvokeIncidentEscalationCommand'
        $missing[0].TargetObject | Should -Be 'INC-19990101-0001'
        $results.Id | Should -Be $escalation.Incident.Id
    }

    It 'reads the example policy' {
        $env:SLACK_WEBHOOK_URL = 'https://hooks.slack.com/services/T000/B000/XXXX'
        $env:PD_ROUTING_KEY_CHECKOUT = $env:OPS_PESTER_PD_ONCALL
        $env:PD_ROUTING_KEY_MANAGERS = $env:OPS_PESTER_PD_MANAGERS
        $env:TEAMS_WEBHOOK_URL = 'https://prod.example.logic.azure.com/workflows/1'
        try {
            $example = Join-Path $PSScriptRoot '..' '..' 'examples' 'incidents' 'escalation.psd1'
            Invoke-IncidentEscalation -Path $example -StatePath (Join-Path $TestDrive 'example-state') | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item env:SLACK_WEBHOOK_URL, env:PD_ROUTING_KEY_CHECKOUT, env:PD_ROUTING_KEY_MANAGERS, env:TEAMS_WEBHOOK_URL -ErrorAction Ignore
        }
    }
}
