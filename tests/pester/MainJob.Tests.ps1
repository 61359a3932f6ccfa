#Requires -Version 7.4
# The main job (./build.ps1 Run): examples/story/Invoke-OpsStory.ps1 run once against the local stack
# that Start-TestStack starts (the real Prometheus, Pushgateway and Alertmanager, a private Docker
# engine with a registry, the Kubernetes sandbox, the Elasticsearch/Kibana/Grafana stand-ins), then
# each step's outcome read back from what the story returned, the state store, the cluster,
# Prometheus, the Pushgateway and Alertmanager; and nothing of the stack left running afterwards.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force

    # The stack's start sets OPS_TEST_* (the suite's own services use them too) and the story points
    # the session at its stack: both are put back afterwards.
    $storyVariables = 'KUBECONFIG', 'OPS_STATE_PATH', 'DOCKER_HOST', 'PROMETHEUS_URL', 'ALERTMANAGER_URL', 'PUSHGATEWAY_URL',
        'ELASTICSEARCH_URL', 'KIBANA_URL', 'GRAFANA_URL', 'OPS_METRICS_URL', 'SAMPLE_URL'
    $script:SavedEnvironment = @{}
    foreach ($name in @($storyVariables) + @(Get-ChildItem env:OPS_TEST_* | ForEach-Object Name)) {
        $SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
    }

    $script:Stack = Start-TestStack
    if (-not $Stack.Registry) { throw 'The main job test needs the Docker engine and registry (root on Linux).' }
    # Every process the stack started, and every folder it made, to prove they are gone at the end.
    $script:StackProcesses = @($Stack.Parts | ForEach-Object { $_.Started } | ForEach-Object { $_.Processes ?? $_ } | Where-Object { $_.ProcessId } |
        ForEach-Object { $_.Process })
    $script:StackFolders = @($Stack.Parts | ForEach-Object { $_.Started } | ForEach-Object { $_.RootPath ?? ($_.Name -in 'Prometheus', 'Pushgateway', 'Alertmanager' ? (Split-Path $_.DataPath) : $_.DataPath) } |
        Where-Object { $_ } | Select-Object -Unique)
    $script:Prometheus = $Stack.PrometheusUri.TrimEnd('/')
    $script:Alertmanager = $Stack.AlertmanagerUri.TrimEnd('/')
    $script:State = Join-Path $TestDrive 'state'
    $script:Output = Join-Path $TestDrive 'story'

    # The story as a user runs it, in this session; what it wrote is kept even if a step fails.
    $credential = [pscredential]::new($env:OPS_TEST_REGISTRY_USER, (ConvertTo-SecureString $env:OPS_TEST_REGISTRY_PASSWORD -AsPlainText -Force))
    $parameters = @{
        Kubeconfig = $Stack.Kubeconfig; PrometheusUri = $Stack.PrometheusUri; AlertmanagerUri = $Stack.AlertmanagerUri
        PushgatewayUri = $Stack.PushgatewayUri; ElasticsearchUri = $Stack.ElasticsearchUri; KibanaUri = $Stack.KibanaUri; GrafanaUri = $Stack.GrafanaUri
        MetricsPort = $Stack.MetricsPort; Registry = $Stack.Registry; RegistryCredential = $credential; DockerHost = $Stack.DockerHost
        StatePath = $State; OutputPath = $Output
    }
    $written = [System.Collections.Generic.List[object]]::new()
    $script:StoryError = $null
    try { & (Join-Path $PSScriptRoot '..' '..' 'examples' 'story' 'Invoke-OpsStory.ps1') @parameters | ForEach-Object { $written.Add($_) } }
    catch { $script:StoryError = $_ }
    $script:Story = $written | Select-Object -Last 1

    function kube { & kubectl --kubeconfig $Stack.Kubeconfig @args }
    # One instant query; a series the story's processes no longer serve is read over the last 5 minutes.
    function Get-PrometheusValue([string] $Query) {
        $result = (Invoke-RestMethod "$Prometheus/api/v1/query?query=$([uri]::EscapeDataString($Query))" -TimeoutSec 10).data.result
        @($result | ForEach-Object { [double] $_.value[1] })
    }
    function Get-AlertmanagerAlert([string] $Filter) {
        $all = Invoke-RestMethod "$Alertmanager/api/v2/alerts?filter=$([uri]::EscapeDataString($Filter))" -TimeoutSec 10
        @($all | Where-Object { $_ })
    }
}

