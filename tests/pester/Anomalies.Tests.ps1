#Requires -Version 7.4
# Find-MetricAnomaly as a person types it: against the real test Prometheus (a week of one-minute
# history backfilled with promtool's TSDB block writer), the state store's kept samples, and
# samples on the pipeline.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    foreach ($variable in 'OPS_TEST_PROMETHEUS_URL', 'OPS_TEST_PROMETHEUS_SD_DIR') {
        if (-not [Environment]::GetEnvironmentVariable($variable)) { throw "Needs ${variable}: ./build.ps1 Test starts Prometheus and sets it." }
    }
    if (-not (Get-Command promtool -ErrorAction Ignore)) { throw 'Needs promtool (Debian package prometheus), which the test services install with Prometheus.' }
    if (-not (Get-Command sqlite3 -ErrorAction Ignore)) { throw 'Needs sqlite3 (Debian package sqlite3), which Install-TestTools installs.' }
    $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL

    # Deterministic noise in [-1, 1) from a fixed seed, and the one-minute series the tests judge:
    # level 100, a spike of +20 for 6 minutes on day 5 at 12:00 and a dip of -20 for 8 minutes on day 6 at 03:00.
    function script:New-Series([int] $Minutes, [int] $Seed) {
        $random = [Random]::new($Seed)
        for ($i = 0; $i -lt $Minutes; $i++) {
            $value = 100 + ($random.NextDouble() * 2 - 1)
            if ($i -ge 5 * 1440 + 720 -and $i -lt 5 * 1440 + 726) { $value += 20 }
            if ($i -ge 6 * 1440 + 180 -and $i -lt 6 * 1440 + 188) { $value -= 20 }
            $value
        }
    }

    # A week ending at the last whole hour more than an hour ago, so no sample is in Prometheus's head block.
    $now = [DateTimeOffset]::UtcNow
    $script:End = [DateTimeOffset]::new($now.Year, $now.Month, $now.Day, $now.Hour, 0, 0, [TimeSpan]::Zero).AddHours(-2)
    $script:Origin = $End.AddMinutes(-7 * 1440 + 1)
    $script:Run = 'r' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $values = New-Series -Minutes (7 * 1440) -Seed 42
    $lines = [System.Text.StringBuilder]::new()
    [void]$lines.Append("# TYPE pester_anomaly_requests gauge`n")
    $inv = [System.Globalization.CultureInfo]::InvariantCulture
    for ($i = 0; $i -lt $values.Count; $i++) {
        [void]$lines.Append("pester_anomaly_requests{job=`"pester-anomaly`",run=`"$Run`"} ").Append($values[$i].ToString('R', $inv)).Append(' ').Append($Origin.AddMinutes($i).ToUnixTimeSeconds()).Append("`n")
    }
    [void]$lines.Append("# EOF`n")
    $file = Join-Path $TestDrive 'history.om'
    [System.IO.File]::WriteAllText($file, $lines.ToString())
    # The test Prometheus keeps its TSDB beside its file_sd folder; it loads new blocks within a minute.
    $tsdb = Join-Path (Split-Path $env:OPS_TEST_PROMETHEUS_SD_DIR) 'tsdb'
    $output = & promtool tsdb create-blocks-from openmetrics $file $tsdb 2>&1
    if ($LASTEXITCODE -ne 0) { throw "promtool could not write the blocks: $output" }
    $deadline = [DateTime]::UtcNow.AddSeconds(150)
    $query = [uri]::EscapeDataString("count_over_time(pester_anomaly_requests{run=`"$Run`"}[8d])")
    while ((Invoke-RestMethod "$Prometheus/api/v1/query?query=$query&time=$($End.ToUnixTimeSeconds())").data.result.Count -eq 0) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'Prometheus has not loaded the backfilled blocks within 150 s.' }
        Start-Sleep -Seconds 2
    }
}

Describe 'Find-MetricAnomaly against Prometheus' {
    It 'finds the spike and the dip in a week of history, with direction, time and explanation, and nothing else' {
        $found = Find-MetricAnomaly -PrometheusUri $Prometheus -Query "pester_anomaly_requests{run=`"$Run`"}" -Start $Origin -End $End -Step '00:01:00' -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $found | Should -HaveCount 2
        $found | Should -BeOfType ([OpsAutomation.Models.Incidents.MetricAnomaly])
        $spike, $dip = $found
        $spike.Direction | Should -Be 'Above'
        $spike.Start | Should -Be $Origin.AddMinutes(5 * 1440 + 720)
        $spike.End | Should -Be $Origin.AddMinutes(5 * 1440 + 725)
        $spike.Baseline | Should -BeGreaterThan 99
        $spike.Baseline | Should -BeLessThan 101
        $spike.Deviation | Should -BeGreaterThan 18
        $spike.Score | Should -BeGreaterThan 4
        $spike.Service | Should -Be 'pester-anomaly'
        $spike.Series | Should -Be "pester_anomaly_requests{job=`"pester-anomaly`",run=`"$Run`"}"
        $dip.Direction | Should -Be 'Below'
        $dip.Start | Should -Be $Origin.AddMinutes(6 * 1440 + 180)
        $dip.End | Should -Be $Origin.AddMinutes(6 * 1440 + 187)
    }

    It '-Since reports only what ends after it; -Service names the service; -MinDuration drops shorter runs' {
        $recent = Find-MetricAnomaly -PrometheusUri $Prometheus -Query "pester_anomaly_requests{run=`"$Run`"}" -Start $Origin -End $End -Since $Origin.AddDays(6) -Service checkout
        $recent | Should -HaveCount 1
        $recent.Direction | Should -Be 'Below'
        $recent.Service | Should -Be 'checkout'
        Find-MetricAnomaly -PrometheusUri $Prometheus -Query "pester_anomaly_requests{run=`"$Run`"}" -Start $Origin -End $End -MinDuration '00:07:00' |
            ForEach-Object Direction | Should -Be 'Below'
    }

    It 'shows a table a person can scan' {
        $text = Find-MetricAnomaly -PrometheusUri $Prometheus -Query "pester_anomaly_requests{run=`"$Run`"}" -Start $Origin -End $End | Out-String -Width 200
        $text | Should -Match 'Start\s+Duration\s+Detector\s+Dir\s+Value\s+Baseline\s+Score\s+Series'
        $text | Should -Match 'Seasonal\s+up'
    }

    It 'writes PrometheusQueryFailed for a query Prometheus refuses, and PrometheusUriInvalid for a relative URI' {
        Find-MetricAnomaly -PrometheusUri $Prometheus -Query 'rate(x' -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -Be 'PrometheusQueryFailed,OpsAutomation.Commands.FindMetricAnomalyCommand'
        $problems[0].Exception.Message | Should -BeLike "The range query 'rate(x' failed: Prometheus refused the query (bad_data)*"
        { Find-MetricAnomaly -PrometheusUri ([uri]'relative/path') -Query up -ErrorAction Stop } | Should -Throw -ErrorId 'PrometheusUriInvalid,OpsAutomation.Commands.FindMetricAnomalyCommand'
        { Find-MetricAnomaly -PrometheusUri $Prometheus -Query up -Start $End -End $Origin -ErrorAction Stop } | Should -Throw -ErrorId 'AnomalyRangeInvalid,OpsAutomation.Commands.FindMetricAnomalyCommand'
    }

    It 'writes PrometheusUnreachable naming the server without its password' {
        $port = Get-Random -Minimum 20000 -Maximum 60000
        Find-MetricAnomaly -PrometheusUri "http://user:hunter2@127.0.0.1:$port" -Query up -TimeoutSec 2 -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'PrometheusUnreachable,OpsAutomation.Commands.FindMetricAnomalyCommand'
        "$($problems[0])" | Should -Not -Match 'hunter2'
    }
}

Describe 'Find-MetricAnomaly on the state store' {
    BeforeAll {
        $script:State = Join-Path $TestDrive 'state'
        # Opening the store creates it; a metric it does not keep is MetricHistoryNotFound.
        Find-MetricAnomaly -Metric pester_kept -StatePath $State -ErrorVariable missing -ErrorAction SilentlyContinue
        $script:Missing = $missing
        # Two days of one-minute samples as Invoke-PrometheusRule -InProcess keeps them, with a 10-minute spike of +30 on day 2.
        $start = [DateTimeOffset]::UtcNow.AddDays(-2).ToUnixTimeMilliseconds()
        $start -= $start % 60000
        $script:SpikeAt = [DateTimeOffset]::FromUnixTimeMilliseconds($start + 2000 * 60000)
        $sql = @"
INSERT INTO metric_series (id, labels_json) VALUES (900001, '{"__name__":"pester_kept","job":"kept-job"}');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2879)
INSERT INTO metric_samples (series_id, timestamp_ms, value)
SELECT 900001, $start + i * 60000, 100 + ((i * 7919) % 101) / 50.0 - 1 + CASE WHEN i BETWEEN 2000 AND 2009 THEN 30 ELSE 0 END FROM n;
"@
        $sql | & sqlite3 (Join-Path $State 'opsautomation.db')
        if ($LASTEXITCODE -ne 0) { throw 'sqlite3 could not write the kept samples.' }
    }

    It 'writes MetricHistoryNotFound for a metric the store does not keep' {
        $Missing[0].FullyQualifiedErrorId | Should -Be 'MetricHistoryNotFound,OpsAutomation.Commands.FindMetricAnomalyCommand'
        $Missing[0].Exception.Message | Should -BeLike "*keeps no samples of 'pester_kept'*"
    }

    It 'finds the spike in the kept samples, by name and label' {
        $found = Find-MetricAnomaly -Metric 'pester_k*' -Label @{ job = 'kept-*' } -StatePath $State -Start ([DateTimeOffset]::UtcNow.AddDays(-3)) -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $spike = $found | Where-Object Detector -ne 'LevelShift'
        $spike | Should -HaveCount 1
        $spike.Direction | Should -Be 'Above'
        $spike.Start | Should -Be $SpikeAt
        $spike.End | Should -Be $SpikeAt.AddMinutes(9)
        $spike.Service | Should -Be 'kept-job'
        Find-MetricAnomaly -Metric pester_kept -Label @{ job = 'other' } -StatePath $State -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'writes AnomalySeriesTooShort when the seasonal detector alone gets less than two days' {
        Find-MetricAnomaly -Metric pester_kept -StatePath $State -Detector Seasonal -Start ([DateTimeOffset]::UtcNow.AddHours(-10)) -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'AnomalySeriesTooShort,OpsAutomation.Commands.FindMetricAnomalyCommand'
        $problems[0].Exception.Message | Should -BeLike 'pester_kept{job="kept-job"} cannot be judged by the seasonal detector:*'
    }
}

Describe 'Find-MetricAnomaly on pipeline samples' {
    It 'groups MetricSamples into series and judges each at its timestamp' {
        $origin = [DateTimeOffset]::Parse('2026-11-02T00:00:00Z')
        $labels = [System.Collections.Generic.Dictionary[string, string]]::new()
        $labels['service'] = 'cart'
        $values = New-Series -Minutes 300 -Seed 7
        $samples = for ($i = 0; $i -lt 300; $i++) {
            $value = $values[$i] + ($i -ge 200 -and $i -lt 205 ? 20 : 0)
            [OpsAutomation.Models.Metrics.MetricSample]@{ Name = 'cart_latency'; Family = 'cart_latency'; Labels = $labels; Value = $value; Timestamp = $origin.AddMinutes($i) }
        }
        $found = $samples | Find-MetricAnomaly -Verbose 4>&1 | Group-Object { $_ -is [OpsAutomation.Models.Incidents.MetricAnomaly] } -AsHashTable
        $anomaly = $found[$true]
        $anomaly | Should -HaveCount 1
        $anomaly.Detector | Should -Be 'RobustZScore'
        $anomaly.Start | Should -Be $origin.AddMinutes(200)
        $anomaly.Service | Should -Be 'cart'
        ($found[$false] -join "`n") | Should -Match 'no seasonal baseline'
    }

    It 'refuses options out of range before reading anything' {
        { Find-MetricAnomaly -Metric x -Window '-00:01:00' -ErrorAction Stop } | Should -Throw -ErrorId 'AnomalyOptionsInvalid,OpsAutomation.Commands.FindMetricAnomalyCommand'
    }
}
