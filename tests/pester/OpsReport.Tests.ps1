#Requires -Version 7.4
# Export-OpsReport as a scheduler runs it: a state store filled by the real cmdlets (health checks of
# a local endpoint, the orders pipeline with its bad records, an incident opened by hand, two
# deployments on the Kubernetes sandbox), then the status site, each page rendered in headless
# Chromium: its links resolve, its charts are drawn with the expected series, its CSP is never
# violated, and a service named like markup stays text.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot 'HtmlRendering.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:State = Join-Path $TestDrive 'state'
    $script:Site = Join-Path $TestDrive 'site'
    $script:Hostile = '<img src=x onerror=alert(1)>'
    $script:Saved = @{ KUBECONFIG = $env:KUBECONFIG; SAMPLE_VERSION = $env:SAMPLE_VERSION }

    # Health: a local endpoint that answers, checked three times under a hostile name and a plain one.
    Import-Module (Join-Path $PSScriptRoot 'TestEndpoint.psm1') -Force
    $script:Endpoint = Start-TestEndpoint
    $port = $Endpoint.Port
    1..3 | ForEach-Object {
        $null = Test-ServiceHealth -Uri "http://127.0.0.1:$port/", "http://127.0.0.1:$port/" -Name $Hostile, 'web' -StatePath $State -TimeoutSec 3
    }

    # A pipeline run with bad records (the orders example), twice: two runs to chart.
    Copy-Item (Join-Path $PSScriptRoot '..' '..' 'examples' 'pipelines') TestDrive:/pipelines -Recurse
    $spec = 'TestDrive:/pipelines/orders.psd1'
    (Get-Content $spec -Raw) -replace "'\.\./\.\./output/pipelines/orders\.db'", "'out/orders.db'" | Set-Content $spec
    $script:Runs = @(1..2 | ForEach-Object { Start-DataPipeline $spec -StatePath $State })

    # An incident opened by hand, on the hostile service, and acknowledged: two events on its timeline.
    $script:Incident = New-Incident -Title "$Hostile is slow" -Service $Hostile -Severity Error -StatePath $State
    $null = Update-Incident -Id $Incident.Id -State Acknowledged -StatePath $State

    # Two deployments on the sandbox (no registry: the sandbox runs any image name), a new version the second time.
    $script:Sandbox = Start-TestSandbox -Argument '--pod-start-seconds', '1'
    $env:KUBECONFIG = $Sandbox.Kubeconfig
    Copy-Item (Join-Path $PSScriptRoot '..' '..' 'examples' 'deployments' 'manifests') TestDrive:/deploy/manifests -Recurse -Force
    Set-Content TestDrive:/deploy/spec.psd1 @'
@{
    Name       = 'sample'
    Namespace  = 'opsreport'
    Image      = 'sample:${SAMPLE_VERSION}'
    Variables  = @{ VERSION = '${SAMPLE_VERSION}' }
    Manifests  = 'manifests'
    Service    = 'sample'
    TimeoutSec = 120
}
'@
    $script:Deployments = @('1.0.0', '1.0.1' | ForEach-Object {
            $env:SAMPLE_VERSION = $_
            Invoke-Deployment TestDrive:/deploy/spec.psd1 -StatePath $State
        })

    $script:Report = Export-OpsReport -Path $Site -Title 'Ops <status>' -Window '01:00:00' -StatePath $State -MetricsUri 'http://127.0.0.1:9464/metrics'
    # Each page rendered once; its screenshot is kept in output/TestResults for a person to look at.
    $kept = New-Item -ItemType Directory (Join-Path $PSScriptRoot '..' '..' 'output' 'TestResults') -Force
    $script:Rendered = @{}
    foreach ($page in $Report.Pages | Where-Object { $_ -like '*.html' }) {
        $Rendered[$page] = Get-RenderedPage -Path (Join-Path $Site $page) -ScreenshotPath (Join-Path $kept ('ops-report-' + ($page -replace '[^A-Za-z0-9]+', '-') + '.png'))
    }

    # Every href of a page, decoded as the browser reads it.
    function Get-Href([string] $Page) {
        [regex]::Matches((Get-Content (Join-Path $Site $Page) -Raw), 'href="([^"]*)"') | ForEach-Object { [System.Net.WebUtility]::HtmlDecode($_.Groups[1].Value) }
    }
}

