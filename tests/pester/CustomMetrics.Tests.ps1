#Requires -Version 7.4
# Custom business metrics as a person uses them, exposed three ways against the real services
# ./build.ps1 Test starts: Prometheus scrapes Start-MetricsServer, Publish-Metric pushes to the
# Pushgateway, Export-MetricTextFile writes for the textfile collector; promtool checks each.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    foreach ($variable in 'OPS_TEST_PROMETHEUS_URL', 'OPS_TEST_PUSHGATEWAY_URL', 'OPS_TEST_WATCH_METRICS_PORT') {
        if (-not [Environment]::GetEnvironmentVariable($variable)) { throw "$variable is not set: run through ./build.ps1 Test, which starts the real services." }
    }
    $script:Promtool = (Get-Command promtool -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    if (-not $Promtool) { throw 'promtool is not on PATH: it comes with the Debian prometheus package, which ./build.ps1 Test installs when it starts Prometheus.' }
    Import-Module $modulePath -Force

    # The metrics live in the process-wide registry: names unique to this file, defined once (New-Metric is idempotent).
    New-Metric pester_orders_processed_total Counter -Help 'Orders processed in the Pester run.' -LabelName run, region | Out-Null
    New-Metric pester_signups_total Counter -Help 'Sign-ups in the Pester run, with few series allowed.' -LabelName campaign -MaxSeries 3 | Out-Null
    New-Metric pester_checkout_duration_seconds Histogram -Help 'Checkout latency in the Pester run.' -LabelName run -Bucket 0.1, 0.5, 1 | Out-Null
    New-Metric pester_payment_duration_seconds Summary -Help 'Payment latency in the Pester run.' -Quantile 0.5, 0.9 | Out-Null
    New-Metric pester_queue_depth Gauge -Help 'Queue depth in the Pester run.' -LabelName queue | Out-Null

    function Test-Exposition([string] $Text) {
        $output = $Text | & $Promtool check metrics 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }

    function Get-PushGroup([string] $Job, [string] $Instance) {
        (Invoke-RestMethod "$env:OPS_TEST_PUSHGATEWAY_URL/api/v1/metrics").data |
            Where-Object { $_.labels.job -eq $Job -and $_.labels.instance -eq $Instance }
    }
}

Describe 'promtool check metrics' {
    It 'rejects an exposition that breaks a naming convention, so its acceptance below means something' {
        $check = Test-Exposition "# HELP latency_ms x`n# TYPE latency_ms gauge`nlatency_ms 1`n"
        $check.ExitCode | Should -Not -Be 0
        $check.Output | Should -Match 'abbreviated units'
    }
}

Describe 'Defining and changing metrics' {
    It 'refuses a name that breaks a Prometheus rule, naming it' {
        { New-Metric ordersProcessed Counter -Help 'x' -ErrorAction Stop } | Should -Throw -ErrorId 'MetricDefinitionInvalid,OpsAutomation.Commands.NewMetricCommand'
        $error[0].Exception.Message | Should -Match "'ordersProcessed'.*snake_case"
    }

    It 'refuses redefining a metric with other labels' {
        { New-Metric pester_orders_processed_total Counter -Help 'Orders processed in the Pester run.' -LabelName run -ErrorAction Stop } |
            Should -Throw -ErrorId 'MetricDefinitionConflict,OpsAutomation.Commands.NewMetricCommand'
    }

    It 'takes changes from the pipeline and lists the series' {
        $run = (New-Guid).ToString('N')
        @(
            [pscustomobject]@{ Name = 'pester_orders_processed_total'; Label = @{ run = $run; region = 'eu' }; Increment = 2 }
            [pscustomobject]@{ Name = 'pester_queue_depth'; Label = @{ queue = $run }; Set = 7 }
            [pscustomobject]@{ Name = 'pester_checkout_duration_seconds'; Label = @{ run = $run }; Observe = 0.3 }
        ) | Update-Metric -PassThru | Should -HaveCount 3
        $series = (Get-Metric pester_orders_processed_total).Series | Where-Object { $_.Label.run -eq $run }
        $series.Value | Should -Be 2
        ((Get-Metric pester_queue_depth).Series | Where-Object { $_.Label.queue -eq $run }).Value | Should -Be 7
        ((Get-Metric pester_checkout_duration_seconds).Series | Where-Object { $_.Label.run -eq $run }).Count | Should -Be 1
    }

    It 'refuses label sets beyond MaxSeries with a warning and counts them as dropped' {
        $warnings = 1..5 | ForEach-Object { Update-Metric pester_signups_total -Label @{ campaign = "c$_" } 3>&1 }
        $metric = Get-Metric pester_signups_total
        $metric.Series.Label.campaign | Should -Be 'c1', 'c2', 'c3'
        $warnings | Should -HaveCount 2
        $warnings[0] | Should -Match 'maximum of 3 series; the label set \{campaign="c4"\} was refused.*ops_metrics_dropped_series_total'
        $metric.DroppedSeries | Should -Be 2
        Update-Metric pester_signups_total -Label @{ campaign = 'c1' } -PassThru | Select-Object -ExpandProperty Value | Should -Be 2
    }

    It 'writes MetricNotFound for an undefined metric and goes on with the next input' {
        $errors = $null
        $results = 'pester_missing_total', 'pester_queue_depth' | ForEach-Object { [pscustomobject]@{ Name = $_; Label = @{ queue = 'q' } } } |
            Update-Metric -PassThru -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -Be 'MetricNotFound,OpsAutomation.Commands.UpdateMetricCommand'
        $results.Name | Should -Be 'pester_queue_depth'
    }
}

