#Requires -Version 7.4
# Incidents as a person and a scheduled task meet them: Test-ServiceHealth | New-Incident opens one
# incident per failing service and later runs join it, clear runs resolve it, a relapse reopens it,
# people acknowledge, note and close, bad ids are located errors, and -WhatIf writes nothing.
# The services are TCP ports on 127.0.0.1 that the test opens and closes.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    # A service that is up while its listener runs.
    function New-Service([int] $Port) { [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $Port) }

    function New-Catalog([string] $Path, [int] $DbPort, [int] $WebPort, [int] $CachePort, [switch] $DependsOn) {
        $dependency = if ($DependsOn) { "DependsOn = 'db'" } else { '' }
        Set-Content $Path @"
@{ Services = @(
    @{ Name = 'db'; Kind = 'Tcp'; Target = '127.0.0.1:$DbPort'; Severity = 'Critical'; TimeoutSec = 2 }
    @{ Name = 'web'; Kind = 'Tcp'; Target = '127.0.0.1:$WebPort'; Severity = 'Error'; TimeoutSec = 2; $dependency }
    @{ Name = 'cache'; Kind = 'Tcp'; Target = '127.0.0.1:$CachePort'; TimeoutSec = 2 }
) }
"@
    }

    $script:Me = "$([Environment]::UserName)@$([Environment]::MachineName)"
}

Describe 'Test-ServiceHealth | New-Incident' {
    BeforeAll {
        $script:State = Join-Path $TestDrive 'state'
        $script:Catalog = Join-Path $TestDrive 'services.psd1'
        $script:Cache = New-Service (Get-FreePort)
        $Cache.Start()
        $script:Db = New-Service (Get-FreePort)
        $script:WebPort = Get-FreePort
        New-Catalog $Catalog -DbPort $Db.LocalEndpoint.Port -WebPort $WebPort -CachePort $Cache.LocalEndpoint.Port
        function Invoke-Run { Test-ServiceHealth -Path $Catalog -StatePath $State | New-Incident -StatePath $State -ClearRunsToResolve 2 @args }
        $script:First = @(Invoke-Run)
    }
    AfterAll { $Cache.Stop(); $Db.Stop() }

    It 'opens one incident per failing service and none for the healthy one' {
        $First | Should -HaveCount 2
        $First[0] | Should -BeOfType OpsAutomation.Models.Incidents.Incident
        @($First.Service | Sort-Object) | Should -Be @('db', 'web')
        ($First | Where-Object Service -EQ db).Severity | Should -Be 'Critical'
        ($First | Where-Object Service -EQ db).Id | Should -Match '^INC-\d{8}-\d{4}$'
        $First.State | Should -Be @('Triggered', 'Triggered')
    }

    It 'joins the open incidents on a rerun instead of opening more' {
        $second = @(Invoke-Run)
        @($second.Id | Sort-Object) | Should -Be @($First.Id | Sort-Object)
        @(Get-Incident -StatePath $State) | Should -HaveCount 2
        ($second | Where-Object Service -EQ db).SignalCount | Should -Be 2
        # A repeat of the same failure is a signal, not a new timeline line.
        @(($second | Where-Object Service -EQ db).Timeline) | Should -HaveCount 1
    }

    It 'resolves an incident after its signals are clear for -ClearRunsToResolve runs' {
        $Db.Start()
        try {
            $one = Invoke-Run | Where-Object Service -EQ db
            $one.State | Should -Be 'Triggered'
            $one.ClearRuns | Should -Be 1
            $two = Invoke-Run | Where-Object Service -EQ db
            $two.State | Should -Be 'Resolved'
            $two.ResolvedAt | Should -Not -BeNullOrEmpty
            $two.Timeline[-1].Message | Should -BeLike 'Resolved: every signal clear for 2 runs'
            Get-Incident -Open -StatePath $State | Should -HaveCount 1
        }
        finally { $Db.Stop() }
    }

    It 'reopens the incident, not a new one, when the failure returns within the reopen window' {
        $db = Invoke-Run | Where-Object Service -EQ db
        $db.Id | Should -Be ($First | Where-Object Service -EQ db).Id
        $db.State | Should -Be 'Triggered'
        $db.Reopened | Should -Be 1
        $db.Timeline.Kind | Should -Contain 'StateChange'
        ($db.Timeline | Where-Object Message -Like 'Reopened*') | Should -HaveCount 1
        @(Get-Incident -StatePath $State) | Should -HaveCount 2
    }

    It '-WhatIf writes nothing' {
        $before = Get-Incident -StatePath $State | ForEach-Object { "$($_.Id) $($_.SignalCount) $($_.Timestamp)" }
        Test-ServiceHealth -Path $Catalog -StatePath $State | New-Incident -StatePath $State -WhatIf | Should -BeNullOrEmpty
        Get-Incident -StatePath $State | ForEach-Object { "$($_.Id) $($_.SignalCount) $($_.Timestamp)" } | Should -Be $before

        $fresh = Join-Path $TestDrive 'whatif-state'
        Test-ServiceHealth -Path $Catalog -StatePath $fresh | New-Incident -StatePath $fresh -WhatIf | Should -BeNullOrEmpty
        Get-Incident -StatePath $fresh | Should -BeNullOrEmpty
        New-Incident -Title 'By hand' -Service web -StatePath $fresh -WhatIf | Should -BeNullOrEmpty
        Get-Incident -StatePath $fresh | Should -BeNullOrEmpty
    }
}

