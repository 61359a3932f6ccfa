#Requires -Version 7.4
# The charts of the HTML pages as headless Chromium draws them: a health report over an hour of
# history (real checks of a local endpoint, spread over the hour in the state store) and the
# post-mortem of an incident taken through its states. Screenshots are kept in output/TestResults.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $modulePath -Force
    Import-Module (Join-Path $PSScriptRoot 'HtmlRendering.psm1') -Force
    if (-not (Get-Command sqlite3 -ErrorAction Ignore)) { throw 'Needs sqlite3 (Debian package sqlite3), which Install-TestTools installs.' }
    $script:State = Join-Path $TestDrive 'state'
    $script:ResultsDir = Join-Path $PSScriptRoot '..' '..' 'output' 'TestResults'

    Import-Module (Join-Path $PSScriptRoot 'TestEndpoint.psm1') -Force
    # /healthz answers ok, /broken a 503.
    $script:Endpoint = Start-TestEndpoint -Routes @{ '/broken' = @{ Status = 503; ContentType = 'text/plain'; Body = 'ok' } }
    $port = $Endpoint.Port
    $targets = "http://127.0.0.1:$port/healthz", "http://127.0.0.1:$port/broken", "tcp://127.0.0.1:$(Get-FreePort)"
    $script:Names = 'local-web', 'broken-api', 'closed-port'
    $script:Results = @(Test-ServiceHealth -Uri $targets -Name $Names -StatePath $State -TimeoutSec 3)

    # An hour of history from that run: a copy a minute earlier for each of 59 minutes, with
    # response times that vary, local-web Degraded now and then and broken-api failing one minute in three.
    $seed = @"
INSERT INTO health_history (run_id, name, kind, target, status, status_code, response_time_ms, attempts, first_attempt_status,
                            error_kind, error, details_json, timestamp_utc, severity, owner, tags, next_probe_at_utc)
WITH RECURSIVE minutes(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM minutes WHERE i < 59)
SELECT run_id || '-seed', name, kind, target,
       CASE WHEN name = 'local-web' AND i % 13 = 0 THEN 'Degraded' WHEN name = 'broken-api' AND i % 3 <> 0 THEN 'Healthy' ELSE status END,
       status_code, response_time_ms * (1 + i % 5), attempts, first_attempt_status, error_kind, error, details_json,
       strftime('%Y-%m-%dT%H:%M:%fZ', timestamp_utc, '-' || i || ' minutes'), severity, owner, tags, next_probe_at_utc
FROM health_history, minutes;
"@
    $seed | & sqlite3 (Join-Path $State 'opsautomation.db')
    if ($LASTEXITCODE -ne 0) { throw 'sqlite3 could not seed the health history.' }

    function Save-Screenshot([string] $Path) {
        $kept = New-Item -ItemType Directory $ResultsDir -Force
        Copy-Item $Path $kept
    }
}

AfterAll {
    Stop-TestEndpoint $Endpoint
}