AfterAll {
    Stop-TestEndpoint $Endpoint
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
    foreach ($name in $Saved.Keys) { if ($Saved[$name]) { Set-Item "env:$name" $Saved[$name] } else { Remove-Item "env:$name" -ErrorAction Ignore } }
}

Describe 'Export-OpsReport of a seeded state store' {
    It 'was seeded as the test meant: runs with rejects, deployments that succeeded' {
        $Runs[0].Rejected | Should -BeGreaterThan 0
        $Deployments.Outcome | Should -Be 'Succeeded', 'Succeeded'
        $Deployments[1].Rollouts.History.Count | Should -BeGreaterThan 1
    }

    It 'returns what it wrote, in numbers' {
        $Report | Should -BeOfType ([OpsAutomation.Models.Reporting.OpsReport])
        $Report.Path | Should -Be (Join-Path $Site 'index.html')
        $Report.Pages | Should -Contain 'index.html'
        $Report.Pages | Should -Contain 'health.html'
        $Report.Pages | Should -Contain 'deployments.html'
        $Report.Pages | Should -Contain 'pipelines.html'
        $Report.Pages | Should -Contain "incidents/$($Incident.Id).html"
        $Report.Pages | Should -Contain "incidents/$($Incident.Id).md"
        $Report.OverallHealth | Should -Be Healthy
        # The two services checked, and the Service each deployment's validation checked.
        $Report.Services | Should -Be @(Get-ServiceHealthHistory -StatePath $State | Sort-Object Name -Unique).Count
        $Report.Services | Should -BeGreaterOrEqual 2
        $Report.OpenIncidents | Should -Be 1
        $Report.Deployments | Should -Be 2
        $Report.PipelineRuns | Should -Be 2
        $Report.Missing | Should -BeNullOrEmpty
        foreach ($page in $Report.Pages) { Join-Path $Site $page | Should -Exist }
    }

    It 'links every page to pages it wrote, and the landing page to the metrics endpoint' {
        foreach ($page in $Rendered.Keys) {
            foreach ($href in Get-Href $page | Where-Object { $_ -notmatch '^https?:' }) {
                $target = [uri]::UnescapeDataString(($href -split '#')[0])
                Join-Path (Split-Path (Join-Path $Site $page)) $target | Should -Exist -Because "$page links to $href"
            }
        }
        $index = @(Get-Href 'index.html')
        $index | Should -Contain 'health.html'
        $index | Should -Contain 'pipelines.html#pipeline-orders'
        $index | Should -Contain "incidents/$($Incident.Id).html"
        $index | Should -Contain "deployments.html#deployment-$($Deployments[1].Id)"
        $index | Should -Contain 'http://127.0.0.1:9464/metrics'
    }

    It '<Page> renders without a script, a console error or a CSP violation' -ForEach @(
        @{ Page = 'index.html' }, @{ Page = 'health.html' }, @{ Page = 'deployments.html' }, @{ Page = 'pipelines.html' }, @{ Page = 'incident' }
    ) {
        $key = $Page -eq 'incident' ? "incidents/$($Incident.Id).html" : $Page
        $rendered = $Rendered[$key]
        $rendered.ScriptCount | Should -Be 0
        $rendered.CspViolations | Should -BeNullOrEmpty
        $rendered.ConsoleErrors | Should -BeNullOrEmpty
    }

    It 'draws each service''s status timeline on the landing page' {
        $chart = $Rendered['index.html'].Svgs | Where-Object Id -EQ 'health-timeline'
        $chart.Width | Should -BeGreaterThan 0
        $chart.Height | Should -BeGreaterThan 0
        $chart.Lanes | Should -Be $Report.Services
        $chart.Marks | Should -BeGreaterOrEqual 2
    }

    It 'draws the replica counts of each deployment''s rollout: desired, updated, ready, available' {
        foreach ($deployment in $Deployments) {
            $chart = $Rendered['deployments.html'].Svgs | Where-Object Id -EQ "deployment-$($deployment.Id)-replicas"
            $chart.Width | Should -BeGreaterThan 0
            $chart.Series | Should -Be 4
            $chart.Marks | Should -BeGreaterThan 0
        }
        $html = Get-Content (Join-Path $Site 'deployments.html') -Raw
        $html | Should -Match 'data-name="desired"'
        $html | Should -Match 'data-name="available"'
    }

    It 'draws each pipeline''s throughput and its loaded and rejected records per run' {
        $svgs = $Rendered['pipelines.html'].Svgs
        $throughput = $svgs | Where-Object Id -EQ 'pipeline-orders-throughput'
        $throughput.Width | Should -BeGreaterThan 0
        $throughput.Series | Should -Be 1
        $rejects = $svgs | Where-Object Id -EQ 'pipeline-orders-rejects'
        $rejects.Height | Should -BeGreaterThan 0
        $rejects.Bars | Should -BeGreaterOrEqual 2
        (Get-Content (Join-Path $Site 'pipelines.html') -Raw) | Should -Match "<td>$($Runs[1].Steps[0].Step)</td>"
    }

    It 'draws the incident''s timeline on its page, beside its post-mortem' {
        $chart = $Rendered["incidents/$($Incident.Id).html"].Svgs | Where-Object Id -EQ 'incident-timeline'
        $chart.Width | Should -BeGreaterThan 0
        $chart.Events | Should -BeGreaterOrEqual 2
        Get-Content (Join-Path $Site "incidents/$($Incident.Id).md") -Raw | Should -Match '## Timeline'
    }

    It 'shows the hostile service name and the title as text, never as markup' {
        foreach ($page in $Report.Pages | Where-Object { $_ -like '*.html' }) {
            $html = Get-Content (Join-Path $Site $page) -Raw
            $html | Should -Not -Match '<img' -Because "$page must encode the service name"
            $html | Should -Not -Match '<status>'
        }
        Get-Content (Join-Path $Site 'index.html') -Raw | Should -Match ([regex]::Escape('&lt;img src=x onerror=alert(1)&gt;'))
        $Rendered['index.html'].Title | Should -Be 'Ops <status>'
    }
}

