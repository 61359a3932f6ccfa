#Requires -Version 7.4
# The alert rules, their promtool unit tests and the Grafana dashboard under examples/, checked
# with the real promtool and Prometheus that ./build.ps1 Test provides.

BeforeDiscovery {
    $script:Alerts = 'CertificateExpiringSoon', 'CircuitOpen', 'HealthChecksAbsent', 'HealthChecksStale', 'HighFailureRatio',
        'ServiceDegraded', 'ServiceDown', 'SlowHealthCheck'
    $dashboard = Get-Content (Join-Path $PSScriptRoot '..' '..' 'examples' 'grafana' 'ops-health-dashboard.json') -Raw | ConvertFrom-Json -Depth 100
    $script:Targets = @(foreach ($panel in $dashboard.panels) {
            foreach ($target in $panel.targets) { @{ Panel = $panel.title; RefId = $target.refId; Expr = $target.expr } }
        })
}

BeforeAll {
    $examples = Join-Path $PSScriptRoot '..' '..' 'examples'
    $script:RuleFile = Join-Path $examples 'prometheus' 'ops-health.rules.yml'
    $script:RuleTestFile = Join-Path $examples 'prometheus' 'ops-health.rules.test.yml'
    $script:DashboardFile = Join-Path $examples 'grafana' 'ops-health-dashboard.json'

    $script:Promtool = (Get-Command promtool -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    if (-not $Promtool) { throw 'promtool is not on PATH: it comes with the Debian prometheus package, which ./build.ps1 Test installs when it starts Prometheus.' }

    function Invoke-Promtool([string[]] $Arguments) {
        $output = & $Promtool @Arguments 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
}

Describe 'examples/prometheus/ops-health.rules.yml' {
    BeforeAll {
        $script:RuleText = Get-Content $RuleFile -Raw
    }

    It 'promtool check rules accepts it and counts every recording and alerting rule' {
        $ruleCount = [regex]::Matches($RuleText, '(?m)^\s*- (alert|record):').Count
        $ruleCount | Should -Be 12
        $result = Invoke-Promtool 'check', 'rules', $RuleFile
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -Match "SUCCESS: $ruleCount rules found"
    }

    It 'defines exactly the documented alerts' {
        $names = [regex]::Matches($RuleText, '(?m)^\s*- alert: (\w+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique
        $names | Should -Be ($Alerts | Sort-Object)
    }

    It 'promtool test rules passes every unit test' {
        $result = Invoke-Promtool 'test', 'rules', $RuleTestFile
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -Match 'SUCCESS'
    }

    It 'the unit tests show <_> both firing and not firing' -ForEach $Alerts {
        $alert = $_
        $cases = [regex]::Matches((Get-Content $RuleTestFile -Raw), '(?m)^\s*alertname: (?<name>\w+)\s*\n\s*exp_alerts:(?<none> \[\])?') |
            Where-Object { $_.Groups['name'].Value -eq $alert }
        @($cases | Where-Object { $_.Groups['none'].Success }).Count | Should -BeGreaterThan 0 -Because 'a case must expect no alert'
        @($cases | Where-Object { -not $_.Groups['none'].Success }).Count | Should -BeGreaterThan 0 -Because 'a case must expect the alert'
    }

    It 'promtool check rules rejects a broken rule file' {
        $broken = Join-Path $TestDrive 'broken.rules.yml'
        Set-Content $broken "groups:`n  - name: broken`n    rules:`n      - alert: Broken`n        expr: rate(ops_health_checks_total[5m]`n        for: soon`n"
        $result = Invoke-Promtool 'check', 'rules', $broken
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -Match 'FAILED'
    }

    It 'promtool test rules fails when an expected alert does not fire' {
        $test = Join-Path $TestDrive 'wrong.rules.test.yml'
        Set-Content $test @"
rule_files:
  - '$((Resolve-Path $RuleFile).Path)'
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'ops_health_up{service="web",kind="http"}'
        values: '1x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: ServiceDown
        exp_alerts:
          - exp_labels: { severity: critical, service: web, kind: http }
"@
        $result = Invoke-Promtool 'test', 'rules', $test
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -Match 'alertname: ServiceDown'
    }
}

Describe 'examples/grafana/ops-health-dashboard.json' {
    BeforeAll {
        $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL
        if (-not $Prometheus) { throw 'Needs Prometheus: ./build.ps1 Test starts it and sets OPS_TEST_PROMETHEUS_URL.' }
        $script:Dashboard = Get-Content $DashboardFile -Raw | ConvertFrom-Json -Depth 100

        # The query Grafana sends with every service selected.
        function Invoke-PanelQuery([string] $Expr) {
            $query = $Expr.Replace('$service', '.*').Replace('$__rate_interval', '5m')
            $query | Should -Not -Match '\$' -Because 'a panel may use only the $service and $__rate_interval variables'
            Invoke-RestMethod -Method Post -Uri "$Prometheus/api/v1/query" -Body @{ query = $query } -SkipHttpErrorCheck
        }
    }

    It 'has what an import needs: uid, title, schemaVersion and unique panel ids and positions' {
        $Dashboard.uid | Should -Not -BeNullOrEmpty
        $Dashboard.title | Should -Not -BeNullOrEmpty
        $Dashboard.schemaVersion | Should -BeGreaterOrEqual 36
        $Dashboard.panels.Count | Should -BeGreaterOrEqual 6
        ($Dashboard.panels.id | Sort-Object -Unique).Count | Should -Be $Dashboard.panels.Count
        ($Dashboard.panels | ForEach-Object { "$($_.gridPos.x),$($_.gridPos.y)" } | Sort-Object -Unique).Count | Should -Be $Dashboard.panels.Count
    }

    It 'picks the data source and the services from variables' {
        $variables = $Dashboard.templating.list
        ($variables | Where-Object name -EQ 'datasource').query | Should -Be 'prometheus'
        $service = $variables | Where-Object name -EQ 'service'
        $service.definition | Should -Be 'label_values(ops_health_up, service)'
        $service.multi | Should -BeTrue
        $service.includeAll | Should -BeTrue
        $service.allValue | Should -Be '.*'
    }

    It 'every panel queries Prometheus through the data source variable, filtered by $service' {
        foreach ($panel in $Dashboard.panels) {
            $panel.targets.Count | Should -BeGreaterThan 0 -Because "panel '$($panel.title)' needs a query"
            $panel.datasource.uid | Should -Be '${datasource}' -Because "panel '$($panel.title)'"
            foreach ($target in $panel.targets) {
                $target.datasource.uid | Should -Be '${datasource}' -Because "panel '$($panel.title)'"
                $target.expr | Should -Match 'service=~"\$service"' -Because "panel '$($panel.title)'"
            }
        }
    }

    It 'shows <_>' -ForEach 'ops_health_status', 'ops_health_checks_total', 'ops_health_check_duration_seconds_bucket',
        'ops_health_circuit_open', 'ops_health_certificate_expiry_timestamp_seconds', 'ops_health_last_check_timestamp_seconds' {
        $metric = $_
        $Dashboard.panels.targets.expr | Where-Object { $_ -match "\b$metric\{" } | Should -Not -BeNullOrEmpty
    }

    It 'Prometheus accepts the query of <Panel> (<RefId>)' -ForEach $Targets {
        $response = Invoke-PanelQuery $Expr
        $response.status | Should -Be 'success' -Because "$($response.errorType): $($response.error)"
    }

    It 'Prometheus rejects a broken query sent the same way' {
        $response = Invoke-PanelQuery 'sum by (service) (rate(ops_health_checks_total{service=~"$service"}[$__rate_interval])'
        $response.status | Should -Be 'error'
        $response.errorType | Should -Be 'bad_data'
    }
}