Describe 'Correlation through the catalog''s DependsOn' {
    It 'joins the failure of a dependent to the incident of the service it depends on, named as the likely cause' {
        $state = Join-Path $TestDrive 'depends-state'
        $catalog = Join-Path $TestDrive 'depends.psd1'
        $cache = New-Service (Get-FreePort)
        $cache.Start()
        try {
            New-Catalog $catalog -DbPort (Get-FreePort) -WebPort (Get-FreePort) -CachePort $cache.LocalEndpoint.Port -DependsOn
            $incident = Test-ServiceHealth -Path $catalog -StatePath $state | New-Incident -CatalogPath $catalog -StatePath $state
            $incident | Should -HaveCount 1
            $incident.Service | Should -Be 'db'
            $incident.LikelyCause | Should -Be 'db'
            $incident.Signals.Fingerprint | Should -Be @('health:db', 'health:web')
        }
        finally { $cache.Stop() }
    }

    It 'refuses a catalog whose DependsOn names an unknown service, naming the entry' {
        $catalog = Join-Path $TestDrive 'bad-depends.psd1'
        Set-Content $catalog "@{ Services = @( @{ Name = 'web'; Kind = 'Tcp'; Target = '127.0.0.1:1'; DependsOn = 'postgres' } ) }"
        $thrown = { New-Incident -Title x -Service web -CatalogPath $catalog -StatePath (Join-Path $TestDrive 'x') } | Should -Throw -ErrorId 'CatalogInvalid,OpsAutomation.Commands.NewIncidentCommand' -PassThru
        $thrown.Exception.Message | Should -Match "postgres"
        $thrown.Exception.Message | Should -Match 'Services\[0\]\.DependsOn'
    }
}

