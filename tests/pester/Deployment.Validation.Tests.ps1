#Requires -Version 7.4
# What a person types to validate a deployment: health gates against a live service, metric gates
# against the real Prometheus that ./build.ps1 Test starts, a deployment spec, and the errors
# that name the bad key.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    if (-not $env:OPS_TEST_PROMETHEUS_URL) { throw 'OPS_TEST_PROMETHEUS_URL is not set: run through ./build.ps1 Test, which starts Prometheus.' }
    Import-Module $modulePath -Force
    $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL
    $script:State = Join-Path $TestDrive 'state'
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $script:ClosedPort = $listener.LocalEndpoint.Port
    $listener.Stop()
    # Prometheus scrapes itself every 15 s: wait for its first up sample so metric gates have data.
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while (-not (Invoke-RestMethod "$Prometheus/api/v1/query" -Body @{ query = 'up{job="prometheus"} == 1' } -TimeoutSec 5).data.result) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'Prometheus has not scraped itself within a minute.' }
        Start-Sleep -Milliseconds 500
    }
}

Describe 'Health gates' {
    It 'passes a live service after SuccessCount rounds in a row' {
        $validation = Test-Deployment -Uri "$Prometheus/-/ready" -SuccessCount 2 -IntervalSec 0.05 -StatePath $State

        $validation | Should -BeOfType ([OpsAutomation.Models.Deployment.DeploymentValidation])
        $validation.Outcome | Should -Be 'Passed'
        $validation.Gates[0].Reason | Should -Match 'passed 2 rounds in a row'
        @($validation.Evaluations).Count | Should -Be 2
    }

    It 'fails a service that is down, with a warning that says why' {
        $validation = Test-Deployment -Uri "http://127.0.0.1:$ClosedPort/healthz" -SuccessCount 2 -IntervalSec 0.05 -NoHistory -WarningVariable warnings -WarningAction SilentlyContinue

        $validation.Outcome | Should -Be 'Failed'
        $validation.DecidedBy | Should -Be 'health'
        $validation.Reason | Should -Match '^health: 1 of 1 rounds failed \(limit 0\); last: .*Unreachable'
        "$warnings" | Should -Match 'Validation Failed: health: 1 of 1 rounds failed'
    }

    It 'checks the catalog services that -Name selects' {
        $catalog = Join-Path $TestDrive 'services.psd1'
        Set-Content $catalog "@{ Services = @( @{ Name = 'prometheus'; Kind = 'Prometheus'; Uri = '$Prometheus' }; @{ Name = 'legacy'; Uri = 'http://127.0.0.1:$ClosedPort/' } ) }"

        $validation = Test-Deployment -CatalogPath $catalog -Name 'prom*' -SuccessCount 1 -NoHistory

        $validation.Outcome | Should -Be 'Passed'
        $validation.Evaluations.Query | Should -Be @("prometheus ($Prometheus/)")
    }

    It 'names -Name when it matches no service of the catalog' {
        $catalog = Join-Path $TestDrive 'one.psd1'
        Set-Content $catalog "@{ Services = @( @{ Name = 'prometheus'; Kind = 'Prometheus'; Uri = '$Prometheus' } ) }"

        $record = { Test-Deployment -CatalogPath $catalog -Name 'web*' -NoHistory } | Should -Throw -ErrorId 'ValidationGateInvalid,OpsAutomation.Commands.TestDeploymentCommand' -PassThru
        $record.Exception.Message | Should -Match ([regex]::Escape("parameters, key '-Name': no service of '$catalog' matches 'web*'; it has prometheus"))
    }

    It 'takes the URL from the ServiceUrl property of a piped object' {
        $validation = [pscustomobject]@{ ServiceUrl = "$Prometheus/-/healthy" } | Test-Deployment -SuccessCount 1 -NoHistory

        $validation.Outcome | Should -Be 'Passed'
        $validation.Evaluations[0].Query | Should -BeLike "*$Prometheus/-/healthy*"
    }
}

Describe 'Metric gates' {
    It 'passes a query under its threshold and records each value' {
        $gate = @{ Name = 'up'; Query = 'max(up{job="prometheus"})'; Threshold = '> 0.5'; Count = 2; IntervalSec = 0.05 }
        $validation = Test-Deployment -MetricGate $gate -PrometheusUri $Prometheus

        $validation.Outcome | Should -Be 'Passed'
        $validation.Evaluations.Value | Should -Be @(1, 1)
        $validation.Evaluations.Threshold | Should -Be @('> 0.5', '> 0.5')
    }

    It 'fails with the value, the threshold, the count and the limit in the reason' {
        $gate = @{ Name = 'error-ratio'; Query = 'max(up{job="prometheus"})'; Threshold = '< 0.05'; Count = 3; FailureLimit = 1; IntervalSec = 0.05 }
        $validation = Test-Deployment -MetricGate $gate -PrometheusUri $Prometheus -WarningAction SilentlyContinue

        $validation.Outcome | Should -Be 'Failed'
        $validation.Reason | Should -Be 'error-ratio: 1 > 0.05 in 2 of 2 evaluations (limit 1)'
    }

    It 'says no data and follows the NoData policy <Policy>' -ForEach @(
        @{ Policy = 'Fail'; Outcome = 'Failed' }
        @{ Policy = 'Inconclusive'; Outcome = 'Inconclusive' }
        @{ Policy = 'Pass'; Outcome = 'Passed' }
    ) {
        $gate = @{ Name = 'latency'; Query = 'no_such_metric_for_gates'; Threshold = '< 0.5'; Count = 1; NoData = $Policy }
        $validation = Test-Deployment -MetricGate $gate -PrometheusUri $Prometheus -WarningAction SilentlyContinue

        $validation.Outcome | Should -Be $Outcome
        $validation.Evaluations[0].Verdict | Should -Be 'NoData'
        $validation.Evaluations[0].Message | Should -BeLike 'no data (the query returned no series)*'
    }

    It 'makes bad PromQL an Error evaluation with Prometheus''s reason' {
        $gate = @{ Name = 'broken'; Query = 'sum(rate(x[1m])'; Threshold = '< 1'; Count = 1 }
        $validation = Test-Deployment -MetricGate $gate -PrometheusUri $Prometheus -WarningAction SilentlyContinue

        $validation.Outcome | Should -Be 'Failed'
        $validation.Evaluations[0].Verdict | Should -Be 'Error'
        $validation.Evaluations[0].Message | Should -BeLike 'Prometheus refused the query (bad_data)*'
    }

    It 'shows each evaluation with -Verbose' {
        $gate = @{ Name = 'up'; Query = 'max(up{job="prometheus"})'; Threshold = '>= 1'; Count = 1 }
        $verbose = Test-Deployment -MetricGate $gate -PrometheusUri $Prometheus -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }

        "$verbose" | Should -Match 'up #1: Pass: 1 >= 1'
    }
}

