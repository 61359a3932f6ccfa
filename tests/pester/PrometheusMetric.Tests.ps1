#Requires -Version 7.4
# Get-PrometheusMetric against the real Prometheus that ./build.ps1 Test starts, and against
# closed ports and malformed expositions for its error contract.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL
    if (-not $Prometheus) { throw 'Needs Prometheus: ./build.ps1 Test starts it and sets OPS_TEST_PROMETHEUS_URL.' }
    $script:Metrics = "$($Prometheus.TrimEnd('/'))/metrics"

    # A one-shot HTTP server on 127.0.0.1 that answers every request with $Body as text/plain 0.0.4.
    function Start-ExpositionServer([string] $Body) {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $job = Start-ThreadJob -ArgumentList $listener, $Body {
            param($listener, $body)
            try {
                while ($true) {
                    $client = $listener.AcceptTcpClient()
                    $stream = $client.GetStream()
                    $reader = [System.IO.StreamReader]::new($stream)
                    while ($reader.ReadLine()) { }
                    $bytes = [System.Text.Encoding]::UTF8.GetBytes($body)
                    $head = "HTTP/1.1 200 OK`r`nContent-Type: text/plain; version=0.0.4`r`nContent-Length: $($bytes.Length)`r`nConnection: close`r`n`r`n"
                    $headBytes = [System.Text.Encoding]::ASCII.GetBytes($head)
                    $stream.Write($headBytes, 0, $headBytes.Length)
                    $stream.Write($bytes, 0, $bytes.Length)
                    $client.Close()
                }
            }
            catch { }
        }
        [pscustomobject]@{ Uri = "http://127.0.0.1:$port/metrics"; Listener = $listener; Job = $job }
    }

    function Get-ClosedPortUri {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        "http://127.0.0.1:$port/metrics"
    }
}

Describe 'Get-PrometheusMetric' {
    It 'writes typed samples of the real Prometheus with their family metadata' {
        $samples = Get-PrometheusMetric -Uri $Metrics
        $samples | Should -Not -BeNullOrEmpty
        $samples[0] | Should -BeOfType ([OpsAutomation.Models.Metrics.MetricSample])
        $requests = $samples | Where-Object Family -eq 'prometheus_http_requests_total'
        $requests | Should -Not -BeNullOrEmpty
        $requests.Type | Select-Object -Unique | Should -Be 'Counter'
        $requests[0].Help | Should -Not -BeNullOrEmpty
    }

    It 'keeps only the families -Name matches and the samples -Label matches' {
        $samples = Get-PrometheusMetric $Metrics -Name 'prometheus_http_request*' -Label @{ handler = '/metr*' }
        $samples | Should -Not -BeNullOrEmpty
        $samples.Family | Select-Object -Unique | ForEach-Object { $_ | Should -BeLike 'prometheus_http_request*' }
        $samples | ForEach-Object { $_.Labels['handler'] | Should -Be '/metrics' }
    }

    It 'binds -Uri by property name from pipeline objects' {
        $samples = [pscustomobject]@{ Uri = $Metrics } | Get-PrometheusMetric -Name 'prometheus_build_info'
        $samples.Family | Select-Object -Unique | Should -Be 'prometheus_build_info'
    }

    It 'writes the rate of counters from two scrapes -RateIntervalSec apart' {
        $rates = Get-PrometheusMetric $Metrics -Name prometheus_http_requests_total -RateIntervalSec 1
        $rates | Should -Not -BeNullOrEmpty
        $rates | ForEach-Object { $_ | Should -BeOfType ([OpsAutomation.Models.Metrics.MetricRate]) }
        $scrapes = $rates | Where-Object { $_.Labels['handler'] -eq '/metrics' -and $_.Labels['code'] -eq '200' }
        $scrapes.Increase | Should -BeGreaterOrEqual 1 -Because 'the first scrape itself is counted by the second'
        $scrapes.Rate | Should -BeGreaterThan 0
    }

    It 'estimates histogram quantiles with -Quantile' {
        $quantiles = Get-PrometheusMetric $Metrics -Name prometheus_http_request_duration_seconds -Label @{ handler = '/metrics' } -Quantile 0.5, 0.99
        $quantiles | Should -Not -BeNullOrEmpty
        $quantiles | ForEach-Object { $_ | Should -BeOfType ([OpsAutomation.Models.Metrics.MetricQuantile]) }
        ($quantiles.Quantile | Sort-Object -Unique) | Should -Be @(0.5, 0.99)
        $quantiles | ForEach-Object { $_.Value | Should -BeGreaterThan 0 }
    }

    It 'shows samples in a table' {
        $text = Get-PrometheusMetric $Metrics -Name prometheus_build_info | Out-String
        $text | Should -Match 'Name\s+Type\s+Value\s+Labels'
    }

    It 'writes ScrapeFailed for an unreachable endpoint and goes on with the next' {
        $samples = Get-PrometheusMetric -Uri (Get-ClosedPortUri), $Metrics -Name prometheus_build_info -TimeoutSec 2 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ScrapeFailed,*'
        $samples | Should -Not -BeNullOrEmpty
    }

    It 'writes ExpositionInvalid naming the URI, line and text, and no sample of that scrape' {
        $server = Start-ExpositionServer "good 1`nbad{a=`"x} 2`n"
        try {
            $samples = Get-PrometheusMetric -Uri $server.Uri -ErrorVariable failures -ErrorAction SilentlyContinue
            $samples | Should -BeNullOrEmpty
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ExpositionInvalid,*'
            $failures[0].Exception.Message | Should -BeLike "*$($server.Uri)*line 2, column 7*unterminated quoted value*bad{a=*"
        }
        finally {
            $server.Listener.Stop()
            $server.Job | Remove-Job -Force
        }
    }

    It 'stops with -ErrorAction Stop on a bad exposition' {
        $server = Start-ExpositionServer "# TYPE x nonsense`nx 1`n"
        try {
            { Get-PrometheusMetric -Uri $server.Uri -ErrorAction Stop } | Should -Throw -ErrorId 'ExpositionInvalid,OpsAutomation.Commands.GetPrometheusMetricCommand'
        }
        finally {
            $server.Listener.Stop()
            $server.Job | Remove-Job -Force
        }
    }
}
