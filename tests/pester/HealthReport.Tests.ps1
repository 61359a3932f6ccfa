#Requires -Version 7.4
# What a person gets from New-HealthReport: reports of real checks in each format, the HTML page as
# headless Chromium renders it (its screenshot is kept in output/TestResults), help and error ids.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $modulePath -Force
    $script:State = Join-Path $TestDrive 'state'
    $script:ResultsDir = Join-Path $PSScriptRoot '..' '..' 'output' 'TestResults'

    Import-Module (Join-Path $PSScriptRoot 'TestEndpoint.psm1') -Force
    # A small endpoint of our own: /healthz answers ok, /broken a 503 whose reason carries markup.
    $script:Endpoint = Start-TestEndpoint -Routes @{
        '/broken' = @{ Status = 503; ContentType = 'application/json'; Body = '{"error":"<script>alert(1)</script> upstream down"}' }
    }
    $port = $Endpoint.Port

    # Nothing listens on a port just released: a real refused connection.
    $targets = "http://127.0.0.1:$port/healthz", "http://127.0.0.1:$port/broken", "tcp://127.0.0.1:$(Get-FreePort)"
    $names = 'local-web', 'broken-api', 'closed-port'
    # Two runs, so the trends have history to summarise.
    $null = Test-ServiceHealth -Uri $targets -Name $names -StatePath $State -TimeoutSec 3
    $script:Results = @(Test-ServiceHealth -Uri $targets -Name $names -StatePath $State -TimeoutSec 3)
}

AfterAll {
    Stop-TestEndpoint $Endpoint
}

Describe 'Results of real checks' {
    It 'has a healthy, an unhealthy and an unreachable service to report' {
        ($Results | Where-Object Name -EQ 'local-web').Status | Should -Be 'Healthy'
        $broken = $Results | Where-Object Name -EQ 'broken-api'
        $broken.Status | Should -Be 'Unhealthy'
        $broken.Error | Should -BeLike '*<script>alert(1)</script>*' -Because 'the page must prove that markup from the network is escaped'
        ($Results | Where-Object Name -EQ 'closed-port').Status | Should -Be 'Unreachable'
    }
}

Describe 'Markdown' {
    It 'is the default, written to the pipeline as one string' {
        $markdown = $Results | New-HealthReport -Title 'Pester health'
        @($markdown).Count | Should -Be 1
        $markdown | Should -BeOfType ([string])
        $markdown | Should -Match '^# Pester health'
        $markdown | Should -Match '3 services: 1 healthy, 0 degraded, 1 unhealthy, 1 unreachable, 0 circuit open'
        $markdown | Should -Match '\| local-web \| Http \| Healthy \| 200 \|'
        $markdown | Should -Match '## Failing'
        $markdown | Should -Not -Match '<script>'
    }

    It 'writes -OutputPath relative to the current location and returns the file' {
        Push-Location $TestDrive
        try { $file = $Results | New-HealthReport -OutputPath 'health.md' }
        finally { Pop-Location }
        $file | Should -BeOfType ([System.IO.FileInfo])
        $file.FullName | Should -Be (Join-Path $TestDrive 'health.md')
        Get-Content $file.FullName -Raw | Should -Match '\| closed-port \| Tcp \| Unreachable \|'
        @(Get-ChildItem $TestDrive -Filter '*.tmp' -Force) | Should -HaveCount 0
    }
}

Describe 'JSON' {
    It 'converts with ConvertFrom-Json into the documented schema' {
        $report = $Results | New-HealthReport -Format Json | ConvertFrom-Json
        $report.schemaVersion | Should -Be 1
        $report.overallStatus | Should -Be 'Unreachable'
        $report.counts.total | Should -Be 3
        $report.results.name | Should -Be @('closed-port', 'broken-api', 'local-web')
        $report.results[1].statusCode | Should -Be 503
        $report.results[1].errorKind | Should -Be 'HttpStatus'
        $report.results[2].responseTimeMs | Should -BeOfType ([double])
        $report.runIds | Should -Be @($Results[0].RunId)
    }

    It 'adds trends from the history with -Window and -SloTarget' {
        $report = $Results | New-HealthReport -Format Json -Window (New-TimeSpan -Hours 1) -SloTarget 99.9 -StatePath $State | ConvertFrom-Json
        $report.trendWindowMs | Should -Be 3600000
        $report.trends.name | Sort-Object | Should -Be @('broken-api', 'closed-port', 'local-web')
        $web = $report.trends | Where-Object name -EQ 'local-web'
        $web.checks | Should -Be 2
        $web.availabilityPercent | Should -Be 100
        $closed = $report.trends | Where-Object name -EQ 'closed-port'
        $closed.failures | Should -Be 2
        $closed.burnRate | Should -BeGreaterThan 1
        $report.trendSeries.name | Sort-Object | Should -Be @('broken-api', 'closed-port', 'local-web')
        $series = $report.trendSeries | Where-Object name -EQ 'closed-port'
        $series.bucketMs | Should -Be 30000
        $series.buckets | Should -HaveCount 120
        ($series.buckets | Measure-Object checks -Sum).Sum | Should -Be 2
        $series.buckets[-1].errorBudgetRemainingPercent | Should -Be $closed.errorBudgetRemainingPercent
    }
}

