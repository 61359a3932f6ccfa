#Requires -Version 7.4
# Monitoring as a person and a scheduler use it: circuit breakers across runs, alerts into the
# real Alertmanager, history and trends, the watch loop scraped by the real Prometheus, and the
# CI gate's exit code. ./build.ps1 Test starts Prometheus, Pushgateway and Alertmanager.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    foreach ($variable in 'OPS_TEST_ALERTMANAGER_URL', 'OPS_TEST_PROMETHEUS_URL', 'OPS_TEST_WATCH_METRICS_PORT') {
        if (-not [Environment]::GetEnvironmentVariable($variable)) { throw "$variable is not set: run through ./build.ps1 Test, which starts the real services." }
    }
    Import-Module $modulePath -Force
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:Examples = Join-Path $PSScriptRoot '..' '..' 'examples'

    # One catalog of a refused port, with a circuit after 2 failures and alerts after 2.
    function New-FailingCatalog([string] $Name) {
        $path = Join-Path $TestDrive "$Name.psd1"
        Set-Content $path @"
@{
    Defaults = @{ CircuitBreakerThreshold = 2; CircuitBreakerCooldownSec = 600; Severity = 'Critical'; Owner = 'pester' }
    Services = @( @{ Name = '$Name'; Uri = 'tcp://127.0.0.1:1' } )
    Alerting = @{ FailureThreshold = 2; SuccessThreshold = 1; Channels = @( @{ Type = 'Alertmanager'; Uri = '$env:OPS_TEST_ALERTMANAGER_URL' } ) }
}
"@
        $path
    }
}

Describe 'Circuit breakers across runs' {
    It 'opens after the threshold and reports CircuitOpen with the next probe time' {
        $state = Join-Path $TestDrive 'circuit-state'
        $catalog = New-FailingCatalog "circuit-$(New-Guid)"
        $first = Test-ServiceHealth -Path $catalog -StatePath $state
        $second = Test-ServiceHealth -Path $catalog -StatePath $state
        $third = Test-ServiceHealth -Path $catalog -StatePath $state
        $first.Status, $second.Status | Should -Be 'Unreachable', 'Unreachable'
        $second.Details.CircuitState | Should -Be 'Open'
        $third.Status | Should -Be 'CircuitOpen'
        $third.Attempts | Should -Be 0
        $third.NextProbeAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(9))
        $third.Error | Should -Match 'after 2 consecutive failures'
    }
}

Describe 'Send-HealthAlert' {
    It 'fires into the real Alertmanager after the failure threshold, as -WhatIf said it would' {
        $state = Join-Path $TestDrive 'alert-state'
        $name = "alert-$(New-Guid)"
        $catalog = New-FailingCatalog $name
        Test-ServiceHealth -Path $catalog -StatePath $state | Send-HealthAlert -Path $catalog -StatePath $state | Should -BeNullOrEmpty

        $result = Test-ServiceHealth -Path $catalog -StatePath $state
        $whatIf = $result | Send-HealthAlert -Path $catalog -StatePath $state -WhatIf
        $whatIf.State | Should -Be 'Firing'
        $whatIf.Delivered | Should -BeNullOrEmpty

        $alert = $result | Send-HealthAlert -Path $catalog -StatePath $state
        $alert | Should -BeOfType ([OpsAutomation.Models.Alerting.HealthAlert])
        $alert.State | Should -Be 'Firing'
        $alert.Changed | Should -BeTrue
        $alert.Delivered | Should -Match '^Alertmanager'
        $active = Invoke-RestMethod "$env:OPS_TEST_ALERTMANAGER_URL/api/v2/alerts?filter=service%3D%22$name%22"
        @($active).Count | Should -Be 1
        $active[0].labels.severity | Should -Be 'critical'
        $active[0].labels.owner | Should -Be 'pester'
        $active[0].annotations.summary | Should -Match "$name is Unreachable"
    }

    It 'refuses a secret given in clear text, naming the parameter' {
        $result = Test-ServiceHealth -Uri dns://localhost -StatePath (Join-Path $TestDrive 's')
        { $result | Send-HealthAlert -SlackWebhook 'https://hooks.example.test/services/T/B/X' -StatePath (Join-Path $TestDrive 's') } |
            Should -Throw -ErrorId 'AlertChannelInvalid,OpsAutomation.Commands.SendHealthAlertCommand' -ExpectedMessage '*-SlackWebhook*'
    }

    It 'needs a channel' {
        $result = Test-ServiceHealth -Uri dns://localhost -StatePath (Join-Path $TestDrive 's')
        { $result | Send-HealthAlert -StatePath (Join-Path $TestDrive 's') } | Should -Throw -ErrorId 'NoAlertChannel,OpsAutomation.Commands.SendHealthAlertCommand'
    }
}

