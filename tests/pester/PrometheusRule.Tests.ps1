#Requires -Version 7.4
# Test-PrometheusRule and Invoke-PrometheusRule as a person types them, against the real
# Prometheus and Alertmanager that ./build.ps1 Test starts.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    foreach ($variable in 'OPS_TEST_PROMETHEUS_URL', 'OPS_TEST_ALERTMANAGER_URL') {
        if (-not [Environment]::GetEnvironmentVariable($variable)) { throw "Needs ${variable}: ./build.ps1 Test starts the service and sets it." }
    }
    $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL
    $script:ExampleRules = Join-Path $PSScriptRoot '..' '..' 'examples' 'prometheus' 'ops-health.rules.yml'

    # Prometheus has an up series once it has scraped itself.
    $deadline = [DateTime]::UtcNow.AddMinutes(1)
    while (-not (Invoke-RestMethod "$Prometheus/api/v1/query?query=up").data.result) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'Prometheus has not scraped itself within a minute.' }
        Start-Sleep -Seconds 1
    }
}

Describe 'Test-PrometheusRule' {
    It 'accepts the example rule file and counts its rules' {
        $summary = Test-PrometheusRule -Path $ExampleRules -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $summary | Should -BeOfType ([OpsAutomation.Models.Alerting.RuleFileSummary])
        $summary.Valid | Should -BeTrue
        ($summary.AlertingRuleCount + $summary.RecordingRuleCount) | Should -Be 12
    }

    It 'writes one RuleFileInvalid error per problem, naming file, line, group and rule' {
        Set-Content TestDrive:/bad.yml "groups:`n  - name: g`n    rules:`n      - alert: A`n      - alert: B`n        expr: up`n        for: soon`n"
        $summary = Test-PrometheusRule TestDrive:/bad.yml -ErrorVariable problems -ErrorAction SilentlyContinue
        $summary.Valid | Should -BeFalse
        $problems.Count | Should -Be 2
        $problems | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'RuleFileInvalid,*' }
        $problems[0].Exception.Message | Should -BeLike '*bad.yml:4: group "g", rule "A": field ''expr'' must be set in rule'
        $problems[1].Exception.Message | Should -BeLike '*bad.yml:7: group "g", rule "B": ''for'': not a valid duration string: "soon"'
    }

    It 'takes files from Get-ChildItem and reports a missing one as RuleFileNotFound' {
        Set-Content TestDrive:/ok.yml "groups:`n  - name: g`n    rules:`n      - record: job:up`n        expr: sum by (job) (up)`n"
        (Get-ChildItem TestDrive:/ok.yml | Test-PrometheusRule).RecordingRuleCount | Should -Be 1
        { Test-PrometheusRule TestDrive:/missing.yml -ErrorAction Stop } | Should -Throw -ErrorId 'RuleFileNotFound,OpsAutomation.Commands.TestPrometheusRuleCommand'
    }

    It 'shows a table with the file and its counts' {
        $text = Test-PrometheusRule $ExampleRules | Out-String
        $text | Should -Match 'Valid\s+Groups\s+Alerts\s+Records\s+Problems\s+File'
    }
}

Describe 'Invoke-PrometheusRule' {
    BeforeAll {
        $script:Name = 'PesterRule' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Set-Content TestDrive:/up.yml @"
groups:
  - name: pester
    rules:
      - alert: $Name
        expr: up{job="prometheus"} == 1
        labels:
          severity: warning
        annotations:
          summary: '{{ `$labels.job }} is up with value {{ `$value }}'
      - alert: ${Name}Later
        expr: up{job="prometheus"} == 1
        for: 1h
"@
    }

    It '-WhatIf evaluates without storing state or sending' {
        $state = Join-Path $TestDrive 'whatif-state'
        $alerts = Invoke-PrometheusRule TestDrive:/up.yml -PrometheusUri $Prometheus -AlertmanagerUri $env:OPS_TEST_ALERTMANAGER_URL -StatePath $state -WhatIf
        ($alerts | Where-Object AlertName -eq $Name).State | Should -Be 'Firing'
        $active = Invoke-RestMethod "$env:OPS_TEST_ALERTMANAGER_URL/api/v2/alerts?filter=alertname%3D%22$Name%22"
        @($active).Count | Should -Be 0
    }

    It 'fires, keeps pending ones pending across runs, and makes the alert visible in Alertmanager' {
        $state = Join-Path $TestDrive 'state'
        $first = Invoke-PrometheusRule -Path TestDrive:/up.yml -PrometheusUri $Prometheus -AlertmanagerUri $env:OPS_TEST_ALERTMANAGER_URL -StatePath $state
        $second = Invoke-PrometheusRule -Path TestDrive:/up.yml -PrometheusUri $Prometheus -StatePath $state

        $firing = $first | Where-Object AlertName -eq $Name
        $firing | Should -BeOfType ([OpsAutomation.Models.Alerting.RuleAlert])
        $firing.State | Should -Be 'Firing'
        $firing.Annotations['summary'] | Should -Be 'prometheus is up with value 1'
        $firing.Delivered | Should -Not -BeNullOrEmpty
        $later = @($first; $second) | Where-Object AlertName -eq "${Name}Later"
        $later.State | Should -Be 'Pending', 'Pending'
        $later[1].ActiveSince | Should -Be $later[0].ActiveSince

        $active = Invoke-RestMethod "$env:OPS_TEST_ALERTMANAGER_URL/api/v2/alerts?filter=alertname%3D%22$Name%22"
        $alert = @($active) | Select-Object -First 1
        $alert.labels.job | Should -Be 'prometheus'
        $alert.annotations.summary | Should -Be 'prometheus is up with value 1'
    }

    It 'a Prometheus error is a result with the reason and a warning, not a failure' {
        Set-Content TestDrive:/broken.yml "groups:`n  - name: g`n    rules:`n      - alert: Broken`n        expr: sum(`n"
        $alert = Invoke-PrometheusRule TestDrive:/broken.yml -PrometheusUri $Prometheus -StatePath (Join-Path $TestDrive 's2') -WarningVariable warnings -WarningAction SilentlyContinue
        $alert.State | Should -Be 'Inactive'
        $alert.Error | Should -BeLike 'Prometheus refused the query (bad_data):*'
        $warnings | Should -Not -BeNullOrEmpty
    }

    It 'an invalid file is not evaluated: RuleFileInvalid per problem' {
        Set-Content TestDrive:/invalid.yml "groups:`n  - name: g`n    rules:`n      - alert: A`n"
        { Invoke-PrometheusRule TestDrive:/invalid.yml -PrometheusUri $Prometheus -StatePath (Join-Path $TestDrive 's3') -ErrorAction Stop } |
            Should -Throw -ErrorId 'RuleFileInvalid,OpsAutomation.Commands.InvokePrometheusRuleCommand'
    }

    It 'shows a table of alert name, state, value and labels' {
        $text = Invoke-PrometheusRule TestDrive:/up.yml -PrometheusUri $Prometheus -StatePath (Join-Path $TestDrive 's4') -WhatIf | Out-String
        $text | Should -Match 'AlertName\s+State\s+Value\s+ActiveSince\s+Labels'
        $text | Should -Match "$Name\s+Firing"
    }
}