Describe 'Start-MetricsServer' {
    It 'serves /metrics that the real Prometheus scrapes and promtool accepts' {
        $run = (New-Guid).ToString('N')
        Update-Metric pester_orders_processed_total -Label @{ run = $run; region = 'us' } -Increment 5
        Update-Metric pester_payment_duration_seconds -Observe 0.25
        # A previous file's watch loop may still be releasing the shared port.
        $server = $null
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while (-not $server) {
            $server = Start-MetricsServer -Port $env:OPS_TEST_WATCH_METRICS_PORT -ErrorAction SilentlyContinue -ErrorVariable startError
            if (-not $server) {
                if ([DateTime]::UtcNow -gt $deadline) { throw $startError[0] }
                Start-Sleep -Milliseconds 500
            }
        }
        try {
            $server.Address | Should -Be "http://127.0.0.1:$env:OPS_TEST_WATCH_METRICS_PORT/metrics"
            { Start-MetricsServer -Port $env:OPS_TEST_WATCH_METRICS_PORT -ErrorAction Stop } | Should -Throw -ErrorId 'MetricsEndpointUnavailable,OpsAutomation.Commands.StartMetricsServerCommand'

            $query = [uri]::EscapeDataString("pester_orders_processed_total{job=`"opsautomation-watch`",run=`"$run`"}")
            $found = $null
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not $found -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 500
                $found = (Invoke-RestMethod "$env:OPS_TEST_PROMETHEUS_URL/api/v1/query?query=$query").data.result
            }
            $found | Should -Not -BeNullOrEmpty -Because 'Prometheus scrapes the port every second'
            $found[0].value[1] | Should -Be '5'
            $found[0].metric.region | Should -Be 'us'

            $exposition = (Invoke-WebRequest $server.Address).Content
            $exposition | Should -Match '(?m)^node_memory_MemTotal_bytes \d' -Because 'system metrics are served under node_exporter names'
            $exposition | Should -Match '(?m)^node_cpu_seconds_total\{cpu="0",mode="idle"\} \d'
            # node_exporter's camelCase memory names (from /proc/meminfo) are kept so its dashboards
            # work unchanged; promtool lints them on node_exporter's own output too. Anything else must pass.
            $inherited = '^node_memory_[A-Za-z]+_bytes metric names should be written in .snake_case. not .camelCase.$'
            $check = Test-Exposition $exposition
            @($check.Output -split "`n" | ForEach-Object Trim | Where-Object { $_ -and $_ -notmatch $inherited }) | Should -BeNullOrEmpty
        }
        finally {
            $server | Stop-MetricsServer
        }
        { Invoke-WebRequest $server.Address -TimeoutSec 2 } | Should -Throw -Because 'Stop-MetricsServer releases the port'
        { Stop-MetricsServer -Port $server.Port -ErrorAction Stop } | Should -Throw -ErrorId 'MetricsServerNotFound,OpsAutomation.Commands.StopMetricsServerCommand'
    }

    It 'serves only the module registry with -ExcludeSystemMetrics' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $server = Start-MetricsServer -Port $port -ExcludeSystemMetrics
        try {
            $server.SystemMetrics | Should -BeFalse
            Update-Metric pester_queue_depth -Label @{ queue = 'exclude-test' } -Set 3
            $exposition = (Invoke-WebRequest $server.Address).Content
            $exposition | Should -Match '(?m)^pester_queue_depth\{queue="exclude-test"\} 3$'
            $exposition | Should -Not -Match '(?m)^node_' -Because 'the machine metrics are left to the node_exporter'
            (Test-Exposition $exposition).ExitCode | Should -Be 0
        }
        finally {
            $server | Stop-MetricsServer | Out-Null
        }
    }
}

