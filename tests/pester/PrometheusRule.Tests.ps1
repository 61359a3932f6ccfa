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

    It 'parses every expression as promtool does: valid PromQL outside the in-process subset passes, a syntax error does not' {
        Set-Content TestDrive:/promql.yml "groups:`n  - name: g`n    rules:`n      - alert: Outside`n        expr: topk(3, rate(x[5m] offset 1h)) > 0`n      - alert: Broken`n        expr: rate(x) > 0`n"
        $summary = Test-PrometheusRule TestDrive:/promql.yml -ErrorVariable problems -ErrorAction SilentlyContinue
        $summary.Valid | Should -BeFalse
        $problems.Count | Should -Be 1
        $problems[0].Exception.Message | Should -BeLike '*promql.yml:7: group "g", rule "Broken": could not parse expression: parse error at position 1: expected type range vector in call to function "rate", got instant vector'
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

    It 'an answer Prometheus cannot give for a rule is a result with the reason and a warning, not a failure' {
        # Valid PromQL (so the file is valid), but a range vector is no rule result.
        Set-Content TestDrive:/matrix.yml "groups:`n  - name: g`n    rules:`n      - alert: Matrix`n        expr: up[1m]`n"
        $alert = Invoke-PrometheusRule TestDrive:/matrix.yml -PrometheusUri $Prometheus -StatePath (Join-Path $TestDrive 's2') -WarningVariable warnings -WarningAction SilentlyContinue
        $alert.State | Should -Be 'Inactive'
        $alert.Error | Should -BeLike 'the expression returns a matrix*'
        $warnings | Should -Not -BeNullOrEmpty
    }

    It 'a syntax error promtool reports makes the file invalid, so it is not evaluated' {
        Set-Content TestDrive:/broken.yml "groups:`n  - name: g`n    rules:`n      - alert: Broken`n        expr: sum(`n"
        { Invoke-PrometheusRule TestDrive:/broken.yml -PrometheusUri $Prometheus -StatePath (Join-Path $TestDrive 's2b') -ErrorAction Stop } |
            Should -Throw -ErrorId 'RuleFileInvalid,OpsAutomation.Commands.InvokePrometheusRuleCommand' -ExpectedMessage '*could not parse expression*'
    }

    It 'an unreachable Prometheus is a PrometheusUnreachable error, and a script with Stop exits non-zero' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $unused = "http://127.0.0.1:$($listener.LocalEndpoint.Port)"
        $listener.Stop()

        $alerts = Invoke-PrometheusRule TestDrive:/up.yml -PrometheusUri $unused -StatePath (Join-Path $TestDrive 's5') -ErrorVariable failures -ErrorAction SilentlyContinue
        $succeeded = $?
        $succeeded | Should -BeFalse
        $alerts | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'PrometheusUnreachable,OpsAutomation.Commands.InvokePrometheusRuleCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $failures[0].Exception.Message | Should -BeLike "*up.yml were not evaluated:*127.0.0.1:$($unused.Split(':')[-1])*"

        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$env:OPS_TEST_MODULE_PATH'; Invoke-PrometheusRule '$(Join-Path $TestDrive up.yml)' -PrometheusUri $unused -StatePath '$(Join-Path $TestDrive s6)'; 'not reached'"
        $output = & $pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0 -Because $output
        $output | Should -Not -Match 'not reached'
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

Describe 'Invoke-PrometheusRule -InProcess' {
    BeforeAll {
        $script:Suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
        New-Metric "pester_inprocess_queue_depth_$Suffix" Gauge -Help 'Queue depth for in-process rules.' -LabelName queue | Out-Null
        New-Metric "pester_inprocess_jobs_${Suffix}_total" Counter -Help 'Jobs done, for in-process rate rules.' | Out-Null
        Set-Content TestDrive:/inprocess.yml @"
groups:
  - name: pester-inprocess
    rules:
      - alert: QueueDeep
        expr: pester_inprocess_queue_depth_$Suffix > 10
        labels:
          severity: critical
          test_run: '$Suffix'
        annotations:
          summary: 'queue {{ `$labels.queue }} holds {{ `$value }}'
      - alert: QueueDeepForAnHour
        expr: pester_inprocess_queue_depth_$Suffix > 10
        for: 1h
      - alert: JobsRunning
        expr: rate(pester_inprocess_jobs_${Suffix}_total[5m]) > 0
      - alert: MachineHasMemory
        expr: node_memory_MemTotal_bytes > 0
      - alert: Unsupported
        expr: predict_linear(node_memory_MemAvailable_bytes[5m], 3600) < 0
"@
    }

    It 'fires on the module''s own metrics, keeps pending clocks, and needs history for rate()' {
        $state = Join-Path $TestDrive 'inprocess-state'
        Update-Metric "pester_inprocess_queue_depth_$Suffix" -Label @{ queue = 'billing' } -Set 12
        Update-Metric "pester_inprocess_jobs_${Suffix}_total" -Increment 5
        $first = Invoke-PrometheusRule TestDrive:/inprocess.yml -InProcess -StatePath $state -AlertmanagerUri $env:OPS_TEST_ALERTMANAGER_URL -WarningAction SilentlyContinue
        Start-Sleep -Milliseconds 1100
        Update-Metric "pester_inprocess_jobs_${Suffix}_total" -Increment 60
        $second = Invoke-PrometheusRule TestDrive:/inprocess.yml -InProcess -StatePath $state -WarningAction SilentlyContinue

        $deep = $first | Where-Object AlertName -eq 'QueueDeep'
        $deep | Should -BeOfType ([OpsAutomation.Models.Alerting.RuleAlert])
        $deep.State | Should -Be 'Firing'
        $deep.Value | Should -Be 12
        $deep.Labels['queue'] | Should -Be 'billing'
        $deep.Labels['severity'] | Should -Be 'critical'
        $deep.Annotations['summary'] | Should -Be 'queue billing holds 12'
        $deep.Delivered | Should -Not -BeNullOrEmpty

        $later = @($first; $second) | Where-Object AlertName -eq 'QueueDeepForAnHour'
        $later.State | Should -Be 'Pending', 'Pending'
        $later[1].ActiveSince | Should -Be $later[0].ActiveSince

        ($first | Where-Object AlertName -eq 'JobsRunning').State | Should -Be 'Inactive' -Because 'one sample of a counter has no rate'
        $running = $second | Where-Object AlertName -eq 'JobsRunning'
        $running.State | Should -Be 'Firing' -Because 'the first run''s sample is kept in the state store'
        $running.Value | Should -BeGreaterThan 0

        ($first | Where-Object AlertName -eq 'MachineHasMemory').State | Should -Be 'Firing'
        $unsupported = $first | Where-Object AlertName -eq 'Unsupported'
        $unsupported.Error | Should -BeLike "*unsupported function 'predict_linear' at position 1*"

        $active = Invoke-RestMethod "$env:OPS_TEST_ALERTMANAGER_URL/api/v2/alerts?filter=alertname%3D%22QueueDeep%22"
        # Alertmanager outlives this test file: only this run's alert counts.
        (@($active) | Where-Object { $_.labels.test_run -eq $Suffix }).annotations.summary | Should -Be 'queue billing holds 12'
    }

    It 'gives the same alert as Prometheus for the same samples' {
        Set-Content TestDrive:/build.yml "groups:`n  - name: g`n    rules:`n      - alert: BuildInfo`n        expr: prometheus_build_info == 1`n"
        $scrape = Get-PrometheusMetric -Uri "$Prometheus/metrics"
        $local = Invoke-PrometheusRule TestDrive:/build.yml -InProcess -Sample $scrape -StatePath (Join-Path $TestDrive 'same-1')
        $remote = Invoke-PrometheusRule TestDrive:/build.yml -PrometheusUri $Prometheus -StatePath (Join-Path $TestDrive 'same-2')
        $local.State | Should -Be $remote.State
        $local.State | Should -Be 'Firing'
        $local.Value | Should -Be $remote.Value
        $local.Labels['version'] | Should -Be $remote.Labels['version']
        $local.Labels['goversion'] | Should -Be $remote.Labels['goversion']
    }

    It '-WhatIf evaluates the current samples without keeping them' {
        $state = Join-Path $TestDrive 'inprocess-whatif'
        Update-Metric "pester_inprocess_jobs_${Suffix}_total" -Increment 1
        $null = Invoke-PrometheusRule TestDrive:/inprocess.yml -InProcess -StatePath $state -WhatIf -WarningAction SilentlyContinue
        Start-Sleep -Milliseconds 1100
        Update-Metric "pester_inprocess_jobs_${Suffix}_total" -Increment 1
        $after = Invoke-PrometheusRule TestDrive:/inprocess.yml -InProcess -StatePath $state -WarningAction SilentlyContinue
        ($after | Where-Object AlertName -eq 'JobsRunning').State | Should -Be 'Inactive' -Because 'the -WhatIf run kept no sample to take a rate from'
    }

    It 'refuses two samples with one label set, naming it' {
        $labels = [System.Collections.Generic.Dictionary[string, string]]::new()
        $labels['a'] = 'b'
        $sample = [OpsAutomation.Models.Metrics.MetricSample]@{ Name = 'dup_metric'; Family = 'dup_metric'; Labels = $labels; Value = 1 }
        { Invoke-PrometheusRule TestDrive:/inprocess.yml -InProcess -Sample $sample, $sample -StatePath (Join-Path $TestDrive 'dup') -ErrorAction Stop } |
            Should -Throw -ErrorId 'MetricSampleDuplicate,OpsAutomation.Commands.InvokePrometheusRuleCommand' -ExpectedMessage '*dup_metric{a="b"}*'
    }
}