Describe 'HTML in headless Chromium' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'HtmlRendering.psm1') -Force
        $script:HtmlFile = $Results | New-HealthReport -Format Html -Title 'Pester health' -OutputPath (Join-Path $TestDrive 'health.html') `
            -Window (New-TimeSpan -Hours 1) -SloTarget 99.9 -StatePath $State
        $script:Page = Get-RenderedPage -Path $HtmlFile.FullName -ScreenshotPath (Join-Path $TestDrive 'health-report.png') -Expression 'document.documentElement.outerHTML'
    }

    It 'renders every service row, escaped, in the DOM' {
        $dom = $Page.Evaluated
        foreach ($name in 'local-web', 'broken-api', 'closed-port') {
            $dom | Should -Match "<tr data-status=""\w+""><td>$name</td>" -Because "the services table has a row for $name"
        }
        $dom | Should -Match '<table id="trends">'
        $dom | Should -Match '&lt;script&gt;alert\(1\)&lt;/script&gt; upstream down'
        $dom | Should -Not -Match '<script'
        $Page.ConsoleErrors | Should -BeNullOrEmpty
        $Page.CspViolations | Should -BeNullOrEmpty
    }

    It 'takes a real screenshot of the whole page, kept in output/TestResults' {
        $png = $Page.ScreenshotPath
        $png | Should -Exist
        $bytes = [System.IO.File]::ReadAllBytes($png)
        $bytes[0..7] | Should -Be @(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A) -Because 'a PNG starts with its signature'
        [System.Text.Encoding]::ASCII.GetString($bytes, 12, 4) | Should -Be 'IHDR'
        [System.Buffers.Binary.BinaryPrimitives]::ReadInt32BigEndian([byte[]] $bytes[16..19]) | Should -Be 1280
        [System.Buffers.Binary.BinaryPrimitives]::ReadInt32BigEndian([byte[]] $bytes[20..23]) | Should -BeGreaterThan 1000 -Because 'the page with its charts is taller than a screen'
        $bytes.Length | Should -BeGreaterThan 20KB -Because 'a page of tables and badges is not a blank image'
        $bytes.Length | Should -BeLessThan 20MB

        $kept = New-Item -ItemType Directory $ResultsDir -Force
        Copy-Item $png, $HtmlFile.FullName $kept
        $shot = (Resolve-Path (Join-Path $kept 'health-report.png')).Path
        Write-Host "Health report screenshot: $shot"
        $shot | Should -Exist
    }
}

Describe 'Help and errors' {
    It 'has help with two examples and every parameter described' {
        $help = Get-Help New-HealthReport -Full
        $help.Synopsis | Should -Match 'Markdown, HTML or JSON report'
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($parameter in (Get-Command New-HealthReport).Parameters.Keys | Where-Object { $_ -notin $common }) {
            ($help.parameters.parameter | Where-Object name -EQ $parameter).description.Text | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'a folder that does not exist is a terminating ReportPathInvalid error naming it' {
        $missing = Join-Path $TestDrive 'no-such-folder' 'health.html'
        { $Results | New-HealthReport -OutputPath $missing } |
            Should -Throw -ErrorId 'ReportPathInvalid,OpsAutomation.Commands.NewHealthReportCommand' -ExpectedMessage "*no-such-folder*"
    }

    It 'no results is a terminating NoResults error' {
        { @() | New-HealthReport } | Should -Throw -ErrorId 'NoResults,OpsAutomation.Commands.NewHealthReportCommand'
        { $Results | Where-Object Name -EQ 'nothing' | New-HealthReport -Format Json } | Should -Throw -ErrorId 'NoResults,OpsAutomation.Commands.NewHealthReportCommand'
    }

    It 'an SLO target of 100 is refused, naming the value' {
        { $Results | New-HealthReport -Window (New-TimeSpan -Hours 1) -SloTarget 100 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsAutomation.Commands.NewHealthReportCommand' -ExpectedMessage '*100*'
    }

    It 'a window of zero is a parameter validation error naming -Window' {
        { $Results | New-HealthReport -Window ([timespan]::Zero) -StatePath $State } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsAutomation.Commands.NewHealthReportCommand' -ExpectedMessage "*'Window'*not a positive span of time*"
    }

    It 'still takes the window as -TrendWindow, its old name' {
        $report = $Results | New-HealthReport -Format Json -TrendWindow (New-TimeSpan -Hours 1) -StatePath $State | ConvertFrom-Json
        $report.trendWindowMs | Should -Be 3600000
    }
}