Describe 'Publish-Metric and Remove-PushGatewayGroup' {
    It 'pushes with a grouping key into the real Pushgateway, and deletes the group' {
        $job = "pester-push-$((New-Guid).ToString('N').Substring(0, 8))"
        $run = (New-Guid).ToString('N')
        Update-Metric pester_orders_processed_total -Label @{ run = $run; region = 'eu' } -Increment 4

        Publish-Metric -Uri $env:OPS_TEST_PUSHGATEWAY_URL -Job $job -GroupingKey @{ instance = 'web-1' } -WhatIf | Should -BeNullOrEmpty
        Get-PushGroup $job 'web-1' | Should -BeNullOrEmpty -Because '-WhatIf sends nothing'

        $published = Publish-Metric -Uri $env:OPS_TEST_PUSHGATEWAY_URL -Job $job -GroupingKey @{ instance = 'web-1' }
        $published.Uri | Should -Be "$env:OPS_TEST_PUSHGATEWAY_URL/metrics/job/$job/instance/web-1"
        $published.Bytes | Should -BeGreaterThan 0
        $group = Get-PushGroup $job 'web-1'
        $group | Should -Not -BeNullOrEmpty
        $group.pester_orders_processed_total.type | Should -Be 'COUNTER'
        $group.pester_payment_duration_seconds.type | Should -Be 'SUMMARY'

        $gatewayText = (Invoke-WebRequest "$env:OPS_TEST_PUSHGATEWAY_URL/metrics").Content
        $gatewayText | Should -Match "pester_orders_processed_total\{instance=`"web-1`",job=`"$job`",region=`"eu`",run=`"$run`"\} 4"
        $check = Test-Exposition $gatewayText
        $check.Output.Trim() | Should -BeNullOrEmpty
        $check.ExitCode | Should -Be 0

        Publish-Metric -Uri $env:OPS_TEST_PUSHGATEWAY_URL -Job $job -GroupingKey @{ instance = 'web-1' } -Method Delete | Select-Object -ExpandProperty Bytes | Should -Be 0
        Get-PushGroup $job 'web-1' | Should -BeNullOrEmpty
    }

    It 'sends -Credential as basic authentication and never shows the password' {
        # The test Pushgateway has no users configured, so a listener of our own reads the header.
        $listener = [System.Net.HttpListener]::new()
        $port = Get-Random -Minimum 20000 -Maximum 60000
        $listener.Prefixes.Add("http://127.0.0.1:$port/")
        $listener.Start()
        try {
            $pending = $listener.GetContextAsync()
            $push = Start-ThreadJob -ArgumentList $env:OPS_TEST_MODULE_PATH, $port -ScriptBlock {
                param($module, $port)
                Import-Module $module
                $credential = [pscredential]::new('pusher', (ConvertTo-SecureString 'not-a-real-secret' -AsPlainText -Force))
                Publish-Metric "http://127.0.0.1:$port" -Job pester-auth -Method Post -Credential $credential -Verbose -Debug 4>&1 5>&1
            }
            $pending.Wait(30000) | Should -BeTrue -Because 'Publish-Metric sends its request'
            $context = $pending.Result
            $context.Request.HttpMethod | Should -Be 'POST'
            $context.Request.Url.AbsolutePath | Should -Be '/metrics/job/pester-auth'
            $context.Request.Headers['Authorization'] | Should -Be ('Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('pusher:not-a-real-secret')))
            $context.Response.StatusCode = 200
            $context.Response.Close()
            $output = $push | Wait-Job -Timeout 30 | Receive-Job
            ($output | Where-Object { $_ -is [OpsAutomation.Models.Metrics.MetricPublication] }).Method | Should -Be 'Post'
            ($output | Out-String) | Should -Not -Match 'not-a-real-secret'
        }
        finally {
            $listener.Stop()
            $push | Remove-Job -Force -ErrorAction Ignore
        }
    }

    It 'removes only groups older than -OlderThan, and -WhatIf only lists them' {
        $job = "pester-stale-$((New-Guid).ToString('N').Substring(0, 8))"
        Publish-Metric $env:OPS_TEST_PUSHGATEWAY_URL -Job $job -GroupingKey @{ instance = 'old' } | Out-Null
        Start-Sleep -Seconds 3
        Publish-Metric $env:OPS_TEST_PUSHGATEWAY_URL -Job $job -GroupingKey @{ instance = 'new' } | Out-Null

        $listed = Remove-PushGatewayGroup $env:OPS_TEST_PUSHGATEWAY_URL -OlderThan 00:00:02 -Job $job -Force -WhatIf
        $listed.GroupingKey.instance | Should -Be 'old'
        $listed.Removed | Should -BeFalse
        Get-PushGroup $job 'old' | Should -Not -BeNullOrEmpty -Because '-WhatIf deletes nothing, even with -Force'

        $removed = Remove-PushGatewayGroup $env:OPS_TEST_PUSHGATEWAY_URL -OlderThan 00:00:02 -Job $job -Force
        $removed | Should -HaveCount 1
        $removed.Job | Should -Be $job
        $removed.Removed | Should -BeTrue
        $removed.Age | Should -BeGreaterThan ([TimeSpan]::FromSeconds(2))
        Get-PushGroup $job 'old' | Should -BeNullOrEmpty
        Get-PushGroup $job 'new' | Should -Not -BeNullOrEmpty
        Remove-PushGatewayGroup $env:OPS_TEST_PUSHGATEWAY_URL -OlderThan 0 -Job $job -Confirm:$false | Select-Object -ExpandProperty Removed | Should -BeTrue
        Get-PushGroup $job 'new' | Should -BeNullOrEmpty
    }

    It 'refuses a Pushgateway URI that is not an absolute http URL' {
        { Publish-Metric pushgateway:9091 -Job pester } | Should -Throw -ErrorId 'PushGatewayUriInvalid,OpsAutomation.Commands.PublishMetricCommand'
    }

    It 'reports an unreachable Pushgateway as PushGatewayFailed' {
        { Publish-Metric http://127.0.0.1:1 -Job pester -ErrorAction Stop } | Should -Throw -ErrorId 'PushGatewayFailed,OpsAutomation.Commands.PublishMetricCommand'
        { Remove-PushGatewayGroup http://127.0.0.1:1 -OlderThan 0 -Force -ErrorAction Stop } | Should -Throw -ErrorId 'PushGatewayFailed,OpsAutomation.Commands.RemovePushGatewayGroupCommand'
    }
}

Describe 'Export-MetricTextFile' {
    It 'writes the registry in a file promtool accepts, replacing the old one and leaving no temporary file' {
        $path = Join-Path $TestDrive 'textfile' 'opsautomation.prom'
        New-Item -ItemType Directory (Split-Path $path) | Out-Null
        Set-Content $path 'stale_metric 1'
        $run = (New-Guid).ToString('N')
        Update-Metric pester_queue_depth -Label @{ queue = $run } -Set 12

        $file = Export-MetricTextFile -Path $path
        $file.Path | Should -Be $path
        $text = Get-Content $path -Raw
        $file.Bytes | Should -Be ([System.Text.Encoding]::UTF8.GetByteCount($text))
        $text | Should -Not -Match 'stale_metric'
        $text | Should -Match "(?m)^pester_queue_depth\{queue=`"$run`"\} 12$"
        $text | Should -Match '(?m)^# TYPE pester_payment_duration_seconds summary$'
        (Get-ChildItem (Split-Path $path) -Force).Name | Should -Be 'opsautomation.prom'

        $check = Test-Exposition $text
        $check.Output.Trim() | Should -BeNullOrEmpty
        $check.ExitCode | Should -Be 0
    }

    It '-WhatIf writes nothing' {
        $path = Join-Path $TestDrive 'whatif.prom'
        Export-MetricTextFile -Path $path -WhatIf | Should -BeNullOrEmpty
        Test-Path $path | Should -BeFalse
    }
}
