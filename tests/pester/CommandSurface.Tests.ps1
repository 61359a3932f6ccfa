#Requires -Version 7.4
# The cmdlets as a person meets them at the prompt: parameter names that mean one thing each,
# tab completion of the names the module knows, unknown names as errors, and stopping servers.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force

    function Get-FreePort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
    }

    function Get-Completion([string] $InputScript) {
        @((TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length).CompletionMatches.CompletionText)
    }

    # A history of six checks of 'surface-api' and two of 'surface-db', newest last.
    $script:History = Join-Path $TestDrive 'history-state'
    1..6 | ForEach-Object { $null = Test-ServiceHealth -Uri dns://localhost -Name surface-api -StatePath $History }
    1..2 | ForEach-Object { $null = Test-ServiceHealth -Uri dns://localhost -Name surface-db -StatePath $History }

    # One pipeline run.
    $script:PipelineState = Join-Path $TestDrive 'pipeline-state'
    $csv = Join-Path $TestDrive 'in.csv'
    Set-Content $csv "id,name`n1,a`n2,b"
    $script:Run = Start-DataPipeline -Name surface-orders -Source @{ Type = 'Csv'; Path = $csv } `
        -Sink @{ Type = 'Sqlite'; Path = (Join-Path $TestDrive 'out.db'); Table = 'orders' } -StatePath $PipelineState
}

Describe 'Counts and windows' {
    It '-Last is a count: the newest results of each service' {
        $results = Get-ServiceHealthHistory -Name surface-api -Last 4 -StatePath $History
        $results | Should -HaveCount 4
        $all = Get-ServiceHealthHistory -Name surface-api -StatePath $History
        $all | Should -HaveCount 6
        $results.Timestamp | Should -Be ($all | Select-Object -First 4).Timestamp
    }

    It '-First still works as the old name of the count' {
        Get-ServiceHealthHistory -Name surface-db -First 1 -StatePath $History | Should -HaveCount 1
        Get-DataPipelineRun surface-orders -First 1 -StatePath $PipelineState | Should -HaveCount 1
    }

    It '-Window is the time span of the history cmdlets and the report' -ForEach @(
        @{ Command = 'Get-ServiceHealthHistory' }, @{ Command = 'Get-ServiceHealthSummary' }, @{ Command = 'New-HealthReport' }, @{ Command = 'Export-OpsReport' }
    ) {
        (Get-Command $Command).Parameters['Window'].ParameterType | Should -Be ([timespan])
    }

    It 'a window of zero is the standard validation error naming -Window' -ForEach @(
        @{ Command = 'Get-ServiceHealthHistory' }, @{ Command = 'Get-ServiceHealthSummary' }
    ) {
        { & $Command -Window ([timespan]::Zero) -StatePath $History } |
            Should -Throw -ErrorId "ParameterArgumentValidationError,OpsAutomation.Commands.$($Command -replace '-', '')Command" -ExpectedMessage "*'Window'*not a positive span of time*"
    }
}

Describe 'One name for one idea' {
    It '<Command> calls it -<Name> and still takes -<OldName>' -ForEach @(
        @{ Command = 'New-HealthReport'; Name = 'Window'; OldName = 'TrendWindow' }
        @{ Command = 'Get-ServiceHealthHistory'; Name = 'Last'; OldName = 'First' }
        @{ Command = 'Get-DataPipelineRun'; Name = 'Last'; OldName = 'First' }
        @{ Command = 'Watch-ServiceHealth'; Name = 'MetricsHostName'; OldName = 'MetricsHost' }
        @{ Command = 'Send-HealthAlert'; Name = 'SlackWebhookUri'; OldName = 'SlackWebhook' }
        @{ Command = 'Send-HealthAlert'; Name = 'TeamsWebhookUri'; OldName = 'TeamsWebhook' }
    ) {
        (Get-Command $Command).Parameters[$Name].Aliases | Should -Contain $OldName
    }

    It 'no cmdlet names an idea with a name another cmdlet spells differently' {
        # Each row: the names one idea must not be given anywhere as a parameter's own name.
        $retired = 'TrendWindow', 'MetricsHost', 'SlackWebhook', 'TeamsWebhook', 'First'
        $offenders = foreach ($command in Get-Command -Module OpsAutomation -CommandType Cmdlet) {
            $command.Parameters.Keys | Where-Object { $_ -in $retired } | ForEach-Object { "$($command.Name) -$_" }
        }
        $offenders | Should -BeNullOrEmpty
    }
}

Describe 'Unknown names' {
    It '<Command> -Name <Name> is an ObjectNotFound error naming it' -ForEach @(
        @{ Command = 'Get-ServiceHealthHistory'; Name = 'surface-nothing'; ErrorId = 'ServiceNotInHistory'; State = 'History' }
        @{ Command = 'Get-ServiceHealthSummary'; Name = 'surface-nothing'; ErrorId = 'ServiceNotInHistory'; State = 'History' }
        @{ Command = 'Get-DataPipelineRun'; Name = 'surface-nothing'; ErrorId = 'PipelineNotFound'; State = 'PipelineState' }
    ) {
        $output = & $Command -Name $Name -StatePath (Get-Variable $State -ValueOnly) -ErrorVariable problems -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].Exception.Message | Should -BeLike "*'$Name'*"
        $problems[0].TargetObject | Should -Be $Name
    }

    It 'a wildcard that matches nothing writes nothing and no error, as Get-Process does' {
        Get-ServiceHealthHistory -Name 'surface-nothing*' -StatePath $History -ErrorVariable problems | Should -BeNullOrEmpty
        $problems | Should -BeNullOrEmpty
    }

    It 'the names that exist are still written beside the error' {
        $output = Get-ServiceHealthHistory -Name surface-db, surface-nothing -StatePath $History -ErrorVariable problems -ErrorAction SilentlyContinue
        $output | Should -HaveCount 2
        $problems | Should -HaveCount 1
    }

    It 'Get-DataPipelineDeadLetter -Pipeline of a pipeline that never ran is PipelineNotFound; one that ran without letters writes nothing' {
        { Get-DataPipelineDeadLetter -Pipeline surface-nothing -StatePath $PipelineState -ErrorAction Stop } |
            Should -Throw -ErrorId 'PipelineNotFound,OpsAutomation.Commands.GetDataPipelineDeadLetterCommand' -ExpectedMessage "*'surface-nothing'*"
        Get-DataPipelineDeadLetter -Pipeline surface-orders -StatePath $PipelineState -ErrorVariable problems | Should -BeNullOrEmpty
        $problems | Should -BeNullOrEmpty
    }

    It 'Get-PrometheusMetric -Name of a family the endpoint does not expose is MetricFamilyNotFound' {
        New-Metric surface_scraped_total Counter -Help 'A metric to scrape.' | Out-Null
        $server = Start-MetricsServer -Port (Get-FreePort) -ExcludeSystemMetrics
        try {
            $samples = Get-PrometheusMetric -Uri $server.Address -Name surface_scraped_total, surface_absent_total, 'surface_none_*' -ErrorVariable problems -ErrorAction SilentlyContinue
            $samples.Family | Should -Contain 'surface_scraped_total'
            $problems | Should -HaveCount 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'MetricFamilyNotFound,*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].Exception.Message | Should -BeLike "*'surface_absent_total'*"
        }
        finally { $server | Stop-MetricsServer }
    }

    It 'an unknown run id is PipelineRunNotFound' {
        { Get-DataPipelineRun -RunId no-such-run -StatePath $PipelineState -ErrorAction Stop } |
            Should -Throw -ErrorId 'PipelineRunNotFound,OpsAutomation.Commands.GetDataPipelineRunCommand' -ExpectedMessage "*'no-such-run'*"
    }

    It 'a status no run ended with is just no output' {
        Get-DataPipelineRun surface-orders -Status Failed -StatePath $PipelineState -ErrorVariable problems | Should -BeNullOrEmpty
        $problems | Should -BeNullOrEmpty
    }
}

Describe 'Tab completion' {
    It 'completes metric names for <Command>' -ForEach @(
        @{ Command = 'Get-Metric' }, @{ Command = 'Update-Metric' }, @{ Command = 'New-Metric' }
    ) {
        New-Metric surface_completion_total Counter -Help 'A metric for completion.' | Out-Null
        Get-Completion "$Command surface_compl" | Should -Be 'surface_completion_total'
    }

    It 'completes service names from the history of -StatePath for <Command>' -ForEach @(
        @{ Command = 'Get-ServiceHealthHistory' }, @{ Command = 'Get-ServiceHealthSummary' }
    ) {
        Get-Completion "$Command -StatePath '$History' -Name surface-" | Should -Be 'surface-api', 'surface-db'
    }

    It 'completes pipeline names from the runs of -StatePath for <Command>' -ForEach @(
        @{ Command = 'Get-DataPipelineRun'; Parameter = 'Name' }
        @{ Command = 'Get-DataPipelineDeadLetter'; Parameter = 'Pipeline' }
        @{ Command = 'Remove-DataPipelineDeadLetter'; Parameter = 'Pipeline' }
    ) {
        Get-Completion "$Command -StatePath '$PipelineState' -$Parameter surf" | Should -Be 'surface-orders'
    }

    It 'completes rule test groups of -Path as anchored patterns for -Run' {
        $file = Join-Path $PSScriptRoot 'rule-tests' 'instance-down.pass.yml'
        Get-Completion "Invoke-PrometheusRuleTest -Path '$file' -Run inst" | Should -Be "'^instance\ down$'"
        @(Invoke-PrometheusRuleTest -Path $file -Run '^instance\ down$' -Summary).TestGroupCount | Should -Be 1
    }

    It 'completes the ports of the running metrics servers for Stop-MetricsServer' {
        $server = Start-MetricsServer -Port (Get-FreePort) -ErrorAction Stop
        try {
            Get-Completion 'Stop-MetricsServer -Port ' | Should -Contain "$($server.Port)"
        }
        finally { $server | Stop-MetricsServer }
    }

    It 'completes nothing, without an error, from a state store that is not there or not a database' {
        Get-Completion "Get-ServiceHealthHistory -StatePath '$(Join-Path $TestDrive 'none')' -Name s" | Should -Be @()
        Test-Path (Join-Path $TestDrive 'none') | Should -BeFalse -Because 'completing does not create a state store'
        $broken = New-Item -ItemType Directory (Join-Path $TestDrive 'broken')
        Set-Content (Join-Path $broken 'opsautomation.db') 'not a database'
        Get-Completion "Get-DataPipelineRun -StatePath '$broken' -Name s" | Should -Be @()
        Get-Completion "Invoke-PrometheusRuleTest -Path '$(Join-Path $TestDrive 'missing.yml')' -Run a" | Should -Be @()
    }
}

Describe 'Stop-MetricsServer' {
    It 'without -Port stops every server of the process' {
        $servers = @(Start-MetricsServer -Port (Get-FreePort); Start-MetricsServer -Port (Get-FreePort))
        $stopped = Stop-MetricsServer -PassThru
        @($stopped.Port | Sort-Object) | Should -Be @($servers.Port | Sort-Object)
        foreach ($server in $servers) {
            { Invoke-WebRequest $server.Address -TimeoutSec 2 } | Should -Throw -Because "port $($server.Port) is released"
        }
    }

    It 'without -Port and with no server running does nothing and says so' {
        $output = Stop-MetricsServer -PassThru -Verbose -ErrorVariable problems 4>&1
        $problems | Should -BeNullOrEmpty
        "$output" | Should -Match 'No metrics server runs'
    }

    It 'with -Port stops only that server' {
        $first = Start-MetricsServer -Port (Get-FreePort)
        $second = Start-MetricsServer -Port (Get-FreePort)
        try {
            (Stop-MetricsServer -Port $first.Port -PassThru).Port | Should -Be $first.Port
            (Invoke-WebRequest $second.Address -TimeoutSec 5).StatusCode | Should -Be 200
        }
        finally { Stop-MetricsServer }
    }
}

Describe 'Error categories' {
    BeforeAll {
        $script:Missing = Join-Path $TestDrive 'missing.psd1'
        $script:Result = Test-ServiceHealth -Uri dns://localhost -NoHistory
    }

    It '<Command> with a -Path that does not exist is <ErrorId>, ObjectNotFound, naming the file' -ForEach @(
        @{ Command = 'Test-ServiceHealth'; ErrorId = 'CatalogNotFound'; Invoke = { Test-ServiceHealth -Path $Missing -StatePath $History } }
        @{ Command = 'Watch-ServiceHealth'; ErrorId = 'CatalogNotFound'; Invoke = { Watch-ServiceHealth -Path $Missing -Count 1 -StatePath $History } }
        @{ Command = 'Send-HealthAlert'; ErrorId = 'CatalogNotFound'; Invoke = { $Result | Send-HealthAlert -Path $Missing -StatePath $History } }
        @{ Command = 'Start-DataPipeline'; ErrorId = 'PipelineSpecNotFound'; Invoke = { Start-DataPipeline -Path $Missing -StatePath $PipelineState } }
        @{ Command = 'Test-DataRecord'; ErrorId = 'PipelineSpecNotFound'; Invoke = { Test-DataRecord -Path $Missing -StatePath $PipelineState } }
        @{ Command = 'Invoke-DataPipelineReplay'; ErrorId = 'PipelineSpecNotFound'; Invoke = { Invoke-DataPipelineReplay -Path $Missing -StatePath $PipelineState } }
        @{ Command = 'Test-PrometheusRule'; ErrorId = 'RuleFileNotFound'; Invoke = { Test-PrometheusRule -Path $Missing -ErrorAction Stop } }
        @{ Command = 'Invoke-PrometheusRuleTest'; ErrorId = 'RuleFileNotFound'; Invoke = { Invoke-PrometheusRuleTest -Path $Missing -ErrorAction Stop } }
        @{ Command = 'Get-DataPipelineDeadLetter'; ErrorId = 'DeadLetterFileNotFound'; Invoke = { Get-DataPipelineDeadLetter -Path $Missing } }
        @{ Command = 'Export-MetricTextFile'; ErrorId = 'MetricTextFileFolderNotFound'; Invoke = { Export-MetricTextFile -Path (Join-Path $TestDrive 'no-folder' 'x.prom') -ErrorAction Stop } }
    ) {
        $record = { & $Invoke } | Should -Throw -PassThru
        $record.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $record.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $record.Exception.Message | Should -Match ([regex]::Escape($TestDrive))
    }

    It '<Command> with a URI of another scheme names <Parameter>' -ForEach @(
        @{ Command = 'Publish-Metric'; Parameter = '-Uri'; Invoke = { Publish-Metric -Uri ftp://pushgateway.test/ -Job surface } }
        @{ Command = 'Remove-PushGatewayGroup'; Parameter = '-Uri'; Invoke = { Remove-PushGatewayGroup -Uri ftp://pushgateway.test/ -OlderThan 1:00:00 -Force } }
        @{ Command = 'Get-PrometheusMetric'; Parameter = '-Uri'; Invoke = { Get-PrometheusMetric -Uri ftp://exporter.test/metrics -ErrorAction Stop } }
        @{ Command = 'Test-ServiceHealth'; Parameter = '-PushGatewayUri'; Invoke = { Test-ServiceHealth -Uri dns://localhost -NoHistory -PushGatewayUri ftp://pushgateway.test/ } }
        @{ Command = 'Invoke-PrometheusRule'; Parameter = '-PrometheusUri'; Invoke = { Invoke-PrometheusRule -Path $Missing -PrometheusUri ftp://prometheus.test/ } }
        @{ Command = 'Send-HealthAlert'; Parameter = '-AlertmanagerUri'; Invoke = { $Result | Send-HealthAlert -AlertmanagerUri ftp://alertmanager.test/ -StatePath $History } }
    ) {
        $record = { & $Invoke } | Should -Throw -PassThru
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $record.Exception.Message | Should -Match "$([regex]::Escape($Parameter))\b.*ftp://"
    }
}

Describe 'Ranges' {
    It '<Command> -<Parameter> <Value> is the standard validation error naming the parameter' -ForEach @(
        @{ Command = 'Test-ServiceHealth'; Parameter = 'TimeoutSec'; Value = -1 }
        @{ Command = 'Test-ServiceHealth'; Parameter = 'ThrottleLimit'; Value = 0 }
        @{ Command = 'Test-ServiceHealth'; Parameter = 'RetryCount'; Value = 101 }
        @{ Command = 'Test-ServiceHealth'; Parameter = 'MaxResponseTimeSec'; Value = 0 }
        @{ Command = 'Test-ServiceHealth'; Parameter = 'ExpectedStatusCode'; Value = 99 }
        @{ Command = 'Watch-ServiceHealth'; Parameter = 'TimeoutSec'; Value = 0 }
        @{ Command = 'Get-ServiceHealthHistory'; Parameter = 'Last'; Value = 0 }
    ) {
        $arguments = @{ $Parameter = $Value }
        $target = if ($Command -like '*ServiceHealthHistory') { @{ StatePath = $History } } else { @{ Uri = 'dns://localhost'; NoHistory = $true } }
        { & $Command @target @arguments } |
            Should -Throw -ErrorId "ParameterArgumentValidationError,OpsAutomation.Commands.$($Command -replace '-', '')Command" -ExpectedMessage "*'$Parameter'*$Value*"
    }
}