Describe 'A deployment spec' {
    It 'runs the gates of its Validation section' {
        $spec = Join-Path $TestDrive 'deploy.psd1'
        Set-Content $spec @"
@{
    Name = 'payments'
    Validation = @{
        PrometheusUri = '$Prometheus'
        HealthGates = @( @{ Name = 'ready'; Uri = '$Prometheus/-/ready'; SuccessCount = 1 } )
        MetricGates = @( @{ Name = 'up'; Query = 'max(up{job="prometheus"})'; Threshold = '>= 1'; Count = 1 } )
    }
}
"@
        $validation = Test-Deployment -Path $spec -StatePath $State

        $validation.Outcome | Should -Be 'Passed'
        $validation.Gates.Gate | Should -Be @('ready', 'up')
    }

    It 'names the file and the key of a bad value' {
        $spec = Join-Path $TestDrive 'bad.psd1'
        Set-Content $spec "@{ Validation = @{ PrometheusUri = '$Prometheus'; MetricGates = @( @{ Name = 'up'; Query = 'up'; Threshold = '0.05' } ) } }"

        $record = { Test-Deployment -Path $spec } | Should -Throw -ErrorId 'DeploymentSpecInvalid,OpsAutomation.Commands.TestDeploymentCommand' -PassThru
        $record.Exception.Message | Should -Match ([regex]::Escape("bad.psd1, key 'Validation.MetricGates[0].Threshold': '0.05' is not a condition"))
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'is DeploymentSpecNotFound when the file is not there' {
        { Test-Deployment -Path (Join-Path $TestDrive 'none.psd1') } | Should -Throw -ErrorId 'DeploymentSpecNotFound,OpsAutomation.Commands.TestDeploymentCommand'
    }
}

Describe 'Parameter errors' {
    It 'names -MetricGate and its key' {
        $record = { Test-Deployment -MetricGate @{ Name = 'x'; Query = 'up'; Threshold = '< 1'; NoData = 'Ignore' } -PrometheusUri $Prometheus } |
            Should -Throw -ErrorId 'ValidationGateInvalid,OpsAutomation.Commands.TestDeploymentCommand' -PassThru
        $record.Exception.Message | Should -Match ('^' + [regex]::Escape("parameters, key '-MetricGate[0].NoData': unknown NoData policy 'Ignore'"))
    }

    It 'asks for a Prometheus when there are metric gates' {
        $record = { Test-Deployment -MetricGate @{ Name = 'x'; Query = 'up'; Threshold = '< 1' } } | Should -Throw -ErrorId 'ValidationGateInvalid,OpsAutomation.Commands.TestDeploymentCommand' -PassThru
        $record.Exception.Message | Should -BeLike "*key '-PrometheusUri'*give PrometheusUri*"
    }

    It 'names -PrometheusUri when it is not an http(s) URL, with a spec too' {
        $spec = Join-Path $TestDrive 'ftp.psd1'
        Set-Content $spec "@{ Validation = @{ MetricGates = @( @{ Name = 'up'; Query = 'up'; Threshold = '> 0' } ) } }"

        $record = { Test-Deployment -Path $spec -PrometheusUri ftp://prometheus.test/ } | Should -Throw -ErrorId 'ValidationGateInvalid,OpsAutomation.Commands.TestDeploymentCommand' -PassThru
        $record.Exception.Message | Should -BeLike "parameters, key '-PrometheusUri': 'ftp://prometheus.test/' is not an absolute http(s) URL"
    }

    It 'is ValidationGateMissing without any gate' {
        { Test-Deployment } | Should -Throw -ErrorId 'ValidationGateMissing,OpsAutomation.Commands.TestDeploymentCommand'
    }

    It 'names -WindowSec when the window cannot hold the rounds' {
        $record = { Test-Deployment -Uri http://127.0.0.1:1/ -SuccessCount 5 -IntervalSec 10 -WindowSec 20 -NoHistory } | Should -Throw -PassThru
        $record.Exception.Message | Should -BeLike "parameters, key '-WindowSec': 20 s cannot hold 5 rounds 10 s apart*"
    }
}