AfterAll {
    if ($Stack) { Stop-TestStack $Stack }
    foreach ($name in $SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
}

Describe 'The main job''s story against the local stack' {
    It 'is documented: Get-Help shows its synopsis, every parameter and its examples' {
        $help = Get-Help (Join-Path $PSScriptRoot '..' '..' 'examples' 'story' 'Invoke-OpsStory.ps1') -Full

        $help.Synopsis | Should -BeLike 'A day of operations*'
        $help.parameters.parameter | Where-Object { -not $_.description } | ForEach-Object name | Should -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'returns its summary' {
        $Story | Should -Not -BeNullOrEmpty -Because "the story failed before its summary: $StoryError"
    }

    It '1. deploys the sample service: built, pushed, applied by digest, rolled out and validated' {
        $deployment = $Story.Deployment

        $deployment.Outcome | Should -Be Succeeded -Because $deployment.Reason
        $deployment.Image | Should -Match "^$([regex]::Escape($Stack.Registry))/opsautomation/sample@sha256:[0-9a-f]{64}$"
        $deployment.Validation.Outcome | Should -Be Passed
        kube get deployment sample -n shop -o 'jsonpath={.spec.template.metadata.labels.version}' | Should -Be '1.0.0'
        @(Get-DeploymentHistory -Name sample -Namespace shop -Kubeconfig $Stack.Kubeconfig -StatePath $State).Count | Should -BeGreaterOrEqual 1
    }

    It '2. checks the whole stack healthy while Prometheus scrapes the module''s /metrics and the pods' {
        $health = $Story.Health

        @($health.Name) | Should -Be @('alertmanager', 'elasticsearch', 'grafana', 'kibana', 'kubernetes-api', 'opsautomation-metrics', 'prometheus', 'pushgateway', 'sample-http', 'sample/deployment/sample')
        $health | Where-Object Status -NE Healthy | ForEach-Object { "$($_.Name): $($_.Status) $($_.Error)" } | Should -BeNullOrEmpty
        Get-PrometheusValue 'count(last_over_time(ops_health_checks_total{job="opsautomation-watch"}[10m]))' | Should -BeGreaterThan 0
        Get-PrometheusValue 'count(last_over_time(sample_http_requests_total{namespace="shop"}[10m]))' | Should -BeGreaterThan 0
        @(Get-ServiceHealthHistory -StatePath $State).Count | Should -BeGreaterOrEqual $health.Count
    }

    It '3. runs the orders pipeline: rejects in the dead-letter queue, lineage, metrics in the Pushgateway' {
        $run = $Story.Pipeline

        $run.Status | Should -Be CompletedWithRejections
        $run.RecordsIn, $run.Loaded, $run.Rejected, $run.Filtered | Should -Be 12, 5, 6, 1
        $Story.DeadLetters | Should -HaveCount 6
        @(Get-DataPipelineDeadLetter -Pipeline orders -StatePath $State) | Should -HaveCount 6
        $events = Get-Content (Join-Path $Output 'pipelines' 'lineage.jsonl') | ForEach-Object { ($_ | ConvertFrom-Json).eventType }
        $events | Should -Contain 'START'
        $events | Should -Contain 'COMPLETE'
        (Invoke-WebRequest "$($Stack.PushgatewayUri)/metrics" -TimeoutSec 10).Content |
            Should -Match 'ops_pipeline_records_total\{[^}]*job="orders-pipeline"[^}]*outcome="rejected"[^}]*\} 6'
    }

    It '4. aborts the bad canary on its error-ratio gate, stable untouched' {
        $canary = $Story.Canary

        $canary.Strategy | Should -Be Canary
        $canary.Outcome | Should -BeIn RolledBack, Aborted
        # The failing gate and its value are named; the analysis step is where it stopped.
        $canary.Reason | Should -Match 'analysis\) failed: error-ratio: [0-9.]+ > 0\.05'
        # The analysis that decided it, with the gate's values against its threshold.
        $canary.Validation.Outcome | Should -Be Failed
        $canary.Validation.DecidedBy | Should -Be 'error-ratio'
        @($canary.Validation.Evaluations | Where-Object { $_.Gate -eq 'error-ratio' -and $_.Verdict -eq 'Fail' }).Count | Should -BeGreaterThan 0
        $steps = @($canary.Steps)
        $steps[0].Kind, $steps[0].Succeeded | Should -Be 'SetWeight', $true
        $steps[1].Kind, $steps[1].Succeeded | Should -Be 'Analysis', $false
        $steps | Where-Object Kind -EQ Promote | Should -BeNullOrEmpty
        kube get deployment sample-canary -n shop --ignore-not-found -o name | Should -BeNullOrEmpty
        kube get deployment sample -n shop -o 'jsonpath={.spec.template.metadata.labels.version}' | Should -Be '1.0.0'
    }

    It '5. opens an incident from the failed canary, diagnoses it, runs the runbook, pages Alertmanager and drafts the post-mortem' {
        $incident = $Story.Incident

        $incident.Service | Should -Be 'sample'
        $incident.State | Should -Not -Be Resolved
        @(Get-Incident -Open -StatePath $State).Id | Should -Be @($incident.Id)
        $kinds = @($incident.Timeline.Kind | ForEach-Object ToString)
        foreach ($kind in 'Detected', 'Diagnostics', 'Action', 'Verification', 'Escalation') { $kinds | Should -Contain $kind }

        $Story.Diagnostics.Attached | Should -BeTrue
        ($Story.Diagnostics.Sources | Where-Object Name -EQ 'pod-status').Status | Should -Be Succeeded
        Test-Path $Story.Diagnostics.Path | Should -BeTrue

        $Story.Runbook.Runbook | Should -Be 'sample-failed-deployment'
        $Story.Runbook.Steps[0].Outcome | Should -Be Succeeded -Because $Story.Runbook.Steps[0].Message
        $Story.Runbook.Verified | Should -BeTrue -Because $Story.Runbook.Verification

        $Story.Escalation.Action | Should -Be Escalated
        $paged = Get-AlertmanagerAlert "incident=`"$($incident.Id)`""
        $paged | Should -HaveCount 1
        $paged[0].labels.service | Should -Be 'sample'

        $files = @($Story.Postmortem.Path)
        $files | Should -HaveCount 1
        $files[0] | Should -BeLike '*.md'
        Get-Content $files[0] -Raw | Should -Match '(?m)^## Timeline$'
    }

    It '6. evaluates the alert rules in process and against Prometheus, which sends what fires to Alertmanager' {
        $inProcess = @($Story.Rules.InProcess)
        $server = @($Story.Rules.Prometheus)

        # The module's metrics are the process's: in a session that ran other pipelines before, their rejects fire too.
        function Get-Rejected($Alerts) { $Alerts | Where-Object { $_.AlertName -eq 'PipelineRejectedRecords' -and $_.Labels['pipeline'] -eq 'orders' } }
        (Get-Rejected $inProcess).State | Should -Be Firing
        # None of the story's checks is down (other tests' checks in this process may be).
        $checked = @($Story.Health | ForEach-Object { "$($_.Name)|$($_.Kind)" })
        $checked | Should -Not -BeNullOrEmpty
        $inProcess | Where-Object { $_.AlertName -eq 'ServiceDown' -and "$($_.Labels['service'])|$($_.Labels['kind'])" -in $checked -and $_.State -ne 'Inactive' } |
            Should -BeNullOrEmpty
        ($server | Where-Object AlertName -EQ SampleServerErrors).State | Should -Be Firing
        (Get-Rejected $server).State | Should -Be Firing
        $inProcess | Where-Object Error | Should -BeNullOrEmpty
        $server | Where-Object Error | Should -BeNullOrEmpty
        Get-AlertmanagerAlert 'alertname="SampleServerErrors"' | Should -Not -BeNullOrEmpty
    }

    It '7. writes the landing page, linking the health report, deployments, pipeline runs, the incident''s post-mortem and the metrics' {
        $StoryError | Should -BeNullOrEmpty
        $Story.Report | Should -Not -BeNullOrEmpty
        $index = Join-Path $Output 'index.html'
        $links = [regex]::Matches((Get-Content $index -Raw), 'href="([^"#]+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique
        foreach ($page in 'health.html', 'deployments.html', 'pipelines.html', "incidents/$($Story.Incident.Id).html") {
            $links | Should -Contain $page
            Test-Path (Join-Path $Output $page) | Should -BeTrue -Because $page
        }
        $links | Should -Contain "http://127.0.0.1:$($Stack.MetricsPort)/metrics"
        Get-Content (Join-Path $Output 'deployments.html') -Raw | Should -Match 'error-ratio'
    }

    It '7. renders its landing page in headless Chromium with the story''s charts; the screenshot is the README''s' {
        Import-Module (Join-Path $PSScriptRoot 'HtmlRendering.psm1') -Force
        $kept = New-Item -ItemType Directory (Join-Path $PSScriptRoot '..' '..' 'output' 'TestResults') -Force
        $page = Get-RenderedPage -Path (Join-Path $Output 'index.html') -ScreenshotPath (Join-Path $kept 'main-job-landing-page.png')

        $page.ScriptCount | Should -Be 0
        $page.CspViolations | Should -BeNullOrEmpty
        $page.ConsoleErrors | Should -BeNullOrEmpty
        $timeline = $page.Svgs | Where-Object Id -EQ 'health-timeline'
        $timeline.Width | Should -BeGreaterThan 0
        # Each of the stack's ten checks is a lane, and so is each target the deployments' health gates checked.
        $timeline.Lanes | Should -BeGreaterOrEqual 10
        (Get-Item $page.ScreenshotPath).Length | Should -BeGreaterThan 10KB
    }

    It 'leaves nothing running once the stack is stopped' {
        Stop-TestStack $Stack

        $StackProcesses | Where-Object { -not $_.HasExited } | ForEach-Object { "pid $($_.Id)" } | Should -BeNullOrEmpty
        $StackFolders | Where-Object { Test-Path $_ } | Should -BeNullOrEmpty
        Test-Path (Split-Path $Stack.Kubeconfig) | Should -BeFalse
        # The story stopped its /metrics endpoint: the port is free again.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $Stack.MetricsPort)
        { $listener.Start() } | Should -Not -Throw
        $listener.Stop()
    }
}