Describe 'Health report charts in headless Chromium' {
    BeforeAll {
        $html = $Results | New-HealthReport -Format Html -Title 'Pester charts' -OutputPath (Join-Path $TestDrive 'health.html') `
            -Window (New-TimeSpan -Hours 1) -SloTarget 99 -StatePath $State
        $script:Page = Get-RenderedPage -Path $html.FullName -ScreenshotPath (Join-Path $TestDrive 'health-report-charts.png')
        Save-Screenshot $Page.ScreenshotPath
        $script:Charts = @{}
        foreach ($svg in $Page.Svgs) { $Charts[$svg.Id] = $svg }
    }

    It 'draws the status timeline with a lane per service' {
        $timeline = $Charts['status-timeline']
        $timeline | Should -Not -BeNullOrEmpty
        $timeline.Lanes | Should -Be 3
        # 60 minutes of checks in 30 s buckets: every lane has segments, joined where neighbours agree.
        $timeline.Marks | Should -BeGreaterOrEqual 3
        $timeline.Width | Should -BeGreaterThan 600
        $timeline.Height | Should -BeGreaterThan 50
    }

    It 'draws p50, p95 and p99 and the error budget for each service' {
        foreach ($n in 1..3) {
            $latency = $Charts["latency-$n"]
            $latency | Should -Not -BeNullOrEmpty -Because "service $n has a latency chart"
            $latency.Series | Should -Be 3
            $latency.Marks | Should -BeGreaterThan 3
            $budget = $Charts["budget-$n"]
            $budget | Should -Not -BeNullOrEmpty -Because "service $n has a budget chart"
            $budget.Series | Should -Be 1
            $budget.AriaLabel | Should -BeLike '*against the SLO of 99%'
        }
        $Charts.Keys | Where-Object { $_ -like 'latency-*' } | Should -HaveCount 3
    }

    It 'gives every chart a size, a role and a label' {
        $Page.Svgs | Should -HaveCount 7
        foreach ($svg in $Page.Svgs) {
            $svg.Role | Should -Be 'img'
            $svg.AriaLabel | Should -Not -BeNullOrEmpty
            $svg.Width | Should -BeGreaterThan 0
            $svg.Height | Should -BeGreaterThan 0
            $svg.Titles | Should -BeGreaterThan $svg.Marks -Because 'every mark has its hover text, and the chart its own'
        }
    }

    It 'runs no script and breaks none of its content security policy' {
        $Page.ScriptCount | Should -Be 0
        $Page.ConsoleErrors | Should -BeNullOrEmpty
        $Page.CspViolations | Should -BeNullOrEmpty
    }

    It 'colours the charts from the page''s light and dark schemes' {
        $fill = "getComputedStyle(document.querySelector('#status-timeline .segment.st-healthy')).fill"
        $light = (Get-RenderedPage -Path (Join-Path $TestDrive 'health.html') -Expression $fill).Evaluated
        $dark = Get-RenderedPage -Path (Join-Path $TestDrive 'health.html') -Expression $fill -ColorScheme dark
        $light | Should -Be 'rgb(26, 127, 55)'
        $dark.Evaluated | Should -Be 'rgb(63, 185, 80)'
        $dark.ConsoleErrors | Should -BeNullOrEmpty
    }
}

Describe 'Post-mortem timeline chart in headless Chromium' {
    BeforeAll {
        $id = (New-Incident -Title "<script>alert('x')</script> local-web down" -Service local-web -StatePath $State).Id
        Update-Incident -Id $id -State Acknowledged -Note 'Looking at it' -StatePath $State
        Update-Incident -Id $id -State Mitigated -Note 'Restarted <b>it</b>' -StatePath $State
        Close-Incident -Id $id -Reason 'Fixed' -StatePath $State -Confirm:$false
        $script:Incident = Get-Incident -Id $id -StatePath $State
        $written = Export-IncidentPostmortem -Id $id -OutputPath $TestDrive -Format Html -StatePath $State
        $script:Page = Get-RenderedPage -Path $written.Path -ScreenshotPath (Join-Path $TestDrive 'postmortem-charts.png') `
            -Expression "document.querySelectorAll('#incident-timeline .event.key').length"
        Save-Screenshot $Page.ScreenshotPath
    }

    It 'draws a marker for every timeline entry, the four milestones emphasised' {
        $chart = $Page.Svgs | Where-Object Id -EQ 'incident-timeline'
        $chart | Should -Not -BeNullOrEmpty
        $chart.Events | Should -Be $Incident.Timeline.Count
        $chart.Marks | Should -Be $Incident.Timeline.Count
        $Page.Evaluated | Should -Be 4 -Because 'detected, acknowledged, mitigated and resolved are milestones'
        $chart.Width | Should -BeGreaterThan 600
        $chart.Height | Should -BeGreaterThan 50
    }

    It 'runs no script, not even the one in the title, and breaks none of its policy' {
        $Page.ScriptCount | Should -Be 0
        $Page.Title | Should -BeLike "*<script>alert('x')</script> local-web down*"
        $Page.ConsoleErrors | Should -BeNullOrEmpty
        $Page.CspViolations | Should -BeNullOrEmpty
    }
}