Describe 'Opening by hand, updating and closing' {
    BeforeAll {
        $script:State = Join-Path $TestDrive 'manual-state'
        $script:Incident = New-Incident -Title 'Checkout slow for EU customers' -Service checkout -Severity Error -StatePath $State
    }

    It 'opens an incident by hand, and the same command again joins it' {
        $Incident.Title | Should -Be 'Checkout slow for EU customers'
        $Incident.Severity | Should -Be 'Error'
        $Incident.Signals[0].Kind | Should -Be 'Manual'
        (New-Incident -Title 'Checkout slow for EU customers' -Service checkout -StatePath $State).Id | Should -Be $Incident.Id
    }

    It 'acknowledges with a note, each change on the timeline as user@host, and the acknowledger owns it' {
        $updated = $Incident | Update-Incident -State Acknowledged -Note 'Looking at the database' -StatePath $State -PassThru
        $updated.State | Should -Be 'Acknowledged'
        $updated.Owner | Should -Be $Me
        $updated.AcknowledgedAt | Should -Not -BeNullOrEmpty
        $lines = @($updated.Timeline | Where-Object Actor -EQ $Me)
        $lines.Kind | Should -Be @('Note', 'StateChange')
        $lines[0].Message | Should -Be 'Looking at the database'
    }

    It 'sets owner and severity, and writes nothing without -PassThru' {
        Update-Incident $Incident.Id -Owner dba-team -Severity Critical -StatePath $State | Should -BeNullOrEmpty
        $read = Get-Incident $Incident.Id -StatePath $State
        ($read.Owner, $read.Severity) | Should -Be @('dba-team', 'Critical')
        ($read.Timeline | Where-Object Kind -EQ Update).Message | Should -Be @("Owner $Me -> dba-team", 'Severity Error -> Critical')
    }

    It 'refuses a move backwards as a located error naming the incident and both states' {
        Update-Incident $Incident.Id -State Mitigated -StatePath $State
        $thrown = { Update-Incident $Incident.Id -State Acknowledged -StatePath $State -ErrorAction Stop } | Should -Throw -ErrorId 'IncidentTransitionInvalid,OpsAutomation.Commands.UpdateIncidentCommand' -PassThru
        $thrown.Exception.Message | Should -Match ([regex]::Escape($Incident.Id))
        $thrown.Exception.Message | Should -Match 'Mitigated.*Acknowledged'
        $thrown.TargetObject | Should -Be $Incident.Id
        (Get-Incident $Incident.Id -StatePath $State).State | Should -Be 'Mitigated'
    }

    It 'closes with a reason, and closing again is an error' {
        $closed = Close-Incident $Incident.Id -Reason 'Connection pool fixed' -StatePath $State -PassThru
        $closed.State | Should -Be 'Resolved'
        $closed.Timeline[-1].Message | Should -Be 'Resolved: Connection pool fixed'
        $closed.Timeline[-1].Actor | Should -Be $Me
        { Close-Incident $Incident.Id -StatePath $State -ErrorAction Stop } | Should -Throw -ErrorId 'IncidentTransitionInvalid,OpsAutomation.Commands.CloseIncidentCommand'
        { Update-Incident $Incident.Id -State Acknowledged -StatePath $State -ErrorAction Stop } | Should -Throw -ErrorId 'IncidentTransitionInvalid,OpsAutomation.Commands.UpdateIncidentCommand'
    }

    It 'Update-Incident and Close-Incident -WhatIf change nothing' {
        $other = New-Incident -Title 'Disk filling' -Service nas -StatePath $State
        Update-Incident $other.Id -State Acknowledged -Note x -StatePath $State -WhatIf
        Close-Incident $other.Id -StatePath $State -WhatIf
        $read = Get-Incident $other.Id -StatePath $State
        $read.State | Should -Be 'Triggered'
        @($read.Timeline) | Should -HaveCount 1
    }

    It 'selects by wildcard id, state, service and -Open' {
        @(Get-Incident 'inc-*' -StatePath $State) | Should -HaveCount 2
        (Get-Incident -State Resolved -StatePath $State).Id | Should -Be $Incident.Id
        (Get-Incident -Open -StatePath $State).Service | Should -Be 'nas'
        (Get-Incident -Service CHECKOUT -StatePath $State).Id | Should -Be $Incident.Id
        Get-Incident -Since (Get-Date).AddMinutes(10) -StatePath $State | Should -BeNullOrEmpty
    }

    It 'completes incident ids' {
        $line = "Get-Incident -StatePath '$State' -Id INC-"
        $completions = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        $completions | Should -Contain $Incident.Id
    }
}