Describe 'Export-OpsReport of an empty state store' {
    It 'writes pages that say what is missing and how to fill it' {
        $empty = Export-OpsReport -Path (Join-Path $TestDrive 'empty-site') -StatePath (Join-Path $TestDrive 'empty-state')

        $empty.Missing | Should -Be 'Health', 'Incidents', 'Deployments', 'Pipelines'
        $empty.OverallHealth | Should -BeNullOrEmpty
        $empty | Format-Table | Out-String | Should -Match 'No data'
        $index = Get-Content $empty.Path -Raw
        $index | Should -Match 'Test-ServiceHealth'
        $index | Should -Match 'Invoke-Deployment'
        $index | Should -Match 'Start-DataPipeline'
        $index | Should -Match 'New-Incident'
    }

    It '-WhatIf writes nothing' {
        $folder = Join-Path $TestDrive 'whatif-site'
        Export-OpsReport -Path $folder -StatePath (Join-Path $TestDrive 'empty-state') -WhatIf | Should -BeNullOrEmpty
        $folder | Should -Not -Exist
    }

    It 'refuses a metrics endpoint that carries a credential, without showing it' {
        { Export-OpsReport -Path (Join-Path $TestDrive 'x') -StatePath (Join-Path $TestDrive 'empty-state') -MetricsUri 'http://ops:hunter2@127.0.0.1:9091/' -ErrorAction Stop } |
            Should -Throw -ErrorId 'OpsReportParameterInvalid,OpsAutomation.Commands.ExportOpsReportCommand' -ExpectedMessage '*carries a credential*'
        try { Export-OpsReport -Path (Join-Path $TestDrive 'x') -StatePath (Join-Path $TestDrive 'empty-state') -MetricsUri 'http://ops:hunter2@127.0.0.1:9091/' -ErrorAction Stop }
        catch { $_.Exception.Message | Should -Not -Match 'hunter2' }
    }
}