Describe 'History and trends' {
    It 'reads the history back and summarises it with SLO figures' {
        $state = Join-Path $TestDrive 'trend-state'
        1..3 | ForEach-Object { Test-ServiceHealth -Uri dns://localhost -Name resolver -Kind Dns -StatePath $state } | Out-Null
        Test-ServiceHealth -Uri tcp://127.0.0.1:1 -Name resolver -StatePath $state | Out-Null

        $history = Get-ServiceHealthHistory -Name resolv* -StatePath $state
        $history.Count | Should -Be 4
        $history[0].Status | Should -Be 'Unreachable' -Because 'newest first'

        $summary = Get-ServiceHealthSummary -Name resolver -SloTarget 99 -StatePath $state
        $summary | Should -BeOfType ([OpsAutomation.Models.Health.HealthSummary])
        $summary.Checks | Should -Be 4
        $summary.Failures | Should -Be 1
        $summary.AvailabilityPercent | Should -Be 75
        $summary.BurnRate | Should -BeGreaterThan 24.9
        $summary.ErrorBudgetRemainingPercent | Should -BeLessThan 0
        ($summary | Out-String) | Should -Match 'resolver\s+4\s+75'
    }

    It 'summarises the services of results on the pipeline' {
        $state = Join-Path $TestDrive 'pipe-state'
        $summary = Test-ServiceHealth -Uri dns://localhost -Name pipe-svc -StatePath $state | Get-ServiceHealthSummary -StatePath $state
        $summary.Name | Should -Be 'pipe-svc'
        $summary.AvailabilityPercent | Should -Be 100
    }
}

Describe 'Watch-ServiceHealth' {
    It 'streams a round of results per interval' {
        $results = Watch-ServiceHealth -Uri dns://localhost -Name w -IntervalSec 1 -Count 2 -StatePath (Join-Path $TestDrive 'w')
        $results.Count | Should -Be 2
        @($results.RunId | Select-Object -Unique).Count | Should -Be 2 -Because 'each round is a run of its own'
    }

    It 'serves /metrics that the real Prometheus scrapes' {
        $service = "watched-$((New-Guid).ToString('N').Substring(0, 8))"
        $job = Start-ThreadJob -ArgumentList $env:OPS_TEST_MODULE_PATH, $service, $env:OPS_TEST_WATCH_METRICS_PORT, (Join-Path $TestDrive 'm') -ScriptBlock {
            param($module, $service, $port, $state)
            Import-Module $module
            Watch-ServiceHealth -Uri dns://localhost -Name $service -IntervalSec 1 -Count 20 -MetricsPort $port -StatePath $state | Out-Null
        }
        try {
            $query = [uri]::EscapeDataString("ops_health_up{job=`"opsautomation-watch`",service=`"$service`"}")
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            $found = $null
            while (-not $found -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 500
                $found = (Invoke-RestMethod "$env:OPS_TEST_PROMETHEUS_URL/api/v1/query?query=$query").data.result
            }
            $found | Should -Not -BeNullOrEmpty -Because 'Prometheus scrapes the watch loop every second'
            $found[0].value[1] | Should -Be '1'
            $found[0].metric.kind | Should -Be 'dns'
        }
        finally {
            $job | Stop-Job -PassThru | Remove-Job -Force
        }
    }
}

Describe 'The CI gate' {
    It 'Assert-ServiceHealth exits a pwsh script with 1 and names the failing service' {
        $output = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$env:OPS_TEST_MODULE_PATH'; Test-ServiceHealth -Uri dns://localhost, tcp://127.0.0.1:1 -StatePath '$TestDrive/g' | Assert-ServiceHealth" 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 1
        $output | Should -Match '1 of 2 services failing'
        $output | Should -Match '127\.0\.0\.1:1: Unreachable'
    }

    It 'Assert-ServiceHealth passes healthy results through with -PassThru' {
        $results = Test-ServiceHealth -Uri dns://localhost -StatePath (Join-Path $TestDrive 'g2') | Assert-ServiceHealth -PassThru
        $results.Status | Should -Be 'Healthy'
    }

    It 'examples/ci-health-check.ps1 prints JSON for machines and exits 1 when a service fails' {
        $catalog = Join-Path $TestDrive 'ci.psd1'
        Set-Content $catalog "@{ Services = @( @{ Name = 'resolver'; Kind = 'Dns'; Uri = 'localhost' }, @{ Name = 'closed'; Uri = 'tcp://127.0.0.1:1' } ) }"
        $env:OPS_STATE_PATH = Join-Path $TestDrive 'ci-state'
        try {
            $stdout = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$env:OPS_TEST_MODULE_PATH'; & '$(Join-Path $Examples 'ci-health-check.ps1')' -Path '$catalog' -Json" 2>$null
            $exit = $LASTEXITCODE
        }
        finally { Remove-Item env:OPS_STATE_PATH }
        $exit | Should -Be 1
        $report = ($stdout -join "`n") | ConvertFrom-Json
        $report.schemaVersion | Should -Be 1
        $report.counts.unreachable | Should -Be 1
        ($report.results | Where-Object name -EQ 'resolver').status | Should -Be 'Healthy'
    }

    It 'examples/ci-health-check.ps1 -Json under pwsh -File: one JSON document on stdout while a YAML catalog''s alert fires, the summary on stderr' {
        $name = "ci-yaml-$(New-Guid)"
        $catalog = Join-Path $TestDrive 'ci.yaml'
        Set-Content $catalog @"
Services:
  - Name: $name
    Uri: tcp://127.0.0.1:1
    TimeoutSec: 3
  - Name: resolver
    Kind: Dns
    Uri: localhost
Alerting:
  FailureThreshold: 1
  Channels:
    - Type: Alertmanager
      Uri: $env:OPS_TEST_ALERTMANAGER_URL
"@
        $stderrFile = Join-Path $TestDrive 'ci-stderr.txt'
        $env:OPS_STATE_PATH = Join-Path $TestDrive 'ci-yaml-state'
        $env:OPS_LOG_TO_CONSOLE = '0'
        try {
            $stdout = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $Examples 'ci-health-check.ps1') -Path $catalog -Json 2> $stderrFile
            $exit = $LASTEXITCODE
        }
        finally { Remove-Item env:OPS_STATE_PATH, env:OPS_LOG_TO_CONSOLE }
        $stderr = Get-Content $stderrFile -Raw

        $exit | Should -Be 1 -Because $stderr
        $report = ($stdout -join "`n") | ConvertFrom-Json -NoEnumerate
        $report | Should -BeOfType ([pscustomobject])
        $report.overallStatus | Should -Be 'Unreachable'
        ($report.results | Where-Object name -EQ $name).status | Should -Be 'Unreachable'
        $stderr | Should -Match "Alert Firing: $name"
        $stderr | Should -Match "Overall Unreachable: 1 of 2 services failing"
        $stderr | Should -Not -Match "`e\["
        $active = Invoke-RestMethod "$env:OPS_TEST_ALERTMANAGER_URL/api/v2/alerts?filter=service%3D%22$name%22"
        @($active).Count | Should -Be 1
    }
}