Describe 'Bad ids and bad input' {
    BeforeAll {
        $script:State = Join-Path $TestDrive 'bad-state'
        $null = New-Incident -Title 'Something' -Service svc -StatePath $State
    }

    It '<Command> with an id no incident has is IncidentNotFound naming the id and the store' -ForEach @(
        @{ Command = 'Get-Incident'; Invoke = { Get-Incident INC-19990101-0001 -StatePath $State -ErrorAction Stop } }
        @{ Command = 'Update-Incident'; Invoke = { Update-Incident INC-19990101-0001 -Note x -StatePath $State -ErrorAction Stop } }
        @{ Command = 'Close-Incident'; Invoke = { Close-Incident INC-19990101-0001 -StatePath $State -ErrorAction Stop } }
    ) {
        $thrown = $Invoke | Should -Throw -ErrorId "IncidentNotFound,OpsAutomation.Commands.$($Command -replace '-', '')Command" -PassThru
        $thrown.Exception.Message | Should -Match "'INC-19990101-0001'"
        $thrown.Exception.Message | Should -Match 'opsautomation\.db'
        $thrown.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $thrown.TargetObject | Should -Be 'INC-19990101-0001'
    }

    It 'goes on with the other ids after a missing one' {
        $good = (Get-Incident -StatePath $State).Id
        $out = Update-Incident 'INC-19990101-0001', $good -Note 'second' -StatePath $State -PassThru -ErrorVariable problems -ErrorAction SilentlyContinue
        $out.Id | Should -Be $good
        $problems | Should -HaveCount 1
    }

    It 'an input that is no signal is IncidentInputInvalid, and the others are still correlated' {
        $signal = [pscustomobject]@{ Name = 'api'; Status = 'Unhealthy'; Target = 'http://127.0.0.1:1/'; Kind = 'Http'; Severity = 'Critical'; Timestamp = [datetimeoffset]::UtcNow }
        $out = @('not a signal', $signal) | New-Incident -StatePath $State -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'IncidentInputInvalid,*'
        $problems[0].Exception.Message | Should -Match 'System.String'
        $out.Service | Should -Be 'api'
        $out.Fingerprint | Should -Be 'health:api'
    }

    It 'refuses an update without anything to change' {
        { Update-Incident INC-19990101-0001 -StatePath $State } | Should -Throw -ErrorId 'IncidentUpdateMissing,OpsAutomation.Commands.UpdateIncidentCommand'
    }
}

Describe 'Measure-Incident' {
    It 'measures counts and times, and sets the ops_incident metrics of the registry' {
        $state = Join-Path $TestDrive 'measure-state'
        $a = New-Incident -Title 'A' -Service svc -Severity Critical -StatePath $state
        $null = New-Incident -Title 'B' -Service svc -Severity Warning -StatePath $state
        Update-Incident $a.Id -State Acknowledged -StatePath $state
        Close-Incident $a.Id -Reason done -StatePath $state

        $metrics = Measure-Incident -StatePath $state
        $metrics | Should -BeOfType OpsAutomation.Models.Incidents.IncidentMetrics
        ($metrics.Opened, $metrics.Resolved, $metrics.Open) | Should -Be @(2, 1, 1)
        $metrics.OpenBySeverity['Warning'] | Should -Be 1
        $metrics.OpenBySeverity['Critical'] | Should -Be 0
        $metrics.MedianTimeToResolve | Should -BeOfType timespan
        $metrics.MeanTimeToAcknowledge | Should -Not -BeNullOrEmpty

        $file = Join-Path $TestDrive 'incidents.prom'
        $null = Export-MetricTextFile -Path $file
        $text = Get-Content $file -Raw
        $text | Should -Match 'ops_incidents_open\{service="",severity="warning"\} 1'
        $text | Should -Match 'ops_incident_time_to_resolve_seconds\{service="",statistic="median"\}'
        $text | Should -Match 'ops_incidents_opened\{service=""\} 2'
    }
}
